#pragma once
// Where tests find the source tree (sample configs, scripts) and the build tree (binaries).

#include <filesystem>

namespace pqbranch::test {

std::filesystem::path source_dir();
std::filesystem::path binary_dir();

}  // namespace pqbranch::test
