#include "fakes/fuzz_seeds.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "fakes/test_paths.hpp"

namespace pqbranch::test {

std::filesystem::path fuzz_corpus_dir(const std::string& corpus) {
  return source_dir() / "tests" / "fuzz" / "corpus" / corpus;
}

FuzzSeeds sync_fuzz_seeds(const std::string& corpus, const FuzzSeeds& seeds) {
  const auto dir = fuzz_corpus_dir(corpus);
  if (const char* w = std::getenv("PQB_WRITE_FUZZ_SEEDS"); w != nullptr && std::string(w) == "1") {
    std::filesystem::create_directories(dir);
    for (const auto& [name, bytes] : seeds) {
      std::ofstream(dir / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()),
                 static_cast<std::streamsize>(bytes.size()));
    }
  }
  FuzzSeeds files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().filename().string()] = std::vector<std::uint8_t>(
        (std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return files;
}

}  // namespace pqbranch::test
