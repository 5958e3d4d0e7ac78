#include "file_io.hpp"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <fmt/format.h>

#include "pqbranch/core/unique_fd.hpp"
#include "pqbranch/crypto/error.hpp"

namespace pqbranch::crypto::detail {
namespace {

// Large enough for any certificate chain or key we accept; bounds what a wrong path
// (a device, a huge file) could make us read.
constexpr off_t kMaxFileSize = 1 << 20;

std::string errno_text(int e) {
  return std::error_code(e, std::generic_category()).message();
}

}  // namespace

core::Result<core::SecureBytes> read_file(const std::filesystem::path& file, std::string_view what,
                                          FileKind kind) {
  const std::string name = fmt::format("{} {}", what, file.string());
  if (file.empty()) return core::make_error(errc::file_unreadable, std::string(what) + " not set");
  const core::UniqueFd f(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (f.get() < 0) return core::make_error(errc::file_unreadable, name + ": " + errno_text(errno));
  struct stat st{};
  if (::fstat(f.get(), &st) != 0) {
    return core::make_error(errc::file_unreadable, name + ": " + errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return core::make_error(errc::file_unreadable, name + ": not a regular file");
  }
  if (kind == FileKind::private_key && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return core::make_error(errc::key_file_permissions,
                            fmt::format("{} has mode {:04o}; run chmod 600 on it", name,
                                        static_cast<unsigned>(st.st_mode & 07777)));
  }
  if (st.st_size > kMaxFileSize) {
    return core::make_error(errc::file_unreadable, name + ": larger than 1 MiB");
  }
  core::SecureBytes bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(f.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return core::make_error(errc::file_unreadable, name + ": " + errno_text(errno));
    if (n == 0) break;  // shrank while we read: parse what is there
    done += static_cast<std::size_t>(n);
  }
  if (done != bytes.size()) {
    core::SecureBytes shorter(bytes.subspan(0, done));
    return shorter;
  }
  return bytes;
}

}  // namespace pqbranch::crypto::detail
