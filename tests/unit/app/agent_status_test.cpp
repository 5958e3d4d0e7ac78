#include "pqbranch/app/agent_status.hpp"

#include <set>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace pqbranch::app {
namespace {

AgentStatusReport sample(bool post_quantum) {
  AgentStatusReport r;
  r.agent_version = "0.1.0";
  r.mode = "route";
  r.local_address = "192.0.2.1";
  r.remote_address = "198.51.100.2";
  r.rotation.state = "idle";
  r.rotation.generation = 42;
  r.rotation.outbound_spi = 0x5002a;
  r.rotation.inbound_spi = 0x1234;
  r.rotation.inbound_sas = 2;
  r.rotation.peer_generation = 42;
  r.next_rotation_in = std::chrono::milliseconds(2500);
  r.endpoint = "edge.example:8443";
  keysvc::HandshakeRecord h;
  h.endpoint = r.endpoint;
  h.info.group = post_quantum ? "X25519MLKEM768" : "X25519";
  h.info.peer_signature = "mldsa65";
  h.info.cipher = "TLS_AES_256_GCM_SHA384";
  h.info.version = "TLSv1.3";
  h.info.post_quantum = post_quantum;
  h.at = std::chrono::system_clock::now();
  r.tls = h;
  r.sas = {{42, false, 0x5002a, true, 1000, 150000}, {42, true, 0x1234, true, 990, 140000}};
  r.rotations = 7;
  r.last_rotation_latency = std::chrono::microseconds(1850);
  r.metrics = "agent_rotations_total 7\ntls_classical_connections_total 0\n";
  return r;
}

TEST(AgentStatus, JsonCarriesEverythingTheCliShows) {
  const std::string text = to_json(sample(true));
  const auto doc = boost::json::parse(text).as_object();
  EXPECT_EQ(doc.at("rotation").at("generation").to_number<int>(), 42);
  EXPECT_EQ(doc.at("rotation").at("outbound_spi").to_number<std::uint32_t>(), 0x5002aU);
  EXPECT_EQ(doc.at("tls").at("group").as_string(), "X25519MLKEM768");
  EXPECT_TRUE(doc.at("tls").at("post_quantum").as_bool());
  EXPECT_EQ(doc.at("sas").as_array().size(), 2U);
  EXPECT_EQ(doc.at("sas").at(0).at("packets").to_number<int>(), 1000);
  EXPECT_EQ(doc.at("metrics").at("agent_rotations_total").to_number<int>(), 7);

  auto human = render_status_text(text);
  ASSERT_TRUE(human) << human.error().message();
  EXPECT_NE(human->find("generation     42 (outbound SPI 0x0005002a, inbound SPI 0x00001234"),
            std::string::npos)
      << *human;
  EXPECT_NE(human->find("X25519MLKEM768"), std::string::npos);
  EXPECT_NE(human->find("-- post-quantum"), std::string::npos);
  EXPECT_NE(human->find("peer signature mldsa65"), std::string::npos);
  EXPECT_NE(human->find("1000 packets"), std::string::npos);
  EXPECT_NE(human->find("in 2.5 s"), std::string::npos);
  EXPECT_NE(human->find("last took 1.85 ms"), std::string::npos);
}

TEST(AgentStatus, ClassicalTunnelIsShownAsNotPostQuantum) {
  auto human = render_status_text(to_json(sample(false)));
  ASSERT_TRUE(human);
  EXPECT_NE(human->find("NOT post-quantum"), std::string::npos) << *human;
}

TEST(AgentStatus, ResumedSessionNamesTheSignatureThatAuthenticatedIt) {
  AgentStatusReport r = sample(true);
  r.tls->info.resumed = true;
  r.tls->info.peer_signature.clear();  // no CertificateVerify in a resumed handshake
  r.tls->session_signature = "mldsa65";
  auto human = render_status_text(to_json(r));
  ASSERT_TRUE(human);
  EXPECT_NE(human->find("peer signature mldsa65 (resumed session, psk_dhe_ke)"), std::string::npos)
      << *human;
}

TEST(AgentStatus, UnreachableEdgeAndNoHandshakeAreSaid) {
  AgentStatusReport r = sample(true);
  r.rotation.edge_reachable = false;
  r.rotation.last_error = "connect to endpoint 0: Connection refused";
  r.tls.reset();
  r.sas.clear();
  auto human = render_status_text(to_json(r));
  ASSERT_TRUE(human);
  EXPECT_NE(human->find("UNREACHABLE, retrying"), std::string::npos) << *human;
  EXPECT_NE(human->find("Connection refused"), std::string::npos);
  EXPECT_NE(human->find("no handshake yet"), std::string::npos);
  EXPECT_NE(human->find("SAs            none"), std::string::npos);
}

update::UpdateStatus staged_update() {
  update::UpdateStatus u;
  u.state = "staged";
  u.running_version = "0.2.0";
  u.channel = "stable";
  u.staged_version = "0.3.0";
  u.held = "outside_window: no window open now";
  u.next_window = update::TimePoint(std::chrono::sys_days(std::chrono::year{2026} / 12 / 5)) +
                  std::chrono::hours(2) + std::chrono::milliseconds(750);
  u.last_result = "done 0.2.0";
  u.last_refusal = "hash_mismatch: pqbranch-agent_0.2.9_amd64.deb";
  u.paused = true;
  u.pinned = "0.3.0";
  u.failed_versions = 2;
  u.pending_report = "0.2.0 installed";
  return u;
}

TEST(AgentStatus, UpdateObjectCarriesExactlyTheDocumentedKeys) {
  AgentStatusReport r = sample(true);
  r.update = staged_update();
  r.tz_database = "2026a";
  const auto doc = boost::json::parse(to_json(r)).as_object();
  const auto& u = doc.at("update").as_object();
  std::set<std::string> keys;
  for (const auto& kv : u)
    keys.emplace(kv.key());
  EXPECT_EQ(keys, (std::set<std::string>{"state", "running_version", "channel", "staged_version",
                                         "held", "next_window", "next_check", "requested_version",
                                         "last_result", "last_refusal", "paused", "pinned",
                                         "failed_versions", "pending_report", "tz_database"}));
  EXPECT_EQ(u.at("state").as_string(), "staged");
  EXPECT_EQ(u.at("running_version").as_string(), "0.2.0");
  EXPECT_EQ(u.at("channel").as_string(), "stable");
  EXPECT_EQ(u.at("staged_version").as_string(), "0.3.0");
  EXPECT_EQ(u.at("held").as_string(), "outside_window: no window open now");
  EXPECT_EQ(u.at("next_window").as_string(), "2026-12-05T02:00:00Z");  // whole seconds, UTC
  EXPECT_TRUE(u.at("next_check").is_null());
  EXPECT_TRUE(u.at("requested_version").is_null());
  EXPECT_EQ(u.at("last_result").as_string(), "done 0.2.0");
  EXPECT_EQ(u.at("last_refusal").as_string(), "hash_mismatch: pqbranch-agent_0.2.9_amd64.deb");
  EXPECT_TRUE(u.at("paused").as_bool());
  EXPECT_EQ(u.at("pinned").as_string(), "0.3.0");
  EXPECT_EQ(u.at("failed_versions").to_number<int>(), 2);
  EXPECT_EQ(u.at("pending_report").as_string(), "0.2.0 installed");
  EXPECT_EQ(u.at("tz_database").as_string(), "2026a");
}

TEST(AgentStatus, EndpointRotationTimesAndTheConfigAreShownAsUtcAndAges) {
  using std::chrono::sys_days;
  using namespace std::chrono_literals;
  AgentStatusReport r = sample(true);
  r.now = sys_days{std::chrono::year{2026} / 12 / 4} + 18h + 30min + 500ms;
  r.edge_name = "edge.example";
  r.last_rotation = r.now - 95s;
  r.next_rotation = r.now + 2500ms;
  ConfigStatus c;
  c.file = "/etc/pqbranch/agent.toml";
  c.generation = 3;
  c.last_reload = r.now - 10s;
  c.last_reload_ok = false;
  c.last_reload_error = "tunnel.local_address need(s) a new tunnel";
  r.config = c;
  const std::string text = to_json(r);
  const auto doc = boost::json::parse(text).as_object();
  const auto& rot = doc.at("rotation").as_object();
  // The fields that were there before stay as they were.
  EXPECT_EQ(rot.at("endpoint").as_string(), "edge.example:8443");
  EXPECT_EQ(rot.at("next_rotation_ms").to_number<int>(), 2500);
  EXPECT_EQ(rot.at("edge_name").as_string(), "edge.example");
  EXPECT_EQ(rot.at("last_rotation_utc").as_string(), "2026-12-04T18:28:25Z");
  EXPECT_EQ(rot.at("last_rotation_age_s").to_number<int>(), 95);
  EXPECT_EQ(rot.at("next_rotation_utc").as_string(), "2026-12-04T18:30:03Z");
  EXPECT_EQ(rot.at("next_rotation_s").to_number<int>(), 2);
  const auto& cfg = doc.at("config").as_object();
  std::set<std::string> keys;
  for (const auto& kv : cfg)
    keys.emplace(kv.key());
  EXPECT_EQ(keys, (std::set<std::string>{"file", "generation", "last_reload_utc",
                                         "last_reload_age_s", "last_reload", "last_reload_error"}));
  EXPECT_EQ(cfg.at("file").as_string(), "/etc/pqbranch/agent.toml");
  EXPECT_EQ(cfg.at("generation").to_number<int>(), 3);
  EXPECT_EQ(cfg.at("last_reload_utc").as_string(), "2026-12-04T18:29:50Z");
  EXPECT_EQ(cfg.at("last_reload_age_s").to_number<int>(), 10);
  EXPECT_EQ(cfg.at("last_reload").as_string(), "refused");
  EXPECT_EQ(cfg.at("last_reload_error").as_string(), "tunnel.local_address need(s) a new tunnel");

  auto human = render_status_text(text);
  ASSERT_TRUE(human) << human.error().message();
  EXPECT_NE(human->find("edge name      edge.example\n"), std::string::npos) << *human;
  EXPECT_NE(human->find("last rotation  2026-12-04T18:28:25Z (95 s ago)\n"), std::string::npos)
      << *human;
  EXPECT_NE(human->find("next rotation  in 2.5 s (2026-12-04T18:30:03Z)\n"), std::string::npos)
      << *human;
  EXPECT_NE(human->find("config         /etc/pqbranch/agent.toml, generation 3, last reload "
                        "2026-12-04T18:29:50Z (10 s ago): REFUSED: tunnel.local_address"),
            std::string::npos)
      << *human;
}

TEST(AgentStatus, BeforeAnyRotationOrReloadTheTimesAreNull) {
  AgentStatusReport r = sample(true);
  r.next_rotation_in.reset();
  r.config = ConfigStatus{"/etc/pqbranch/agent.toml", 1, std::nullopt, true, ""};
  const std::string text = to_json(r);
  const auto doc = boost::json::parse(text).as_object();
  const auto& rot = doc.at("rotation").as_object();
  EXPECT_TRUE(rot.at("last_rotation_utc").is_null());
  EXPECT_TRUE(rot.at("last_rotation_age_s").is_null());
  EXPECT_TRUE(rot.at("next_rotation_utc").is_null());
  EXPECT_TRUE(rot.at("next_rotation_s").is_null());
  const auto& cfg = doc.at("config").as_object();
  EXPECT_TRUE(cfg.at("last_reload_utc").is_null());
  EXPECT_TRUE(cfg.at("last_reload").is_null());
  auto human = render_status_text(text);
  ASSERT_TRUE(human);
  EXPECT_NE(human->find("last rotation  none since start\n"), std::string::npos) << *human;
  EXPECT_NE(human->find("config         /etc/pqbranch/agent.toml, generation 1\n"),
            std::string::npos)
      << *human;
}

TEST(AgentStatus, UpdateObjectIsAbsentWhenUpdatesAreNotConfigured) {
  const auto doc = boost::json::parse(to_json(sample(true))).as_object();
  EXPECT_FALSE(doc.contains("update"));
  auto human = render_status_text(to_json(sample(true)));
  ASSERT_TRUE(human);
  EXPECT_EQ(human->find("staged"), std::string::npos) << *human;
  EXPECT_NE(human->find("SAs"), std::string::npos);
}

TEST(AgentStatus, TextShowsTheUpdateBlock) {
  AgentStatusReport r = sample(true);
  r.update = staged_update();
  auto human = render_status_text(to_json(r));
  ASSERT_TRUE(human) << human.error().message();
  for (const char* expected :
       {"update         0.2.0 on channel stable, staged\n",
        "staged         0.3.0 (held: outside_window: no window open now)\n",
        "next window    2026-12-05T02:00:00Z\n", "operator       PAUSED, pinned to 0.3.0\n",
        "last result    done 0.2.0\n",
        "last refusal   hash_mismatch: pqbranch-agent_0.2.9_amd64.deb\n"}) {
    EXPECT_NE(human->find(expected), std::string::npos) << expected << "\n" << *human;
  }
  r.update = update::UpdateStatus{};
  r.update->state = "idle";
  r.update->running_version = "0.3.0";
  human = render_status_text(to_json(r));
  ASSERT_TRUE(human);
  for (const char* expected :
       {"staged         none\n", "next window    -\n", "operator       not paused, not pinned\n",
        "last result    -\n", "last refusal   -\n"}) {
    EXPECT_NE(human->find(expected), std::string::npos) << expected << "\n" << *human;
  }
}

TEST(AgentStatus, RefusesWhatIsNotAStatus) {
  EXPECT_FALSE(render_status_text("not json"));
  EXPECT_FALSE(render_status_text("[1,2]"));
  EXPECT_FALSE(render_status_text("{\"rotation\":{}}"));
}

}  // namespace
}  // namespace pqbranch::app

namespace pqbranch::app {
namespace {

HealthStatusReport degraded_health() {
  HealthStatusReport h;
  h.target = "10.0.0.1";
  h.source = "10.1.0.1";
  h.status.state = health::HealthState::degraded;
  h.status.probes_sent = 213;
  h.status.probes_answered = 210;
  h.status.probes_lost = 2;
  h.status.window_resolved = 212;
  h.status.window_lost = 2;
  h.status.window_loss_ratio = 2.0 / 212.0;
  h.in_state = std::chrono::seconds{42};
  return h;
}

TEST(AgentStatus, HealthObjectCarriesExactlyTheDocumentedKeys) {
  AgentStatusReport r = sample(true);
  EXPECT_FALSE(boost::json::parse(to_json(r)).as_object().contains("health"));
  r.health = degraded_health();
  const auto doc = boost::json::parse(to_json(r)).as_object();
  const auto& h = doc.at("health").as_object();
  std::set<std::string> keys;
  for (const auto& kv : h)
    keys.emplace(kv.key());
  EXPECT_EQ(keys, (std::set<std::string>{"state", "error", "target", "source", "in_state_seconds",
                                         "probes_sent", "probes_answered", "probes_lost",
                                         "window_probes", "window_lost", "window_loss_ratio"}));
  EXPECT_EQ(h.at("state").as_string(), "degraded");
  EXPECT_EQ(h.at("error").as_string(), "");
  EXPECT_EQ(h.at("target").as_string(), "10.0.0.1");
  EXPECT_EQ(h.at("source").as_string(), "10.1.0.1");
  EXPECT_EQ(h.at("in_state_seconds").to_number<int>(), 42);
  EXPECT_EQ(h.at("probes_sent").to_number<int>(), 213);
  EXPECT_EQ(h.at("probes_answered").to_number<int>(), 210);
  EXPECT_EQ(h.at("probes_lost").to_number<int>(), 2);
  EXPECT_EQ(h.at("window_probes").to_number<int>(), 212);
  EXPECT_EQ(h.at("window_lost").to_number<int>(), 2);
  EXPECT_DOUBLE_EQ(h.at("window_loss_ratio").as_double(), 2.0 / 212.0);
}

TEST(AgentStatus, TextShowsTheHealthLineAndAnUnavailableProber) {
  AgentStatusReport r = sample(true);
  r.health = degraded_health();
  auto human = render_status_text(to_json(r));
  ASSERT_TRUE(human) << human.error().message();
  const std::string expected =
      "health         TUNNEL degraded for 42 s; probes to 10.0.0.1 from 10.1.0.1: 213 sent, 2 "
      "lost; 2 of 212 (0.94 %) lost in the last 5 min\n";
  EXPECT_NE(human->find(expected), std::string::npos) << *human;

  r.health = HealthStatusReport{};
  r.health->target = "10.0.0.1";
  r.health->error = "health probe: ICMP datagram socket unavailable";
  const auto doc = boost::json::parse(to_json(r)).as_object();
  EXPECT_EQ(doc.at("health").at("state").as_string(), "unavailable");
  human = render_status_text(to_json(r));
  ASSERT_TRUE(human);
  EXPECT_NE(human->find("health         UNAVAILABLE: health probe: ICMP datagram socket "
                        "unavailable\n"),
            std::string::npos)
      << *human;
}

}  // namespace
}  // namespace pqbranch::app
