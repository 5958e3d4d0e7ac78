#include "partial_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pqbranch/keysvc/errc.hpp"

namespace pqbranch::keysvc::detail {
namespace {

core::Error file_error(const std::string& what) {
  return core::make_error(errc::release_file_error,
                          fmt::format("{}: {}", what, std::strerror(errno)));
}

}  // namespace

core::Result<std::unique_ptr<PartialFile>> PartialFile::create(
    const std::filesystem::path& directory, const std::string& name) {
  xfrm::UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return file_error(directory.string());
  const std::string temp = "." + name + ".partial";
  if (::unlinkat(dir.get(), temp.c_str(), 0) != 0 && errno != ENOENT) {
    return file_error((directory / temp).string());
  }
  xfrm::UniqueFd fd(::openat(dir.get(), temp.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return file_error((directory / temp).string());
  return std::unique_ptr<PartialFile>(
      new PartialFile(directory, std::move(dir), std::move(fd), name, temp));
}

PartialFile::~PartialFile() {
  if (committed_) return;
  fd_.reset();
  ::unlinkat(dir_.get(), temp_.c_str(), 0);
}

core::Result<void> PartialFile::write(std::span<const std::uint8_t> bytes) {
  // Bounded: each round writes at least one byte or fails.
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return file_error((directory_ / temp_).string());
    bytes = bytes.subspan(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
  return {};
}

core::Result<std::filesystem::path> PartialFile::commit() {
  if (::fsync(fd_.get()) != 0) return file_error((directory_ / temp_).string());
  fd_.reset();
  if (::renameat(dir_.get(), temp_.c_str(), dir_.get(), name_.c_str()) != 0) {
    return file_error((directory_ / name_).string());
  }
  committed_ = true;
  // The rename itself must survive a power cut.
  if (::fsync(dir_.get()) != 0) return file_error(directory_.string());
  return directory_ / name_;
}

}  // namespace pqbranch::keysvc::detail
