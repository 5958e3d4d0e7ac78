#pragma once
// The edge's release files on disk (docs/key-service.md §9): <directory>/<channel>/manifest
// and <directory>/<channel>/<package>.deb. Only names wire::parse_release_target accepted
// reach here; each step is opened relative to the one before (openat) with O_NOFOLLOW, so a
// symbolic link planted in a channel directory is never followed, and only regular files
// within their size bound are served.

#include <cstdint>
#include <filesystem>

#include "pqbranch/core/error.hpp"
#include "pqbranch/wire/release_path.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::keysvc {

struct ReleaseFile {
  xfrm::UniqueFd fd;  // read-only, at offset 0
  std::uint64_t size = 0;
};

// The manifest or package `target` names (a report target is release_not_found).
// errc::release_not_found: missing, a link, not a regular file; release_too_large: over
// wire::kMaxManifestBytes or kMaxPackageBytes; release_file_error: anything else (errno in
// the detail).
[[nodiscard]] core::Result<ReleaseFile> open_release_file(const std::filesystem::path& directory,
                                                          const wire::ReleaseTarget& target);

}  // namespace pqbranch::keysvc
