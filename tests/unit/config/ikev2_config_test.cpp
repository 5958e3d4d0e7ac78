#include "pqbranch/config/ikev2_config.hpp"

#include <string>

#include <gtest/gtest.h>

#include "pqbranch/config/agent_config.hpp"

namespace pqbranch::config {
namespace {

// An IKEv2-only agent.toml: no [edge], so no key-service tunnel. Line 1 is [[ikev2.peer]].
constexpr const char* kPeer = R"([[ikev2.peer]]
name = "hq"
local_address = "192.0.2.10"
remote_address = "192.0.2.1"
local_id = "branch.example"
remote_id = "hq.example"
auth = "psk"
psk_file = "/etc/pqbranch/hq.psk"
local_ts = ["10.1.0.0/16"]
remote_ts = ["10.9.0.0/16"]
reqid = 0x7071_0101
)";

std::string with_peer(const std::string& extra) {
  return std::string(kPeer) + extra;
}
std::string replaced(const std::string& from, const std::string& to) {
  std::string text = kPeer;
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// The error's text for an agent.toml that must be refused.
std::string refusal(const std::string& text) {
  const auto c = parse_agent_config(text, "agent.toml");
  EXPECT_FALSE(c.has_value());
  return c ? std::string() : c.error().detail;
}

TEST(IkeProposal, ParsesTheDefaultsAndMlKemAlone) {
  const auto hybrid = parse_ike_proposal("aes256gcm16-prfsha384-ecp384-ke1_mlkem1024");
  ASSERT_TRUE(hybrid.has_value()) << hybrid.error().message();
  EXPECT_EQ(hybrid->prf, IkePrf::hmac_sha384);
  EXPECT_EQ(hybrid->ke, KeMethod::ecp384);
  EXPECT_EQ(hybrid->ke1, KeMethod::mlkem1024);
  EXPECT_TRUE(hybrid->post_quantum());
  const auto alone = parse_ike_proposal("aes256gcm16-prfsha256-mlkem768");
  ASSERT_TRUE(alone.has_value());
  EXPECT_EQ(alone->ke, KeMethod::mlkem768);
  EXPECT_FALSE(alone->ke1.has_value());
  EXPECT_TRUE(alone->post_quantum());
  const auto classical = parse_ike_proposal("aes256gcm16-prfsha512-x25519");
  ASSERT_TRUE(classical.has_value());
  EXPECT_FALSE(classical->post_quantum());
  EXPECT_EQ(static_cast<int>(KeMethod::mlkem768), 36);  // draft-ietf-ipsecme-ikev2-mlkem
}

TEST(IkeProposal, CanonicalSpellingRoundTrips) {
  for (const auto* text :
       {"aes256gcm16-prfsha384-ecp384-ke1_mlkem1024", "aes256gcm16-prfsha384-x25519-ke1_mlkem768",
        "aes256gcm16-prfsha256-ecp256-ke1_mlkem768", "aes256gcm16-prfsha512-mlkem1024"}) {
    const auto p = parse_ike_proposal(text);
    ASSERT_TRUE(p.has_value()) << text;
    EXPECT_EQ(to_string(*p), text);
  }
}

TEST(IkeProposal, RefusesMalformedProposals) {
  for (const auto* text : {
           "",
           "aes256gcm16",
           "aes256gcm16-prfsha384",
           "aes128gcm16-prfsha384-ecp384",               // only AES-256-GCM-16
           "aes256gcm16-sha384-ecp384",                  // not a PRF
           "aes256gcm16-prfsha384-modp2048",             // not offered
           "aes256gcm16-prfsha384-ecp384-ke2_mlkem768",  // only ADDKE1
           "aes256gcm16-prfsha384-ecp384-ke1_ecp256",    // ADDKE1 must be ML-KEM
           "aes256gcm16-prfsha384-mlkem768-ke1_mlkem1024",
           "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024-x",
           "AES256GCM16-PRFSHA384-ECP384",
           "aes256gcm16--ecp384",
       }) {
    const auto p = parse_ike_proposal(text);
    EXPECT_FALSE(p.has_value()) << text;
    if (!p) {
      EXPECT_EQ(p.error().code, errc::bad_choice) << text;
    }
  }
}

TEST(EspProposal, ParsesWithAndWithoutKeyExchangesAndRoundTrips) {
  const auto pfs = parse_esp_proposal("aes256gcm16-ecp384-ke1_mlkem1024");
  ASSERT_TRUE(pfs.has_value()) << pfs.error().message();
  EXPECT_EQ(pfs->ke, KeMethod::ecp384);
  EXPECT_EQ(pfs->ke1, KeMethod::mlkem1024);
  EXPECT_TRUE(pfs->post_quantum());
  const auto none = parse_esp_proposal("aes256gcm16");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->ke, KeMethod::none);
  EXPECT_FALSE(none->ke1.has_value());
  for (const auto* text : {"aes256gcm16", "aes256gcm16-x25519", "aes256gcm16-mlkem768",
                           "aes256gcm16-ecp256-ke1_mlkem768", "aes256gcm16-ecp384-ke1_mlkem1024"}) {
    const auto p = parse_esp_proposal(text);
    ASSERT_TRUE(p.has_value()) << text;
    EXPECT_EQ(to_string(*p), text);
  }
}

TEST(EspProposal, RefusesMalformedProposals) {
  for (const auto* text :
       {"", "aes128gcm16", "aes256gcm16-", "aes256gcm16-modp2048", "aes256gcm16-prfsha384-ecp384",
        "aes256gcm16-ecp384-ke1_ecp256", "aes256gcm16-mlkem768-ke1_mlkem1024",
        "aes256gcm16-ecp384-ke2_mlkem768", "aes256gcm16-ecp384-ke1_mlkem1024-esn"}) {
    const auto p = parse_esp_proposal(text);
    EXPECT_FALSE(p.has_value()) << text;
    if (!p) {
      EXPECT_EQ(p.error().code, errc::bad_choice) << text;
    }
  }
}

TEST(IkeIdentity, TypeFollowsTheText) {
  EXPECT_EQ(parse_ike_identity("192.0.2.1")->type, IkeIdType::ipv4_addr);
  EXPECT_EQ(parse_ike_identity("2001:db8::1")->type, IkeIdType::ipv6_addr);
  EXPECT_EQ(parse_ike_identity("ops@example.net")->type, IkeIdType::rfc822_addr);
  EXPECT_EQ(parse_ike_identity("hq.example")->type, IkeIdType::fqdn);
  EXPECT_FALSE(parse_ike_identity("").has_value());
  EXPECT_FALSE(parse_ike_identity("two words").has_value());
  EXPECT_FALSE(parse_ike_identity(std::string(256, 'a')).has_value());
}

TEST(Ikev2PeerConfig, MinimalPeerGetsTheDocumentedDefaults) {
  const auto c = parse_agent_config(kPeer, "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_FALSE(c->key_service);
  ASSERT_EQ(c->ikev2_peers.size(), 1U);
  const auto& p = c->ikev2_peers[0];
  EXPECT_EQ(p.name, "hq");
  EXPECT_EQ(p.local_port, 500);
  EXPECT_EQ(p.local_natt_port, 4500);
  EXPECT_EQ(p.local_id.type, IkeIdType::fqdn);
  EXPECT_EQ(p.auth, IkeAuth::psk);
  EXPECT_EQ(p.psk_file, "/etc/pqbranch/hq.psk");
  ASSERT_EQ(p.proposals.size(), 2U);
  EXPECT_EQ(to_string(p.proposals[0]), "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024");
  EXPECT_EQ(to_string(p.proposals[1]), "aes256gcm16-prfsha384-x25519-ke1_mlkem768");
  EXPECT_FALSE(p.allow_classical);
  EXPECT_EQ(p.mode, TunnelMode::policy);
  EXPECT_EQ(p.nat_traversal, NatMode::automatic);
  EXPECT_EQ(p.reqid, 0x7071'0101U);
  EXPECT_EQ(p.rekey_time, std::chrono::minutes{50});
  EXPECT_EQ(p.lifetime, std::chrono::hours{1});
  EXPECT_EQ(p.retransmit_timeout, std::chrono::seconds{2});
  EXPECT_EQ(p.retransmit_tries, 5U);
  EXPECT_EQ(p.fragment_size, 1280U);
  EXPECT_EQ(p.dpd_delay, std::chrono::seconds{30});
  EXPECT_EQ(p.nat_keepalive, std::chrono::seconds{20});
  EXPECT_EQ(p.child_rekey_time, std::chrono::minutes{20});
  EXPECT_EQ(to_string(p.esp_proposal), "aes256gcm16-ecp384-ke1_mlkem1024");
}

TEST(Ikev2PeerConfig, ReadsEverySetting) {
  const auto c = parse_agent_config(replaced(R"(auth = "psk"
psk_file = "/etc/pqbranch/hq.psk")",
                                             R"(auth = "ecdsa"
certificate = "branch.pem"
private_key = "branch.key"
ca = "ca.pem"
proposals = ["aes256gcm16-prfsha384-mlkem768", "aes256gcm16-prfsha256-x25519"]
allow_classical = true
mode = "route"
interface = "ike0"
if_id = 7
local_port = 1500
local_natt_port = 14500
nat_traversal = "force"
rekey_time = "10m"
lifetime = "15m"
retransmit_timeout = "500ms"
retransmit_tries = 3
fragment_size = 576
dpd_delay = "0s"
nat_keepalive = "0s"
child_rekey_time = "4m"
esp_proposal = "aes256gcm16-x25519-ke1_mlkem768")"),
                                    "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  const auto& p = c->ikev2_peers.at(0);
  EXPECT_EQ(p.auth, IkeAuth::ecdsa);
  EXPECT_EQ(p.ca, "ca.pem");
  ASSERT_EQ(p.proposals.size(), 2U);
  EXPECT_EQ(p.proposals[0].ke, KeMethod::mlkem768);
  EXPECT_TRUE(p.allow_classical);
  EXPECT_EQ(p.mode, TunnelMode::route);
  EXPECT_EQ(p.interface, "ike0");
  EXPECT_EQ(p.if_id, 7U);
  EXPECT_EQ(p.local_port, 1500);
  EXPECT_EQ(p.nat_traversal, NatMode::force);
  EXPECT_EQ(p.lifetime, std::chrono::minutes{15});
  EXPECT_EQ(p.retransmit_timeout, std::chrono::milliseconds{500});
  EXPECT_EQ(p.retransmit_tries, 3U);
  EXPECT_EQ(p.fragment_size, 576U);
  EXPECT_EQ(p.dpd_delay.count(), 0);  // off
  EXPECT_EQ(p.nat_keepalive.count(), 0);
  EXPECT_EQ(p.child_rekey_time, std::chrono::minutes{4});
  EXPECT_EQ(p.esp_proposal.ke, KeMethod::x25519);
  EXPECT_EQ(p.esp_proposal.ke1, KeMethod::mlkem768);
}

TEST(Ikev2PeerConfig, ClassicalProposalIsRefusedByDefault) {
  const auto why = refusal(with_peer("proposals = [\"aes256gcm16-prfsha384-ecp384\"]\n"));
  EXPECT_NE(why.find("agent.toml:12:"), std::string::npos) << why;
  EXPECT_NE(why.find("ikev2.peer[0].proposals[0]"), std::string::npos) << why;
  EXPECT_NE(why.find("not post-quantum"), std::string::npos) << why;
  EXPECT_NE(why.find("allow_classical = true"), std::string::npos) << why;
}

TEST(Ikev2PeerConfig, RefusesMalformedPeers) {
  struct Case {
    std::string text;
    std::string expect;  // in the error text
  };
  const Case cases[] = {
      {replaced("name = \"hq\"\n", ""), "missing"},
      {replaced("reqid = 0x7071_0101", "reqid = 5"), "outside the owned range"},
      {replaced("remote_address = \"192.0.2.1\"", "remote_address = \"2001:db8::1\""),
       "same address family"},
      {replaced("local_id = \"branch.example\"", "local_id = \"a b\""), "printable ASCII"},
      {replaced("auth = \"psk\"", "auth = \"rsa\""), "expected one of"},
      {replaced("psk_file = \"/etc/pqbranch/hq.psk\"", "psk = \"secret\""),
       "inline pre-shared keys are refused"},
      {replaced("psk_file = \"/etc/pqbranch/hq.psk\"", "certificate = \"c.pem\""),
       "must name the file"},
      {replaced("auth = \"psk\"", "auth = \"ecdsa\""), "ikev2.peer[0].certificate"},
      {with_peer("proposals = []\n"), "at least one proposal"},
      {with_peer("proposals = [\"aes256gcm16-prfsha384-ecp384-ke1_mlkem1024\", "
                 "\"aes256gcm16-prfsha384-ecp384-ke1_mlkem1024\"]\n"),
       "listed twice"},
      {with_peer("proposals = [\"aes256gcm16-prfsha384-mlkem512\"]\n"), "mlkem768 or mlkem1024"},
      {with_peer("proposals = \"aes256gcm16-prfsha384-mlkem768\"\n"), "array"},
      {replaced("local_ts = [\"10.1.0.0/16\"]", "local_ts = []"), "must not be empty"},
      {replaced("remote_ts = [\"10.9.0.0/16\"]", "remote_ts = [\"10.9.0.1/16\"]"), "host bits"},
      {with_peer("mode = \"route\"\n"), "if_id"},
      {with_peer("nat_traversal = \"off\"\n"), "expected one of"},
      {with_peer("rekey_time = \"2h\"\n"), "shorter than lifetime"},
      {with_peer("retransmit_tries = 0\n"), "ikev2.peer[0].retransmit_tries"},
      {with_peer("retransmit_timeout = \"10ms\"\n"), "ikev2.peer[0].retransmit_timeout"},
      {with_peer("local_natt_port = 500\n"), "must differ from local_port"},
      {with_peer("fragment_size = 575\n"), "ikev2.peer[0].fragment_size"},
      {with_peer("fragment_size = 65536\n"), "ikev2.peer[0].fragment_size"},
      {with_peer("dpd_delay = \"500ms\"\n"), "0 (off) or at least 1s"},
      {with_peer("nat_keepalive = \"200ms\"\n"), "ikev2.peer[0].nat_keepalive"},
      {with_peer("esp_proposal = \"aes256gcm16-ecp384-ke1_ecp256\"\n"),
       "ke1_mlkem768 or ke1_mlkem1024"},
      {with_peer("esp_proposal = [\"aes256gcm16\"]\n"), "ikev2.peer[0].esp_proposal"},
      {with_peer("child_rekey_time = 5\n"), "ikev2.peer[0].child_rekey_time"},
      {with_peer("lifetimes = \"1h\"\n"), "unknown key"},
      {with_peer(kPeer), "repeats the name"},
      {std::string(kPeer) + "[tunnel]\nlocal_address = \"192.0.2.10\"\n", "unknown key"},
  };
  for (const auto& c : cases) {
    const auto why = refusal(c.text);
    EXPECT_NE(why.find(c.expect), std::string::npos) << c.text << "\n---\n" << why;
  }
}

TEST(Ikev2PeerConfig, SecondPeerMustNotShareSocketsOrReqid) {
  std::string second = kPeer;
  second.replace(second.find("\"hq\""), 4, "\"dc\"");
  const auto why = refusal(std::string(kPeer) + second);
  EXPECT_NE(why.find("ikev2.peer[1].reqid: repeats the reqid as ikev2.peer[0]"), std::string::npos)
      << why;
  EXPECT_NE(why.find("repeats a local IKE port"), std::string::npos) << why;
}

TEST(Ikev2PeerConfig, BesideTheKeyServiceTunnelReqidAndPortsMustDiffer) {
  const std::string key_service = R"([tls]
certificate = "c.pem"
private_key = "k.pem"
ca = "ca.pem"
[edge]
endpoints = ["192.0.2.1:8443"]
name = "edge.example.net"
[tunnel]
local_address = "192.0.2.10"
remote_address = "192.0.2.1"
local_prefixes = ["10.1.0.0/16"]
remote_prefixes = ["10.9.0.0/16"]
reqid = 0x7071_0101
)";
  const auto why = refusal(key_service + kPeer);
  EXPECT_NE(why.find("repeats tunnel.reqid"), std::string::npos) << why;
  EXPECT_NE(why.find("clashes with nat_traversal.port"), std::string::npos) << why;
  const auto ok = parse_agent_config(
      key_service + replaced("reqid = 0x7071_0101", "reqid = 0x7071_0102\nlocal_natt_port = 4501"),
      "agent.toml");
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_TRUE(ok->key_service);
  EXPECT_EQ(ok->ikev2_peers.size(), 1U);
}

}  // namespace
}  // namespace pqbranch::config
