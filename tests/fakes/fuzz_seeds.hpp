#pragma once
// The seed corpora of the fuzz targets (tests/fuzz/corpus/<name>): a unit test per corpus
// makes the seeds, writes them when PQB_WRITE_FUZZ_SEEDS=1, and checks the committed files.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pqbranch::test {

using FuzzSeeds = std::map<std::string, std::vector<std::uint8_t>>;

// tests/fuzz/corpus/<corpus> in the source tree.
std::filesystem::path fuzz_corpus_dir(const std::string& corpus);

// Writes `seeds` into the corpus folder when PQB_WRITE_FUZZ_SEEDS=1, then returns the files
// the folder holds (name → bytes).
FuzzSeeds sync_fuzz_seeds(const std::string& corpus, const FuzzSeeds& seeds);

}  // namespace pqbranch::test
