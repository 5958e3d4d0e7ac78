#pragma once
// Small state files written so that a crash at any moment leaves either the old or the new
// contents, never a mix: a temporary file beside the target, fsync, rename over the target,
// fsync of the directory (the rename itself must survive a power cut). Errors carry the
// errno (system category) and name the file.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "pqbranch/core/error.hpp"

namespace pqbranch::core {

// Writes `contents` to `path` atomically with permission bits `mode` (the umask does not
// widen or narrow them). The directory must exist.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view contents,
                                   mode_t mode = 0600);

// The whole file, or nullopt when it does not exist; larger than `max_bytes` is an error
// (EFBIG), so a corrupted or hostile file cannot exhaust memory.
Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path,
                                                   std::size_t max_bytes);

}  // namespace pqbranch::core
