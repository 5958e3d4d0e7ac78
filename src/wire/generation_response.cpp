// POST /v1/generation response body:
// {"version":1, "generation":7, "edge_generation":6, "agent_spi":3237998081, "edge_spi":8192,
//  "lifetime":{"soft_seconds":3000,"hard_seconds":3600,"soft_bytes":0,"hard_bytes":0},
//  "tunnel":{"mode":"route"|"policy", "agent_outer":"192.0.2.10", "edge_outer":"198.51.100.1",
//            "if_id":7 | null, "selectors":[{"agent":"10.1.0.0/16","edge":"10.9.0.0/16"}],
//            "encap":{"agent_port":4500,"edge_port":4500} | null},
//  "replay_window":1024, "icv_bytes":16, "esn":true}
// No field can hold key material: every value is an integer, a boolean, an enum literal or
// an address (tests/unit/wire/no_key_material_test.cpp checks this structurally).

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

constexpr std::array<std::pair<std::string_view, TunnelMode>, 2> kModeNames{{
    {"route", TunnelMode::route},
    {"policy", TunnelMode::policy},
}};

core::Result<Lifetime> read_lifetime(ObjectReader& parent) {
  auto v = parent.field("lifetime");
  if (!v) return v.error();
  auto r = ObjectReader::open(**v, parent.path("lifetime"));
  if (!r) return r.error();
  Lifetime lt;
  for (auto [key, member] : std::array<std::pair<std::string_view, std::uint64_t Lifetime::*>, 4>{{
           {"soft_seconds", &Lifetime::soft_seconds},
           {"hard_seconds", &Lifetime::hard_seconds},
           {"soft_bytes", &Lifetime::soft_bytes},
           {"hard_bytes", &Lifetime::hard_bytes},
       }}) {
    auto n = r->uint<std::uint64_t>(key, 0, kMaxJsonInteger);
    if (!n) return n.error();
    lt.*member = *n;
  }
  if (auto done = r->finish(); !done) return done.error();
  // A soft limit at or after the hard one would never warn before the SA dies.
  if (lt.soft_seconds == 0 || lt.soft_seconds >= lt.hard_seconds) {
    return core::make_error(errc::inconsistent_fields,
                            r->path("soft_seconds") + ": want 1 <= soft_seconds < hard_seconds");
  }
  const bool no_byte_limit = lt.soft_bytes == 0 && lt.hard_bytes == 0;
  if (!no_byte_limit && (lt.soft_bytes == 0 || lt.soft_bytes >= lt.hard_bytes)) {
    return core::make_error(
        errc::inconsistent_fields,
        r->path("soft_bytes") + ": want both 0 or 1 <= soft_bytes < hard_bytes");
  }
  return lt;
}

core::Result<std::vector<Selector>> read_selectors(ObjectReader& tunnel) {
  auto list = tunnel.array("selectors", kMaxSelectors);
  if (!list) return list.error();
  if ((*list)->empty()) {
    return core::make_error(errc::bad_value, tunnel.path("selectors") + ": empty");
  }
  std::vector<Selector> selectors;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    auto r = ObjectReader::open((**list)[i], fmt::format("{}[{}]", tunnel.path("selectors"), i));
    if (!r) return r.error();
    auto agent = r->prefix("agent");
    if (!agent) return agent.error();
    auto edge = r->prefix("edge");
    if (!edge) return edge.error();
    if (auto done = r->finish(); !done) return done.error();
    if (agent->family() != edge->family()) {
      return core::make_error(errc::inconsistent_fields, r->path("edge") + ": family differs");
    }
    Selector s{*agent, *edge};
    if (std::find(selectors.begin(), selectors.end(), s) != selectors.end()) {
      return core::make_error(errc::inconsistent_fields, r->path("agent") + ": duplicate selector");
    }
    selectors.push_back(s);
  }
  return selectors;
}

core::Result<std::optional<Encap>> read_encap(ObjectReader& tunnel) {
  auto v = tunnel.nullable("encap");
  if (!v) return v.error();
  if (*v == nullptr) return std::optional<Encap>{};
  auto r = ObjectReader::open(**v, tunnel.path("encap"));
  if (!r) return r.error();
  auto agent_port = r->uint<std::uint16_t>("agent_port", 1);
  if (!agent_port) return agent_port.error();
  auto edge_port = r->uint<std::uint16_t>("edge_port", 1);
  if (!edge_port) return edge_port.error();
  if (auto done = r->finish(); !done) return done.error();
  return std::optional<Encap>(Encap{*agent_port, *edge_port});
}

core::Result<std::optional<std::uint32_t>> read_if_id(ObjectReader& tunnel, TunnelMode mode) {
  auto v = tunnel.nullable("if_id");
  if (!v) return v.error();
  // Route mode steers by xfrm interface (if_id 0 means "none" to the kernel); policy mode
  // has none.
  if (*v == nullptr) {
    if (mode == TunnelMode::route) {
      return core::make_error(errc::inconsistent_fields, tunnel.path("if_id") + ": route mode");
    }
    return std::optional<std::uint32_t>{};
  }
  if (mode == TunnelMode::policy) {
    return core::make_error(errc::inconsistent_fields, tunnel.path("if_id") + ": policy mode");
  }
  auto n = detail::read_uint(**v, tunnel.path("if_id"), 1, UINT32_MAX);
  if (!n) return n.error();
  return std::optional<std::uint32_t>(static_cast<std::uint32_t>(*n));
}

core::Result<Tunnel> read_tunnel(ObjectReader& parent) {
  auto v = parent.field("tunnel");
  if (!v) return v.error();
  auto r = ObjectReader::open(**v, parent.path("tunnel"));
  if (!r) return r.error();
  Tunnel t;
  auto mode_value = r->field("mode");
  if (!mode_value) return mode_value.error();
  auto mode = detail::read_enum(**mode_value, r->path("mode"), kModeNames);
  if (!mode) return mode.error();
  t.mode = *mode;
  auto agent_outer = r->address("agent_outer");
  if (!agent_outer) return agent_outer.error();
  t.agent_outer = *agent_outer;
  auto edge_outer = r->address("edge_outer");
  if (!edge_outer) return edge_outer.error();
  t.edge_outer = *edge_outer;
  if (t.agent_outer.family() != t.edge_outer.family()) {
    return core::make_error(errc::inconsistent_fields, r->path("edge_outer") + ": family differs");
  }
  auto if_id = read_if_id(*r, t.mode);
  if (!if_id) return if_id.error();
  t.if_id = *if_id;
  auto selectors = read_selectors(*r);
  if (!selectors) return selectors.error();
  t.selectors = std::move(*selectors);
  auto encap = read_encap(*r);
  if (!encap) return encap.error();
  t.encap = *encap;
  if (auto done = r->finish(); !done) return done.error();
  return t;
}

boost::json::object encode_tunnel(const Tunnel& t) {
  boost::json::array selectors;
  for (const auto& s : t.selectors) {
    selectors.emplace_back(
        boost::json::object{{"agent", s.agent.to_string()}, {"edge", s.edge.to_string()}});
  }
  boost::json::object o;
  o["mode"] = to_string(t.mode);
  o["agent_outer"] = t.agent_outer.to_string();
  o["edge_outer"] = t.edge_outer.to_string();
  if (t.if_id) {
    o["if_id"] = *t.if_id;
  } else {
    o["if_id"] = nullptr;
  }
  o["selectors"] = std::move(selectors);
  if (t.encap) {
    o["encap"] =
        boost::json::object{{"agent_port", t.encap->agent_port}, {"edge_port", t.encap->edge_port}};
  } else {
    o["encap"] = nullptr;
  }
  return o;
}

}  // namespace

std::string_view to_string(TunnelMode mode) noexcept {
  for (const auto& [name, m] : kModeNames) {
    if (m == mode) return name;
  }
  return "unknown";
}

std::string encode(const GenerationResponse& response) {
  auto m = detail::new_message();
  m["generation"] = response.generation;
  m["edge_generation"] = response.edge_generation;
  m["agent_spi"] = response.agent_spi;
  m["edge_spi"] = response.edge_spi;
  m["lifetime"] = boost::json::object{{"soft_seconds", response.lifetime.soft_seconds},
                                      {"hard_seconds", response.lifetime.hard_seconds},
                                      {"soft_bytes", response.lifetime.soft_bytes},
                                      {"hard_bytes", response.lifetime.hard_bytes}};
  m["tunnel"] = encode_tunnel(response.tunnel);
  m["replay_window"] = response.replay_window;
  m["icv_bytes"] = kIcvBytes;
  m["esn"] = true;
  return detail::to_body(m);
}

core::Result<GenerationResponse> decode_generation_response(std::string_view body) {
  return detail::decode_message<GenerationResponse>(
      body, [](ObjectReader& r) -> core::Result<GenerationResponse> {
        GenerationResponse res;
        auto generation = r.uint<std::uint64_t>("generation", 1, kMaxJsonInteger);
        if (!generation) return generation.error();
        res.generation = *generation;
        // The edge's outbound generation is always an older one than it offers.
        auto edge_generation = r.uint<std::uint64_t>("edge_generation", 0, res.generation - 1);
        if (!edge_generation) return edge_generation.error();
        res.edge_generation = *edge_generation;
        auto agent_spi = r.uint<std::uint32_t>("agent_spi", kMinSpi);
        if (!agent_spi) return agent_spi.error();
        res.agent_spi = *agent_spi;
        auto spi = r.uint<std::uint32_t>("edge_spi", kMinSpi);
        if (!spi) return spi.error();
        res.edge_spi = *spi;
        auto lifetime = read_lifetime(r);
        if (!lifetime) return lifetime.error();
        res.lifetime = *lifetime;
        auto tunnel = read_tunnel(r);
        if (!tunnel) return tunnel.error();
        res.tunnel = std::move(*tunnel);
        auto window = r.uint<std::uint32_t>("replay_window", kMinReplayWindow, kMaxReplayWindow);
        if (!window) return window.error();
        res.replay_window = *window;
        if (auto icv = r.expect_uint("icv_bytes", kIcvBytes); !icv) return icv.error();
        if (auto esn = r.expect_bool("esn", true); !esn) return esn.error();
        return res;
      });
}

}  // namespace pqbranch::wire
