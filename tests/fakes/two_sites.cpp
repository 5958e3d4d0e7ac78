#include "fakes/two_sites.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pqbranch::test {

std::uint32_t edge_threads_under_test() {
  const char* text = std::getenv("PQB_EDGE_THREADS");  // NOLINT(concurrency-mt-unsafe): set-up
  if (text == nullptr) return 1;
  const std::string_view v(text);
  std::uint32_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n < 1 || n > config::kMaxEdgeThreads) {
    throw std::invalid_argument("PQB_EDGE_THREADS: not a thread count: " + std::string(v));
  }
  return n;
}

config::EdgeConfig two_site_edge_config(const std::filesystem::path& state_directory,
                                        config::NatMode nat) {
  config::EdgeConfig c;
  c.threads = edge_threads_under_test();
  c.state_directory = state_directory;
  c.tunnel.local_address = kEdgeOuter;
  c.tunnel.local_prefixes = {net("10.9.0.0/16")};
  c.nat_traversal.mode = nat;
  config::SiteSettings b1;
  b1.id = "branch-1";
  b1.remote_address = kBranch1Outer;
  b1.prefixes = {net("10.1.0.0/16")};
  b1.reqid = kBranch1Reqid;
  config::SiteSettings b2 = b1;
  b2.id = "branch-2";
  b2.remote_address = kBranch2Outer;
  b2.prefixes = {net("10.2.0.0/16")};
  b2.reqid = kBranch2Reqid;
  c.sites = {b1, b2};
  return c;
}

config::AgentConfig branch1_agent_config(const std::filesystem::path& state_directory) {
  config::AgentConfig c;
  c.state_directory = state_directory;
  c.status_socket = state_directory / "agent.sock";
  c.tunnel.mode = config::TunnelMode::policy;
  c.tunnel.local_address = kBranch1Outer;
  c.tunnel.remote_address = kEdgeOuter;
  c.tunnel.local_prefixes = {net("10.1.0.0/16")};
  c.tunnel.remote_prefixes = {net("10.9.0.0/16")};
  c.tunnel.reqid = kBranch1Reqid;
  c.nat_traversal.mode = config::NatMode::off;
  return c;
}

}  // namespace pqbranch::test
