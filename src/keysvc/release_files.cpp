#include "pqbranch/keysvc/release_files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>

#include <fmt/format.h>

#include "pqbranch/keysvc/errc.hpp"

namespace pqbranch::keysvc {
namespace {

core::Error open_error(int err, const std::string& what) {
  // A link (ELOOP under O_NOFOLLOW) or a path through a non-directory is "not there" for a
  // client; the operator sees the errno in the edge's log line.
  if (err == ENOENT || err == ENOTDIR || err == ELOOP) {
    return core::make_error(errc::release_not_found,
                            fmt::format("{}: {}", what, std::strerror(err)));
  }
  return core::make_error(errc::release_file_error,
                          fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace

core::Result<ReleaseFile> open_release_file(const std::filesystem::path& directory,
                                            const wire::ReleaseTarget& target) {
  if (target.resource == wire::ReleaseResource::report) {
    return core::make_error(errc::release_not_found, "a report is not a file");
  }
  const xfrm::UniqueFd root(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return open_error(errno, directory.string());
  const xfrm::UniqueFd channel(::openat(root.get(), target.channel.c_str(),
                                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!channel.valid()) return open_error(errno, "channel " + target.channel);
  const bool manifest = target.resource == wire::ReleaseResource::manifest;
  const std::string name = manifest ? std::string(wire::kManifestName) : target.file;
  const std::string what = target.channel + "/" + name;
  // O_NONBLOCK: a FIFO planted under the name must not block the edge's one thread.
  xfrm::UniqueFd fd(
      ::openat(channel.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return open_error(errno, what);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return open_error(errno, what);
  if (!S_ISREG(st.st_mode)) {
    return core::make_error(errc::release_not_found, what + ": not a regular file");
  }
  const std::uint64_t bound = manifest ? wire::kMaxManifestBytes : wire::kMaxPackageBytes;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > bound) {
    return core::make_error(errc::release_too_large,
                            fmt::format("{}: {} bytes, over {}", what, size, bound));
  }
  return ReleaseFile{std::move(fd), size};
}

}  // namespace pqbranch::keysvc
