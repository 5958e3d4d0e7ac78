#include "pqbranch/config/config_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pqbranch/core/unique_fd.hpp"

namespace pqbranch::config {
namespace {

core::Error errno_error(errc code, const std::filesystem::path& path, const char* what, int err) {
  return core::make_error(code, path.string() + ": " + what + ": " + std::strerror(err));
}

}  // namespace

core::Result<std::string> read_config_file(const std::filesystem::path& path) {
  // O_NONBLOCK: opening a FIFO must not hang waiting for a writer; it is rejected below.
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    return errno_error(err == ENOENT ? errc::file_not_found : errc::file_unreadable, path,
                       "cannot open", err);
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) {
    return errno_error(errc::file_unreadable, path, "cannot stat", errno);
  }
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file";
    return core::make_error(errc::file_unreadable, path.string() + ": " + what);
  }
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errc::file_unreadable, path, "cannot read", errno);
    if (n == 0) break;
    // Checked while reading, not from st_size alone: the file may grow meanwhile.
    if (text.size() + static_cast<std::size_t>(n) > kMaxConfigBytes) {
      return core::make_error(errc::file_too_large, path.string() + ": larger than " +
                                                        std::to_string(kMaxConfigBytes) + " bytes");
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace pqbranch::config
