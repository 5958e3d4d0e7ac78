#include "pqbranch/config/edge_config.hpp"

#include <ostream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fakes/test_paths.hpp"

namespace pqbranch::config {
namespace {

// The smallest valid edge-stub.toml with one site; [[site]] starts on line 8.
constexpr const char* kMinimalEdge = R"([tls]
certificate = "/etc/pqbranch/edge.crt"
private_key = "/etc/pqbranch/edge.key"
ca = "/etc/pqbranch/site-ca.crt"
[tunnel]
local_address = "203.0.113.1"
local_prefixes = ["10.0.0.0/16"]
[[site]]
id = "branch-001"
prefixes = ["10.1.0.0/16"]
reqid = 0x7071_0001
)";

std::string with(const std::string& extra) {
  return std::string(kMinimalEdge) + extra;
}

TEST(EdgeConfig, MinimalFileGetsTheDocumentedDefaults) {
  const auto c = parse_edge_config(kMinimalEdge, "edge.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->state_directory, "/var/lib/pqbranch-edge");
  ASSERT_EQ(c->listen.size(), 1U);
  EXPECT_EQ(c->listen[0].to_string(), "0.0.0.0:8443");
  EXPECT_EQ(c->tls.groups, std::vector<std::string>{"X25519MLKEM768"});
  EXPECT_EQ(c->limits.max_connections, 256U);
  EXPECT_EQ(c->limits.max_body_bytes, 16U * 1024);
  EXPECT_EQ(c->limits.read_timeout, std::chrono::seconds{10});
  EXPECT_EQ(c->lifetime.hard_time, std::chrono::hours{2});
  ASSERT_EQ(c->sites.size(), 1U);
  EXPECT_EQ(c->sites[0].id, "branch-001");
  EXPECT_FALSE(c->sites[0].remote_address.has_value());
  EXPECT_FALSE(c->sites[0].if_id.has_value());
  EXPECT_EQ(c->sites[0].reqid, 0x7071'0001U);
}

// `threads`: the online CPUs unless given (never 0, never above the bound); given, within
// 1..kMaxEdgeThreads, else the file is refused with the key's name.
TEST(EdgeConfig, ThreadsDefaultToTheOnlineCpusAndStayWithinTheirBound) {
  const auto d = parse_edge_config(kMinimalEdge, "edge.toml");
  ASSERT_TRUE(d.has_value()) << d.error().message();
  EXPECT_EQ(d->threads, default_edge_threads());
  EXPECT_GE(d->threads, 1U);
  EXPECT_LE(d->threads, kMaxEdgeThreads);
  const auto one = parse_edge_config("threads = 1\n" + std::string(kMinimalEdge), "edge.toml");
  ASSERT_TRUE(one.has_value()) << one.error().message();
  EXPECT_EQ(one->threads, 1U);
  const auto most = parse_edge_config("threads = 64\n" + std::string(kMinimalEdge), "edge.toml");
  ASSERT_TRUE(most.has_value()) << most.error().message();
  EXPECT_EQ(most->threads, 64U);
  for (const char* bad : {"threads = 0\n", "threads = 65\n", "threads = \"4\"\n"}) {
    const auto c = parse_edge_config(bad + std::string(kMinimalEdge), "edge.toml");
    ASSERT_FALSE(c.has_value()) << bad;
    EXPECT_NE(c.error().detail.find("threads"), std::string::npos) << c.error().detail;
  }
}

// Thousands of sites (a real edge's count): every site distinct is valid; one overlapping
// prefix, one repeated id and one repeated reqid among them are each found and named.
TEST(EdgeConfig, ManySitesAreCheckedForRepeatsAndOverlapsAgainstEachOther) {
  std::string sites;
  for (int i = 2; i <= 3000; ++i) {
    sites +=
        fmt::format("[[site]]\nid = \"branch-{}\"\nprefixes = [\"10.{}.{}.0/24\"]\nreqid = {}\n", i,
                    100 + i / 250, i % 250, 0x7071'0000 + i);
  }
  ASSERT_TRUE(parse_edge_config(with(sites), "edge.toml").has_value());
  const std::string bad = sites +
                          "[[site]]\nid = \"branch-17\"\nprefixes = [\"10.105.0.0/16\"]\n"
                          "reqid = 0x7071_0400\n";
  const auto c = parse_edge_config(with(bad), "edge.toml");
  ASSERT_FALSE(c.has_value());
  const std::string& why = c.error().detail;
  EXPECT_NE(why.find("site[3000].id: repeats the id \"branch-17\" as site[16]"), std::string::npos)
      << why;
  // 10.105.0.0/16 holds branch-1250 .. branch-1499 (site[1249] ..): each is named.
  EXPECT_NE(why.find("site[3000].prefixes[0]: 10.105.0.0/16 overlaps 10.105.0.0/24 of site[1249]"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("site[3000].reqid: repeats the reqid as site[1023]"), std::string::npos)
      << why;
}

TEST(EdgeConfig, ReleasesAreOffUnlessADirectoryIsGiven) {
  const auto off = parse_edge_config(kMinimalEdge, "edge.toml");
  ASSERT_TRUE(off.has_value()) << off.error().message();
  EXPECT_FALSE(off->releases.directory.has_value());
  EXPECT_EQ(off->releases.max_downloads, 4U);
  EXPECT_EQ(off->releases.transfer_timeout, std::chrono::minutes{30});

  const auto on = parse_edge_config(with("[releases]\ndirectory = \"/srv/pqbranch/releases\"\n"
                                         "max_downloads = 2\ntransfer_timeout = \"5m\"\n"),
                                    "edge.toml");
  ASSERT_TRUE(on.has_value()) << on.error().message();
  EXPECT_EQ(on->releases.directory, std::filesystem::path("/srv/pqbranch/releases"));
  EXPECT_EQ(on->releases.max_downloads, 2U);
  EXPECT_EQ(on->releases.transfer_timeout, std::chrono::minutes{5});
}

TEST(EdgeConfig, ReleaseBoundsOutOfRangeOrUnknownKeysAreErrors) {
  EXPECT_FALSE(parse_edge_config(with("[releases]\nmax_downloads = 0\n"), "e.toml").has_value());
  EXPECT_FALSE(
      parse_edge_config(with("[releases]\ntransfer_timeout = \"10ms\"\n"), "e.toml").has_value());
  EXPECT_FALSE(parse_edge_config(with("[releases]\ndir = \"/srv\"\n"), "e.toml").has_value());
}

TEST(EdgeConfig, TheMetricsEndpointIsOffUnlessAnAddressIsGiven) {
  const auto off = parse_edge_config(kMinimalEdge, "edge.toml");
  ASSERT_TRUE(off.has_value()) << off.error().message();
  EXPECT_FALSE(off->metrics.listen.has_value());
  const auto on = parse_edge_config(with("[metrics]\nlisten = \"127.0.0.1:9465\"\n"), "e.toml");
  ASSERT_TRUE(on.has_value()) << on.error().message();
  ASSERT_TRUE(on->metrics.listen.has_value());
  EXPECT_EQ(on->metrics.listen->to_string(), "127.0.0.1:9465");
  // An address, not a name; a port; nothing else in the table.
  EXPECT_FALSE(parse_edge_config(with("[metrics]\nlisten = \"localhost:9465\"\n"), "e.toml"));
  EXPECT_FALSE(parse_edge_config(with("[metrics]\nlisten = \"127.0.0.1\"\n"), "e.toml"));
  EXPECT_FALSE(parse_edge_config(with("[metrics]\npath = \"/m\"\n"), "e.toml"));
}

TEST(EdgeConfig, SampleInPackagingLoads) {
  const auto c = load_edge_config(test::source_dir() / "packaging" / "edge-stub.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  ASSERT_EQ(c->sites.size(), 2U);
  EXPECT_EQ(c->sites[0].remote_address->to_string(), "198.51.100.10");
  EXPECT_EQ(c->sites[0].if_id, 0x7071'0001U);
  EXPECT_FALSE(c->sites[1].if_id.has_value());
}

TEST(EdgeConfig, ReadsListenAndLimits) {
  const auto c = parse_edge_config(std::string("listen = [\"[::]:443\", \"127.0.0.1:8443\"]\n") +
                                       kMinimalEdge + "[limits]\nmax_connections = 8\n" +
                                       "max_body_bytes = 4096\nread_timeout = \"2s\"\n",
                                   "edge.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  ASSERT_EQ(c->listen.size(), 2U);
  EXPECT_EQ(c->listen[0].to_string(), "[::]:443");
  EXPECT_EQ(c->limits.max_connections, 8U);
  EXPECT_EQ(c->limits.max_body_bytes, 4096U);
  EXPECT_EQ(c->limits.read_timeout, std::chrono::seconds{2});
  // Pools that depend on max_connections follow it when not given.
  EXPECT_EQ(c->limits.max_unauthenticated, 4U);
  EXPECT_EQ(c->limits.max_handshakes, 4U);
  EXPECT_EQ(c->limits.max_per_source, 8U);
  EXPECT_EQ(c->limits.max_unauthenticated_per_source, 4U);
}

TEST(EdgeConfig, FloodAndSiteLimitsHaveSafeDefaultsAndCanBeSet) {
  const auto d = parse_edge_config(kMinimalEdge, "edge.toml");
  ASSERT_TRUE(d.has_value()) << d.error().message();
  EXPECT_EQ(d->limits.max_unauthenticated, 128U);
  EXPECT_EQ(d->limits.max_handshakes, 16U);
  EXPECT_EQ(d->limits.max_per_source, 32U);
  EXPECT_EQ(d->limits.max_unauthenticated_per_source, 8U);
  EXPECT_EQ(d->limits.handshake_timeout, std::chrono::seconds{5});
  EXPECT_EQ(d->limits.idle_timeout, std::chrono::seconds{5});
  EXPECT_EQ(d->limits.max_requests_per_connection, 8U);
  EXPECT_EQ(d->limits.generation_burst, 20U);
  EXPECT_EQ(d->limits.generation_refill, std::chrono::milliseconds{500});
  EXPECT_EQ(d->limits.max_outstanding_generations, 8U);
  EXPECT_EQ(d->limits.abandoned_generation_lifetime, std::chrono::minutes{5});
  const auto c =
      parse_edge_config(with("[limits]\nmax_unauthenticated = 64\nmax_handshakes = 4\n"
                             "max_per_source = 10\nmax_unauthenticated_per_source = 2\n"
                             "handshake_timeout = \"2s\"\nidle_timeout = \"1s\"\n"
                             "max_requests_per_connection = 4\ngeneration_burst = 5\n"
                             "generation_refill = \"0s\"\nmax_outstanding_generations = 3\n"
                             "abandoned_generation_lifetime = \"1m\"\n"),
                        "edge.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->limits.max_unauthenticated, 64U);
  EXPECT_EQ(c->limits.max_handshakes, 4U);
  EXPECT_EQ(c->limits.max_per_source, 10U);
  EXPECT_EQ(c->limits.max_unauthenticated_per_source, 2U);
  EXPECT_EQ(c->limits.handshake_timeout, std::chrono::seconds{2});
  EXPECT_EQ(c->limits.idle_timeout, std::chrono::seconds{1});
  EXPECT_EQ(c->limits.max_requests_per_connection, 4U);
  EXPECT_EQ(c->limits.generation_burst, 5U);
  EXPECT_EQ(c->limits.generation_refill, std::chrono::seconds{0});
  EXPECT_EQ(c->limits.max_outstanding_generations, 3U);
  EXPECT_EQ(c->limits.abandoned_generation_lifetime, std::chrono::minutes{1});
  // A pool larger than the one it is part of is an error.
  const auto bad = parse_edge_config(
      with("[limits]\nmax_unauthenticated = 8\nmax_handshakes = 9\n"), "edge.toml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().detail.find("limits.max_handshakes: must not exceed "
                                    "limits.max_unauthenticated"),
            std::string::npos)
      << bad.error().detail;
}

TEST(EdgeConfig, ResumptionMaxAgeAndTicketKeyRotationHaveSafeDefaultsAndBounds) {
  const auto d = parse_edge_config(kMinimalEdge, "edge.toml");
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->resumption.max_age, std::chrono::hours{24});
  EXPECT_EQ(d->resumption.ticket_key_rotation, std::chrono::hours{6});
  std::string text(kMinimalEdge);
  text.insert(text.find("[tunnel]"),
              "resumption_max_age = \"12h\"\nticket_key_rotation = \"1h\"\n");
  const auto c = parse_edge_config(text, "edge.toml");
  ASSERT_TRUE(c.has_value()) << c.error().detail;
  EXPECT_EQ(c->resumption.max_age, std::chrono::hours{12});
  EXPECT_EQ(c->resumption.ticket_key_rotation, std::chrono::hours{1});
  const auto bad = [&](const std::string& keys) {
    std::string t(kMinimalEdge);
    t.insert(t.find("[tunnel]"), keys);
    return parse_edge_config(t, "edge.toml");
  };
  const auto longer = bad("resumption_max_age = \"2h\"\nticket_key_rotation = \"3h\"\n");
  ASSERT_FALSE(longer.has_value());
  EXPECT_NE(longer.error().detail.find("tls.ticket_key_rotation: must not be longer than "
                                       "tls.resumption_max_age"),
            std::string::npos)
      << longer.error().detail;
  EXPECT_FALSE(bad("resumption_max_age = \"8d\"\n").has_value());
  EXPECT_FALSE(bad("ticket_key_rotation = \"10s\"\n").has_value());
}

struct EdgeBadCase {
  const char* name;
  std::string text;
  errc code;
  std::string detail;
};
void PrintTo(const EdgeBadCase& c, std::ostream* os) {
  *os << c.name;
}

class EdgeConfigRejects : public testing::TestWithParam<EdgeBadCase> {};

TEST_P(EdgeConfigRejects, NamingThePlace) {
  const auto& c = GetParam();
  const auto r = parse_edge_config(c.text, "edge.toml");
  ASSERT_FALSE(r.has_value()) << c.text;
  EXPECT_EQ(r.error().code, c.code) << r.error().detail;
  EXPECT_EQ(r.error().detail, c.detail);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EdgeConfigRejects,
    testing::Values(
        EdgeBadCase{"unknown_key_in_site", with("colour = \"red\"\n"), errc::unknown_key,
                    "edge.toml:12:1: site[0].colour: unknown key"},
        EdgeBadCase{"unknown_key_in_second_site",
                    with("[[site]]\nid = \"b\"\nprefixes = [\"10.2.0.0/16\"]\nreqid = 0x7071_0002\n"
                         "ifid = 5\n"),
                    errc::unknown_key,
                    "edge.toml:16:1: site[1].ifid: unknown key (did you mean \"if_id\"?)"},
        EdgeBadCase{"site_missing_id", with("[[site]]\nprefixes = [\"10.2.0.0/16\"]\nreqid = 2\n"),
                    errc::missing_key, "edge.toml:12:1: site[1]: missing required key \"id\""},
        EdgeBadCase{
            "site_as_plain_table",
            "[site]\nid = \"x\"\n[tls]\ncertificate = \"a\"\nprivate_key = \"b\"\nca = \"c\"\n"
            "[tunnel]\nlocal_address = \"203.0.113.1\"\nlocal_prefixes = [\"10.0.0.0/16\"]\n",
            errc::wrong_type,
            "edge.toml:1:1: site: expected an array of tables ([[site]]), found a table"},
        EdgeBadCase{"listen_needs_an_address",
                    "listen = [\"edge.example.net:8443\"]\n" + std::string(kMinimalEdge),
                    errc::bad_address,
                    "edge.toml:1:11: listen[0]: \"edge.example.net:8443\" needs an IP address, not "
                    "a host name"},
        EdgeBadCase{"body_limit_too_large", with("[limits]\nmax_body_bytes = \"2MiB\"\n"),
                    errc::out_of_range,
                    "edge.toml:13:18: limits.max_body_bytes: must be at most 1MiB"},
        EdgeBadCase{"bad_duration", with("[limits]\nread_timeout = \"\"\n"), errc::bad_duration,
                    "edge.toml:13:16: limits.read_timeout: duration is empty"},
        EdgeBadCase{"duplicate_site",
                    with("[[site]]\nid = \"branch-001\"\nprefixes = [\"10.2.0.0/16\"]\n"
                         "reqid = 0x7071_0001\n"),
                    errc::invalid_value,
                    "edge.toml:13:6: site[1].id: repeats the id \"branch-001\" as site[0]\n"
                    "edge.toml:15:9: site[1].reqid: repeats the reqid as site[0]"},
        EdgeBadCase{
            "overlapping_sites",
            with("[[site]]\nid = \"b\"\nprefixes = [\"10.1.2.0/24\"]\nreqid = 0x7071_0002\n"),
            errc::invalid_value,
            "edge.toml:14:13: site[1].prefixes[0]: 10.1.2.0/24 overlaps 10.1.0.0/16 of "
            "site[0]"},
        EdgeBadCase{"classical_group",
                    std::string(kMinimalEdge).replace(0, 5, "[tls]\ngroups = [\"P-256\"]"),
                    errc::classical_group_not_allowed,
                    "edge.toml:2:11: tls.groups[0]: \"secp256r1\" is a classical group, not "
                    "post-quantum; it is refused unless tls.allow_classical = true"},
        EdgeBadCase{
            "site_id_too_long",
            std::string(kMinimalEdge)
                .replace(std::string(kMinimalEdge).find("branch-001"), 10, std::string(257, 'b')),
            errc::invalid_value, "edge.toml:9:6: site[0].id: must be 1..256 bytes"},
        EdgeBadCase{"reqid_outside_ownership",
                    with("[ownership]\nreqid_min = 0x100\nreqid_max = 0x1ff\n"),
                    errc::invalid_value,
                    "edge.toml:11:9: site[0].reqid: 0x70710001 is outside the owned range "
                    "[ownership] 0x100..0x1ff"}),
    [](const testing::TestParamInfo<EdgeBadCase>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace pqbranch::config
