#include "pqbranch/core/atomic_file.hpp"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pqbranch/core/unique_fd.hpp"

namespace pqbranch::core {
namespace {

Error errno_error(int err, const std::string& what) {
  return Error{boost::system::error_code(err, boost::system::system_category()), what};
}

Result<void> write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "write " + what);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// A new temporary file beside the target: O_EXCL, so a file, hard link or symlink someone
// put there first is never opened, truncated or written through (O_NOFOLLOW refuses a
// symlink in the last component as well). The pid keeps two processes (an old agent still
// stopping, a new one starting) apart; a name that exists (a leftover of a crash, or planted)
// is skipped, a bounded number of times. On failure errno is set and `name` is the last name.
core::UniqueFd create_temporary(const std::filesystem::path& dir, const std::string& file,
                                mode_t mode, std::string& name) {
  constexpr int kNames = 16;
  for (int i = 0; i < kNames; ++i) {
    const std::string suffix = i == 0 ? "" : fmt::format(".{}", i);
    name = (dir / fmt::format(".{}.tmp.{}{}", file, ::getpid(), suffix)).string();
    core::UniqueFd fd(
        ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (fd.get() >= 0 || errno != EEXIST) return fd;
  }
  return core::UniqueFd{};
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view contents,
                                   mode_t mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string tmp_name;
  core::UniqueFd fd = create_temporary(dir, path.filename().string(), mode, tmp_name);
  if (fd.get() < 0) return errno_error(errno, "create " + tmp_name);
  auto fail = [&](Error e) -> Result<void> {
    ::unlink(tmp_name.c_str());
    return e;
  };
  // open() applies the umask; the mode is meant exactly.
  if (::fchmod(fd.get(), mode) != 0) return fail(errno_error(errno, "chmod " + tmp_name));
  if (auto r = write_all(fd.get(), contents, tmp_name); !r) return fail(r.error());
  if (::fsync(fd.get()) != 0) return fail(errno_error(errno, "fsync " + tmp_name));
  if (fd.close() != 0) return fail(errno_error(errno, "close " + tmp_name));
  if (::rename(tmp_name.c_str(), path.c_str()) != 0) {
    return fail(errno_error(errno, "rename to " + path.string()));
  }
  const UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) {
    return errno_error(errno, "fsync directory " + dir.string());
  }
  return {};
}

Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path,
                                                   std::size_t max_bytes) {
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return errno_error(errno, "open " + path.string());
  }
  std::string text;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "read " + path.string());
    }
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
      return errno_error(EFBIG,
                         fmt::format("{} is larger than {} bytes", path.string(), max_bytes));
    }
    text.append(buf.data(), static_cast<std::size_t>(n));
  }
  return std::optional<std::string>{std::move(text)};
}

}  // namespace pqbranch::core
