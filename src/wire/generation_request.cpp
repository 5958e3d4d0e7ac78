// POST /v1/generation request body:
// {"version":1, "agent_version":"0.1.0", "current_generation":0, "agent_spi":4096,
//  "nat":{"source_port":4500} | null, "capabilities":["esn","natt","route","policy"]}

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/wire/generation.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "json_fields.hpp"

namespace pqbranch::wire {
namespace {

using detail::ObjectReader;

constexpr std::array<std::pair<std::string_view, bool Capabilities::*>, 4> kCapabilityNames{{
    {"esn", &Capabilities::esn},
    {"natt", &Capabilities::natt},
    {"route", &Capabilities::route},
    {"policy", &Capabilities::policy},
}};

bool is_version_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '+' || c == '~' || c == '_' || c == '-';
}

core::Result<std::string> read_agent_version(ObjectReader& r) {
  auto text = r.text("agent_version", kMaxAgentVersionBytes);
  if (!text) return text.error();
  if (text->empty() || !std::all_of(text->begin(), text->end(), is_version_char)) {
    return core::make_error(errc::bad_value, "agent_version: want 1 or more of [A-Za-z0-9.+~_-]");
  }
  return std::string(*text);
}

core::Result<std::optional<NatRequest>> read_nat(ObjectReader& r) {
  auto v = r.nullable("nat");
  if (!v) return v.error();
  if (*v == nullptr) return std::optional<NatRequest>{};
  auto nat = ObjectReader::open(**v, r.path("nat"));
  if (!nat) return nat.error();
  auto port = nat->uint<std::uint16_t>("source_port", 1);
  if (!port) return port.error();
  if (auto done = nat->finish(); !done) return done.error();
  return std::optional<NatRequest>(NatRequest{*port});
}

// Unknown names are skipped so a newer agent can still talk to this edge; a name given
// twice is refused (it would be ambiguous in a set).
core::Result<Capabilities> read_capabilities(ObjectReader& r) {
  auto list = r.array("capabilities", kMaxCapabilities);
  if (!list) return list.error();
  Capabilities caps;
  std::vector<std::string_view> seen;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const std::string path = fmt::format("{}[{}]", r.path("capabilities"), i);
    auto name = detail::read_text((**list)[i], path, kMaxCapabilityBytes);
    if (!name) return name.error();
    if (std::find(seen.begin(), seen.end(), *name) != seen.end()) {
      return core::make_error(errc::duplicate_field, path + ": " + detail::quoted(*name));
    }
    seen.push_back(*name);
    for (const auto& [known, member] : kCapabilityNames) {
      if (*name == known) caps.*member = true;
    }
  }
  return caps;
}

}  // namespace

std::string encode(const GenerationRequest& request) {
  auto m = detail::new_message();
  m["agent_version"] = request.agent_version;
  m["current_generation"] = request.current_generation;
  m["agent_spi"] = request.agent_spi;
  if (request.nat) {
    m["nat"] = boost::json::object{{"source_port", request.nat->source_port}};
  } else {
    m["nat"] = nullptr;
  }
  boost::json::array caps;
  for (const auto& [name, member] : kCapabilityNames) {
    if (request.capabilities.*member) caps.emplace_back(name);
  }
  m["capabilities"] = std::move(caps);
  return detail::to_body(m);
}

core::Result<GenerationRequest> decode_generation_request(std::string_view body) {
  return detail::decode_message<GenerationRequest>(
      body, [](ObjectReader& r) -> core::Result<GenerationRequest> {
        GenerationRequest req;
        auto version = read_agent_version(r);
        if (!version) return version.error();
        req.agent_version = std::move(*version);
        auto current = r.uint<std::uint64_t>("current_generation", 0, kMaxJsonInteger);
        if (!current) return current.error();
        req.current_generation = *current;
        auto spi = r.uint<std::uint32_t>("agent_spi", kMinSpi);
        if (!spi) return spi.error();
        req.agent_spi = *spi;
        auto nat = read_nat(r);
        if (!nat) return nat.error();
        req.nat = *nat;
        auto caps = read_capabilities(r);
        if (!caps) return caps.error();
        req.capabilities = *caps;
        return req;
      });
}

}  // namespace pqbranch::wire
