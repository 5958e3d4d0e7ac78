#pragma once
// The component tests' network: an edge at kEdgeOuter (LAN 10.9.0.0/16) keying two
// policy-mode sites, branch-1 (kBranch1Outer, 10.1.0.0/16) and branch-2 (kBranch2Outer,
// 10.2.0.0/16), as edge-stub.toml and branch-1's agent.toml would describe them.

#include <cstdint>
#include <filesystem>

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/ip_address.hpp"

#include "fakes/ip_text.hpp"

namespace pqbranch::test {

inline const core::IpAddress kEdgeOuter = ip("198.51.100.1");
inline const core::IpAddress kBranch1Outer = ip("192.0.2.1");
inline const core::IpAddress kBranch2Outer = ip("192.0.2.2");
inline constexpr std::uint32_t kBranch1Reqid = 0x70710001;
inline constexpr std::uint32_t kBranch2Reqid = 0x70710002;

// The edge's worker threads in the tests that build an edge: PQB_EDGE_THREADS (CTest runs
// the edge suites with 1 and with 2), 1 when unset. A value outside 1..kMaxEdgeThreads is a
// mistake in the test's set-up: it throws std::invalid_argument.
std::uint32_t edge_threads_under_test();

// Its `threads` is edge_threads_under_test().
config::EdgeConfig two_site_edge_config(const std::filesystem::path& state_directory,
                                        config::NatMode nat);

// branch-1's agent towards that edge: policy mode, no NAT traversal, no IKEv2 peers. The
// endpoints and TLS files are the test's to fill.
config::AgentConfig branch1_agent_config(const std::filesystem::path& state_directory);

}  // namespace pqbranch::test
