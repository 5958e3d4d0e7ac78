#include "fakes/test_paths.hpp"

namespace pqbranch::test {

std::filesystem::path source_dir() {
  return PQB_SOURCE_DIR;
}
std::filesystem::path binary_dir() {
  return PQB_BINARY_DIR;
}

}  // namespace pqbranch::test
