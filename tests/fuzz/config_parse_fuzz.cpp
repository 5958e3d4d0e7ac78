// libFuzzer target for the two configuration parsers (TOML through toml++ into the typed
// settings, with every bound and cross-check, IKEv2 peers included): a configuration is
// operator input that a typo, a broken deployment tool or an attacker with write access to
// /etc may shape. The first input byte picks the agent's or the edge's parser, or the
// parser of one IKE proposal or identity as a peer's value, the rest is the text. Beyond
// "no crash, no throw, no sanitizer report": a refused file's error says what is wrong (it
// is the operator's only clue), and parsing the same text twice gives the same verdict; a
// proposal's canonical spelling parses to the same proposal, and an identity keeps its text
// and has the type its text says.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/core/ip_address.hpp"

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

void check(bool condition) {
  if (!condition) std::abort();
}

void proposal(std::string_view text) {
  using pqbranch::config::parse_ike_proposal;
  const auto p = parse_ike_proposal(text);
  if (!p) return;
  const std::string canonical = to_string(*p);
  const auto again = parse_ike_proposal(canonical);
  check(again.has_value() && *again == *p && to_string(*again) == canonical);
}

void identity(std::string_view text) {
  using pqbranch::config::IkeIdType;
  const auto id = pqbranch::config::parse_ike_identity(text);
  if (!id) return;
  check(id->text == text);
  const auto address = pqbranch::core::IpAddress::parse(text);
  if (address) {
    check(id->type == (address->is_v4() ? IkeIdType::ipv4_addr : IkeIdType::ipv6_addr));
  } else {
    check(id->type ==
          (text.find('@') != std::string_view::npos ? IkeIdType::rfc822_addr : IkeIdType::fqdn));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);  // NOLINT
  // Printable selectors ('a' agent, 'e' edge, 'p' proposal, 'i' identity) keep the seed
  // corpus readable.
  switch (data[0]) {
    case 'e':
      parse_twice(text, pqbranch::config::parse_edge_config);
      break;
    case 'p':
      proposal(text);
      break;
    case 'i':
      identity(text);
      break;
    default:
      parse_twice(text, pqbranch::config::parse_agent_config);
      break;
  }
  return 0;
}
