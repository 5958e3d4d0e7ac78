// libFuzzer target for the state files the programs read back at start (the agent's rotation
// state, an edge site's state, the agent's update state): a file on disk may be truncated,
// corrupted or written by someone else. The first input byte picks the decoder, the rest is
// the file. Beyond "no crash, no sanitizer report", whatever decodes must encode to a text
// that decodes to the same state, so a state the program saves is always one it loads.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pqbranch/rotation/persisted_state.hpp"
#include "pqbranch/update/update_state.hpp"

namespace {

template <class Decode>
void round_trip(std::string_view text, Decode decode) {
  const auto first = decode(text);
  if (!first) return;
  const auto second = decode(encode(*first));
  if (!second || !(*second == *first)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);  // NOLINT
  // Printable selectors ('0'..'2') keep the seed corpus readable.
  switch (data[0] % 4) {
    case 0:
      round_trip(text, pqbranch::rotation::decode_agent_state);
      break;
    case 1:
      round_trip(text, pqbranch::rotation::decode_edge_site_state);
      break;
    case 2:
      round_trip(text, pqbranch::update::decode_update_state);
      break;
    default:
      break;
  }
  return 0;
}
