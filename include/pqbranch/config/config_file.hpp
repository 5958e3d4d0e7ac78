#pragma once
// Reads a config file's text, bounded in size. Errors name the path:
// errc::file_not_found, errc::file_unreadable (permissions, a directory, a FIFO, I/O errors),
// errc::file_too_large.

#include <cstddef>
#include <filesystem>
#include <string>

#include "pqbranch/config/errc.hpp"
#include "pqbranch/core/error.hpp"

namespace pqbranch::config {

// An edge's config holds one [[site]] table per branch (about 120 bytes each): 16 MiB leaves
// room for over 100,000 sites and still bounds what a typo'd path (a log, a disk image) costs.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{16} * 1024 * 1024;

core::Result<std::string> read_config_file(const std::filesystem::path& path);

}  // namespace pqbranch::config
