// libFuzzer target for the two configuration parsers (TOML through toml++ into the typed
// settings, with every bound and cross-check): a configuration is operator input that a
// typo, a broken deployment tool or an attacker with write access to /etc may shape. The
// first input byte picks the agent's or the edge's parser, the rest is the file. Beyond "no
// crash, no throw, no sanitizer report": a refused file's error says what is wrong (it is
// the operator's only clue), and parsing the same text twice gives the same verdict.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/config/edge_config.hpp"

namespace {

template <class Parse>
void parse_twice(std::string_view text, Parse parse) {
  const auto first = parse(text, std::string("fuzz.toml"));
  const auto second = parse(text, std::string("fuzz.toml"));
  if (first.has_value() != second.has_value()) std::abort();
  if (!first &&
      (first.error().message().empty() || first.error().message() != second.error().message())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);  // NOLINT
  // Printable selectors ('a' agent, 'e' edge) keep the seed corpus readable.
  if (data[0] == 'e') {
    parse_twice(text, pqbranch::config::parse_edge_config);
  } else {
    parse_twice(text, pqbranch::config::parse_agent_config);
  }
  return 0;
}
