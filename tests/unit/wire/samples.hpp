#pragma once
// Valid messages for the wire tests: typed values and the hand-written JSON a peer might
// send, so the tests read the schema as it appears on the wire.

#include <string>

#include "pqbranch/wire/generation.hpp"

namespace pqbranch::wire::testing {

inline core::IpPrefix prefix(const char* text) {
  return core::IpPrefix::parse(text).value();
}
inline core::IpAddress address(const char* text) {
  return core::IpAddress::parse(text).value();
}

inline GenerationRequest sample_request() {
  GenerationRequest r;
  r.agent_version = "0.1.0";
  r.current_generation = 41;
  r.agent_spi = 0xc0ffee01;
  r.nat = NatRequest{4500};
  r.capabilities = {.esn = true, .natt = true, .route = true, .policy = false};
  return r;
}

// Policy mode, IPv4, NAT-T.
inline GenerationResponse sample_policy_response() {
  GenerationResponse r;
  r.generation = 42;
  r.edge_generation = 41;
  r.agent_spi = 0xc0ffee01;
  r.edge_spi = 0x1000;
  r.lifetime = {.soft_seconds = 3000, .hard_seconds = 3600, .soft_bytes = 0, .hard_bytes = 0};
  r.tunnel.mode = TunnelMode::policy;
  r.tunnel.agent_outer = address("192.0.2.10");
  r.tunnel.edge_outer = address("198.51.100.1");
  r.tunnel.if_id = std::nullopt;
  r.tunnel.selectors = {{prefix("10.1.0.0/16"), prefix("10.9.0.0/16")},
                        {prefix("10.2.0.0/24"), prefix("0.0.0.0/0")}};
  r.tunnel.encap = Encap{40001, 4500};
  r.replay_window = 1024;
  return r;
}

// Route mode, IPv6 outer, mixed inner families, byte limits.
inline GenerationResponse sample_route_response() {
  GenerationResponse r;
  r.generation = 1;
  r.edge_generation = 0;
  r.agent_spi = 0x100;
  r.edge_spi = 0xffffffff;
  r.lifetime = {.soft_seconds = 1, .hard_seconds = 2, .soft_bytes = 1, .hard_bytes = 1ULL << 40};
  r.tunnel.mode = TunnelMode::route;
  r.tunnel.agent_outer = address("2001:db8::10");
  r.tunnel.edge_outer = address("2001:db8:ffff::1");
  r.tunnel.if_id = 7;
  r.tunnel.selectors = {{prefix("10.1.0.0/16"), prefix("10.9.0.0/16")},
                        {prefix("2001:db8:1::/48"), prefix("2001:db8:9::/48")}};
  r.tunnel.encap = std::nullopt;
  r.replay_window = 4096;
  return r;
}

// A valid response as a peer would write it, for the malformed-input table to mutate.
inline const std::string kResponseJson = R"({"version":1,"generation":42,"edge_generation":41,
  "agent_spi":3237998081,"edge_spi":4096,
  "lifetime":{"soft_seconds":3000,"hard_seconds":3600,"soft_bytes":0,"hard_bytes":0},
  "tunnel":{"mode":"policy","agent_outer":"192.0.2.10","edge_outer":"198.51.100.1",
            "if_id":null,"selectors":[{"agent":"10.1.0.0/16","edge":"10.9.0.0/16"}],
            "encap":{"agent_port":40001,"edge_port":4500}},
  "replay_window":1024,"icv_bytes":16,"esn":true})";

inline const std::string kRequestJson = R"({"version":1,"agent_version":"0.1.0",
  "current_generation":0,"agent_spi":256,"nat":{"source_port":4500},
  "capabilities":["esn","natt","route","policy"]})";

}  // namespace pqbranch::wire::testing
