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

inline constexpr std::size_t kMaxConfigBytes = std::size_t{1024} * 1024;

core::Result<std::string> read_config_file(const std::filesystem::path& path);

}  // namespace pqbranch::config
