// The IKEv2 peers in the agent's status: the "ikev2" array's documented keys and values, the
// lines `pqbranch-agent status` prints for them, and an agent that runs IKEv2 peers only.
#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "pqbranch/app/agent_status.hpp"

namespace pqbranch::app {
namespace {
using namespace std::chrono_literals;

// An IKEv2-only agent (no key service) with one established peer.
AgentStatusReport ikev2_only() {
  AgentStatusReport r;
  r.key_service = false;
  r.agent_version = "0.1.0";
  r.now = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 18h;
  Ikev2PeerReport p;
  p.name = "hq";
  p.local = "192.0.2.1";
  p.remote = "192.0.2.2";
  p.session.state = "established";
  p.session.proposal = "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024";
  p.session.post_quantum = true;
  p.session.esp_proposal = "aes256gcm16-ecp384-ke1_mlkem1024";
  p.session.inbound_spi = 0xc0de0002;
  p.session.outbound_spi = 0xcafe0003;
  p.session.established = 1;
  p.session.child_rekeys = 3;
  p.session.peer_child_rekeys = 4;
  p.session.ike_rekeys = 2;
  p.session.peer_ike_rekeys = 6;
  p.established = r.now - 120s;
  p.child_installed = r.now - 20s;
  p.next_child_rekey = r.now + 1000s;
  p.next_ike_replacement = r.now + 2880s;
  p.inbound = xfrm::SaCounters{.bytes = 500, .packets = 5};
  p.outbound = xfrm::SaCounters{.bytes = 700, .packets = 7};
  r.ikev2.push_back(p);
  return r;
}

TEST(Ikev2Status, JsonCarriesExactlyTheDocumentedKeysAndNoKeyServiceFields) {
  const auto doc = boost::json::parse(to_json(ikev2_only())).as_object();
  EXPECT_FALSE(doc.contains("rotation"));
  EXPECT_FALSE(doc.contains("tunnel"));
  EXPECT_FALSE(doc.contains("sas"));
  const auto& peers = doc.at("ikev2").as_array();
  ASSERT_EQ(peers.size(), 1U);
  const auto& p = peers.at(0).as_object();
  std::set<std::string> keys;
  for (const auto& kv : p)
    keys.emplace(kv.key());
  EXPECT_EQ(keys, (std::set<std::string>{"name",
                                         "local",
                                         "remote",
                                         "state",
                                         "proposal",
                                         "post_quantum",
                                         "udp_encapsulation",
                                         "esp_proposal",
                                         "inbound_spi",
                                         "outbound_spi",
                                         "inbound",
                                         "outbound",
                                         "ike_sas_established",
                                         "ike_rekeys",
                                         "peer_ike_rekeys",
                                         "child_rekeys",
                                         "peer_child_rekeys",
                                         "established_utc",
                                         "established_age_s",
                                         "child_installed_utc",
                                         "child_age_s",
                                         "next_child_rekey_utc",
                                         "next_child_rekey_s",
                                         "next_ike_replacement_utc",
                                         "next_ike_replacement_s",
                                         "last_error"}));
  EXPECT_EQ(p.at("established_utc").as_string(), "2026-12-04T17:58:00Z");
  EXPECT_EQ(p.at("established_age_s").to_number<int>(), 120);
  EXPECT_EQ(p.at("child_age_s").to_number<int>(), 20);
  EXPECT_EQ(p.at("next_child_rekey_s").to_number<int>(), 1000);
  EXPECT_EQ(p.at("next_ike_replacement_s").to_number<int>(), 2880);
  EXPECT_EQ(p.at("outbound_spi").to_number<std::uint32_t>(), 0xcafe0003U);
  EXPECT_EQ(p.at("inbound").at("packets").to_number<int>(), 5);
  EXPECT_EQ(p.at("child_rekeys").to_number<int>(), 3);
  EXPECT_EQ(p.at("peer_child_rekeys").to_number<int>(), 4);
  EXPECT_EQ(p.at("ike_rekeys").to_number<int>(), 2);
  EXPECT_EQ(p.at("peer_ike_rekeys").to_number<int>(), 6);
}

TEST(Ikev2Status, TextShowsThePeerAsSwanctlWould) {
  auto human = render_status_text(to_json(ikev2_only()));
  ASSERT_TRUE(human) << human.error().message();
  for (const auto* expected : {
           "ikev2 hq       established, 192.0.2.1 -> 192.0.2.2\n",
           "               IKE aes256gcm16-prfsha384-ecp384-ke1_mlkem1024 -- post-quantum "
           "(ML-KEM)\n",
           "               IKE SA made 2026-12-04T17:58:00Z (120 s ago; 1 so far, 2 rekey(s) and 6 "
           "by the peer), rekeyed in 2880 s\n",
           "               CHILD SA in 0xc0de0002 (5 packets, 500 bytes) out 0xcafe0003 (7 "
           "packets, "
           "700 bytes)\n",
           "               CHILD SA 20 s old, 3 rekey(s) with aes256gcm16-ecp384-ke1_mlkem1024 "
           "(and 4 by the peer), next in 1000 s\n",
           "               last error -\n",
       }) {
    EXPECT_NE(human->find(expected), std::string::npos) << expected << "\n---\n" << *human;
  }
  EXPECT_EQ(human->find("generation"), std::string::npos);  // no key-service lines
}

TEST(Ikev2Status, APeerNotYetEstablishedShowsItsStateAndError) {
  AgentStatusReport r = ikev2_only();
  Ikev2PeerReport& p = r.ikev2.at(0);
  p.session = {};
  p.session.state = "waiting to retry";
  p.session.last_error = "IKE_SA_INIT failed: no response after 5 tries";
  p.established = p.child_installed = p.next_child_rekey = p.next_ike_replacement = {};
  const auto doc = boost::json::parse(to_json(r)).as_object();
  EXPECT_TRUE(doc.at("ikev2").at(0).at("established_utc").is_null());
  EXPECT_TRUE(doc.at("ikev2").at(0).at("next_child_rekey_s").is_null());
  auto human = render_status_text(to_json(r));
  ASSERT_TRUE(human) << human.error().message();
  EXPECT_NE(human->find("waiting to retry"), std::string::npos) << *human;
  EXPECT_NE(human->find("last error IKE_SA_INIT failed: no response after 5 tries"),
            std::string::npos)
      << *human;
  EXPECT_EQ(human->find("CHILD SA"), std::string::npos) << *human;
}

TEST(Ikev2Status, BesideTheKeyServiceBothAreShownAndAnEmptyDocumentIsRefused) {
  EXPECT_FALSE(render_status_text(R"({"agent_version":"0.1.0","ikev2":[]})"));
  AgentStatusReport r = ikev2_only();
  r.key_service = true;
  r.mode = "policy";
  r.rotation.state = "idle";
  auto human = render_status_text(to_json(r));
  ASSERT_TRUE(human) << human.error().message();
  EXPECT_NE(human->find("state          idle"), std::string::npos) << *human;
  EXPECT_NE(human->find("ikev2 hq"), std::string::npos) << *human;
}

}  // namespace
}  // namespace pqbranch::app
