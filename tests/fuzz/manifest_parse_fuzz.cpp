// libFuzzer target for the release manifest parser. Beyond "no crash, no sanitizer report",
// whatever parses must be written back byte for byte: each manifest has one spelling, so
// the message and the file rebuilt from what was parsed equal the input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pqbranch/update/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pqbranch::update;
  const std::string_view file(reinterpret_cast<const char*>(data), size);  // NOLINT
  const auto parsed = parse_signed_manifest(file);
  if (!parsed) return 0;
  const auto message = manifest_message(parsed->unverified);
  if (!message || *message != parsed->message) std::abort();
  if (!file.starts_with(parsed->message)) std::abort();
  if (!parsed->ml_dsa_65.empty() && !parsed->ed25519.empty() &&
      manifest_file(*message, parsed->ml_dsa_65, parsed->ed25519) != file) {
    std::abort();
  }
  return 0;
}
