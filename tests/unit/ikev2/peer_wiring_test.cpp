#include "pqbranch/ikev2/peer_wiring.hpp"

#include <gtest/gtest.h>

namespace pqbranch::ikev2 {
namespace {

config::AgentConfig one_peer(const char* extra) {
  const std::string text = std::string(R"([[ikev2.peer]]
name = "hq"
local_address = "192.0.2.10"
remote_address = "192.0.2.1"
local_id = "branch.example"
remote_id = "hq.example"
auth = "psk"
psk_file = "/nonexistent"
local_ts = ["10.1.0.0/16"]
remote_ts = ["10.9.0.0/16", "10.8.0.0/16"]
reqid = 0x7071_0101
rekey_time = "10m"
lifetime = "20m"
retransmit_timeout = "500ms"
retransmit_tries = 3
)") + extra;
  auto c = config::parse_agent_config(text, "agent.toml");
  EXPECT_TRUE(c.has_value()) << c.error().message();
  return std::move(*c);
}

TEST(PeerWiring, PolicyModePeer) {
  const auto c = one_peer("");
  const auto& peer = c.ikev2_peers.at(0);
  const auto o = session_options(peer, InitiatorSettings{});
  EXPECT_EQ(o.name, "hq");
  EXPECT_EQ(o.local_port, 500);
  EXPECT_EQ(o.local_natt_port, 4500);
  EXPECT_EQ(o.reqid, 0x7071'0101U);
  EXPECT_EQ(o.if_id, 0U);
  EXPECT_EQ(o.rekey_time, std::chrono::minutes{10});
  EXPECT_EQ(o.lifetime, std::chrono::minutes{20});
  EXPECT_EQ(o.retransmit.timeout, std::chrono::milliseconds{500});
  EXPECT_EQ(o.retransmit.tries, 3U);
  const auto l = tunnel_layout(peer);
  EXPECT_FALSE(l.route_mode);
  EXPECT_EQ(l.local_prefixes, peer.local_ts);
  EXPECT_EQ(l.remote_prefixes, peer.remote_ts);
  EXPECT_EQ(l.reqid, 0x7071'0101U);
  // One out/in/fwd triple per selector pair, all with the peer's reqid.
  const auto policies = tunnel::tunnel_policies(l);
  EXPECT_EQ(policies.size(), 6U);
  for (const auto& p : policies)
    EXPECT_EQ(p.templates.at(0).reqid, 0x7071'0101U);
  const auto own = peer_ownership(c, peer);
  EXPECT_FALSE(own.if_id.has_value());
  EXPECT_EQ(own.reqid_min, c.ownership.reqid_min);
}

TEST(PeerWiring, RouteModePeerCarriesItsIfId) {
  const auto c = one_peer("mode = \"route\"\ninterface = \"ike0\"\nif_id = 9\n");
  const auto& peer = c.ikev2_peers.at(0);
  EXPECT_EQ(session_options(peer, InitiatorSettings{}).if_id, 9U);
  const auto l = tunnel_layout(peer);
  EXPECT_TRUE(l.route_mode);
  EXPECT_EQ(l.interface, "ike0");
  EXPECT_EQ(l.if_id, 9U);
  EXPECT_EQ(peer_ownership(c, peer).if_id, 9U);
}

}  // namespace
}  // namespace pqbranch::ikev2
