#include "pqbranch/config/agent_config.hpp"

#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "fakes/test_paths.hpp"
#include "minimal_agent_toml.hpp"

namespace pqbranch::config {
namespace {

constexpr const char* kMinimal = fixtures::kMinimalAgentToml;

// kMinimal with `line` inserted after the line `after` ("" = at the very top), or with
// `from` replaced by `to`.
std::string insert(const std::string& after, const std::string& line) {
  std::string text = kMinimal;
  if (after.empty()) return line + "\n" + text;
  const auto at = text.find(after + "\n");
  EXPECT_NE(at, std::string::npos) << after;
  return text.insert(at + after.size() + 1, line + "\n");
}
std::string replace(const std::string& from, const std::string& to) {
  std::string text = kMinimal;
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}
std::string append(const std::string& lines) {
  return std::string(kMinimal) + lines;
}

TEST(AgentConfig, EdgeNameIsEveryEndpointsNameElseADnsHostIsItsOwn) {
  const auto dns =
      parse_agent_config(replace("[\"edge.example.net:8443\"]",
                                 "[\"edge1.example.net:8443\", \"[2001:db8::1]:443\"]\n"
                                 "name = \"edge.example.net\""),
                         "agent.toml");
  ASSERT_TRUE(dns.has_value()) << dns.error().message();
  ASSERT_EQ(dns->edge.endpoints.size(), 2U);
  EXPECT_EQ(dns->edge.endpoints[0].name, "edge.example.net");
  EXPECT_EQ(dns->edge.endpoints[1].name, "edge.example.net");
  EXPECT_EQ(dns->edge.endpoints[1].address.host, "2001:db8::1");

  // An address as the name: the certificate must carry it as an iPAddress SAN.
  const auto ip = parse_agent_config(
      replace("[\"edge.example.net:8443\"]", "[\"192.0.2.1:8443\"]\nname = \"192.0.2.1\""),
      "agent.toml");
  ASSERT_TRUE(ip.has_value()) << ip.error().message();
  EXPECT_EQ(ip->edge.endpoints[0].name, "192.0.2.1");

  // Only the endpoint that is an address needs the name; the error names that one.
  const auto mixed = parse_agent_config(
      replace("[\"edge.example.net:8443\"]", "[\"edge.example.net:8443\", \"192.0.2.1:8443\"]"),
      "agent.toml");
  ASSERT_FALSE(mixed.has_value());
  EXPECT_EQ(mixed.error(), errc::missing_key);
  EXPECT_NE(mixed.error().message().find("edge.endpoints[1]: \"192.0.2.1:8443\" is an IP address"),
            std::string::npos)
      << mixed.error().message();
  EXPECT_EQ(mixed.error().message().find("edge.endpoints[0]"), std::string::npos)
      << mixed.error().message();
}

TEST(AgentConfig, MinimalFileGetsTheDocumentedDefaults) {
  const auto c = parse_agent_config(kMinimal, "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->state_directory, "/var/lib/pqbranch");
  EXPECT_EQ(c->log_level, spdlog::level::info);
  EXPECT_EQ(c->status_socket, "/run/pqbranch/agent.sock");
  EXPECT_EQ(c->tls.certificate, "/etc/pqbranch/site.crt");
  EXPECT_EQ(c->tls.groups, std::vector<std::string>{"X25519MLKEM768"});
  EXPECT_FALSE(c->tls.allow_classical);
  ASSERT_EQ(c->edge.endpoints.size(), 1U);
  EXPECT_EQ(c->edge.endpoints[0].address.host, "edge.example.net");
  EXPECT_EQ(c->edge.endpoints[0].address.port, 8443);
  EXPECT_EQ(c->edge.endpoints[0].name, "edge.example.net");  // a DNS host names itself
  EXPECT_EQ(c->edge.backoff_initial, std::chrono::seconds{1});
  EXPECT_EQ(c->edge.backoff_max, std::chrono::minutes{2});
  EXPECT_EQ(c->tunnel.mode, TunnelMode::route);
  EXPECT_EQ(c->tunnel.local_address.to_string(), "198.51.100.10");
  EXPECT_EQ(c->tunnel.remote_prefixes.at(0).to_string(), "10.0.0.0/16");
  EXPECT_EQ(c->tunnel.interface, "pqb0");
  EXPECT_EQ(c->tunnel.reqid, 0x7071'0000U);
  EXPECT_EQ(c->nat_traversal.mode, NatMode::automatic);
  EXPECT_EQ(c->nat_traversal.port, 4500);
  EXPECT_EQ(c->nat_traversal.keepalive, std::chrono::seconds{20});
  EXPECT_EQ(c->rotation.interval, std::chrono::hours{1});
  EXPECT_EQ(c->lifetime.soft_time, std::chrono::minutes{90});
  EXPECT_EQ(c->lifetime.hard_bytes, 0U);
  EXPECT_EQ(c->ownership.reqid_min, 0x7071'0000U);
  EXPECT_EQ(c->ownership.reqid_max, 0x7071'ffffU);
}

TEST(AgentConfig, SampleInPackagingLoads) {
  const auto path = test::source_dir() / "packaging" / "agent.toml";
  const auto c = load_agent_config(path);
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->edge.endpoints.size(), 2U);
  EXPECT_EQ(c->tunnel.if_id, 0x7071'0000U);
}

TEST(AgentConfig, ReadsEverySetting) {
  const auto c = parse_agent_config(R"(
state_directory = "/srv/pq"
log_level = "debug"
status_socket = "/run/pq.sock"
[tls]
certificate = "c.pem"
private_key = "k.pem"
ca = "ca.pem"
groups = ["SecP384r1MLKEM1024", "x25519", "P-256"]
allow_classical = true
[edge]
endpoints = ["[2001:db8::1]:443", "192.0.2.1:8443"]
name = "edge.example.net"
connect_timeout = "5s"
backoff_initial = "250ms"
backoff_max = "1m"
[tunnel]
mode = "policy"
local_address = "2001:db8:1::1"
remote_address = "2001:db8:2::1"
local_prefixes = ["10.1.0.0/16", "2001:db8:100::/48"]
remote_prefixes = ["172.16.0.0/12"]
reqid = 0x7071_0042
[nat_traversal]
mode = "force"
port = 14500
keepalive = "10s"
[rotation]
interval = "10m"
jitter = "30s"
[lifetime]
soft_time = "20m"
hard_time = "30m"
soft_bytes = "1GiB"
hard_bytes = "2GiB"
[ownership]
reqid_min = 0x7071_0040
reqid_max = 0x7071_004f
)",
                                    "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->log_level, spdlog::level::debug);
  EXPECT_EQ(c->tls.groups, (std::vector<std::string>{"SecP384r1MLKEM1024", "X25519", "secp256r1"}));
  EXPECT_TRUE(c->tls.allow_classical);
  EXPECT_EQ(c->edge.endpoints[0].to_string(), "[2001:db8::1]:443");
  EXPECT_EQ(c->edge.backoff_initial, std::chrono::milliseconds{250});
  EXPECT_EQ(c->tunnel.mode, TunnelMode::policy);
  EXPECT_EQ(c->tunnel.local_prefixes.size(), 2U);
  EXPECT_EQ(c->tunnel.reqid, 0x7071'0042U);
  EXPECT_EQ(c->nat_traversal.mode, NatMode::force);
  EXPECT_EQ(c->nat_traversal.port, 14500);
  EXPECT_EQ(c->lifetime.hard_bytes, 2ULL << 30);
  EXPECT_EQ(c->ownership.reqid_max, 0x7071'004fU);
}

TEST(AgentConfig, TunnelReqidDefaultsToTheOwnedRange) {
  const auto c = parse_agent_config(append("[ownership]\nreqid_min = 0x100\nreqid_max = 0x1ff\n"),
                                    "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->tunnel.reqid, 0x100U);
}

struct BadCase {
  const char* name;
  std::string text;
  errc code;
  std::string detail;  // the whole error detail: every problem, one per line
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class AgentConfigRejects : public testing::TestWithParam<BadCase> {};

TEST_P(AgentConfigRejects, NamingThePlace) {
  const auto& c = GetParam();
  const auto r = parse_agent_config(c.text, "agent.toml");
  ASSERT_FALSE(r.has_value()) << c.text;
  EXPECT_EQ(r.error().code, c.code) << r.error().detail;
  EXPECT_EQ(r.error().detail, c.detail);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AgentConfigRejects,
    testing::Values(
        BadCase{"bad_type", insert("[tls]", "allow_classical = \"yes\""), errc::wrong_type,
                "agent.toml:2:19: tls.allow_classical: expected a boolean (true or false), "
                "found a string"},
        BadCase{"unknown_top_level_key", insert("", "colour = \"blue\""), errc::unknown_key,
                "agent.toml:1:1: colour: unknown key"},
        BadCase{"unknown_nested_key", insert("[tunnel]", "mdoe = \"route\""), errc::unknown_key,
                "agent.toml:8:1: tunnel.mdoe: unknown key (did you mean \"mode\"?)"},
        BadCase{"unknown_table", append("[statistics]\nport = 9100\n"), errc::unknown_key,
                "agent.toml:12:2: statistics: unknown key"},
        BadCase{"unknown_key_in_inline_table",
                append("[rotation]\ninterval = \"10m\"\n") + "[lifetime]\nx = { y = 1 }\n",
                errc::unknown_key, "agent.toml:15:1: lifetime.x: unknown key"},
        BadCase{"bad_duration", append("[rotation]\ninterval = \"10x\"\n"), errc::bad_duration,
                "agent.toml:13:12: rotation.interval: duration \"10x\" has unknown unit \"x\" "
                "(use ms, s, m, h or d)"},
        BadCase{"duration_without_unit", append("[rotation]\ninterval = 600\n"), errc::wrong_type,
                "agent.toml:13:12: rotation.interval: expected a duration string with a unit, "
                "e.g. \"30s\", found an integer"},
        BadCase{"duration_too_short", append("[nat_traversal]\nkeepalive = \"500ms\"\n"),
                errc::out_of_range,
                "agent.toml:13:13: nat_traversal.keepalive: must be at least 1s"},
        BadCase{"bad_size", append("[lifetime]\nhard_bytes = \"1XB\"\n"), errc::bad_size,
                "agent.toml:13:14: lifetime.hard_bytes: size \"1XB\" has unknown unit \"XB\" "
                "(use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)"},
        BadCase{"negative_size", append("[lifetime]\nhard_bytes = -1\n"), errc::bad_size,
                "agent.toml:13:14: lifetime.hard_bytes: size -1 is negative"},
        BadCase{"bad_address", replace("\"198.51.100.10\"", "\"198.51.100.300\""),
                errc::bad_address,
                "agent.toml:8:17: tunnel.local_address: '198.51.100.300': not an IPv4 or IPv6 "
                "address"},
        BadCase{"bad_prefix", replace("\"10.1.0.0/16\"", "\"10.1.0.1/16\""), errc::bad_address,
                "agent.toml:10:19: tunnel.local_prefixes[0]: 10.1.0.1/16: prefix has host bits "
                "set"},
        BadCase{"bad_endpoint", replace("edge.example.net:8443", "edge.example.net"),
                errc::bad_endpoint,
                "agent.toml:6:14: edge.endpoints[0]: \"edge.example.net\" is not host:port "
                "(e.g. \"edge.example.net:8443\", \"192.0.2.1:8443\", \"[2001:db8::1]:8443\")"},
        BadCase{"address_endpoint_without_edge_name",
                replace("edge.example.net:8443", "192.0.2.1:8443"), errc::missing_key,
                "agent.toml:6:14: edge.endpoints[0]: \"192.0.2.1:8443\" is an IP address, so "
                "the edge's certificate cannot be checked against it: set edge.name to the DNS "
                "name (or IP address) the edge's certificate carries"},
        BadCase{"bad_edge_name", insert("[edge]", "name = \"edge_1.example\""), errc::bad_endpoint,
                "agent.toml:6:8: edge.name: \"edge_1.example\" is neither a DNS name nor an IP "
                "address"},
        BadCase{"classical_group_without_allow_classical",
                insert("[tls]", "groups = [\"X25519MLKEM768\", \"X25519\"]"),
                errc::classical_group_not_allowed,
                "agent.toml:2:29: tls.groups[1]: \"X25519\" is a classical group, not "
                "post-quantum; it is refused unless tls.allow_classical = true"},
        BadCase{"unknown_group", insert("[tls]", "groups = [\"MLKEM768\"]"), errc::unknown_group,
                "agent.toml:2:11: tls.groups[0]: unknown group \"MLKEM768\" (post-quantum "
                "hybrid groups: \"X25519MLKEM768\", \"SecP256r1MLKEM768\", "
                "\"SecP384r1MLKEM1024\")"},
        BadCase{"no_groups", insert("[tls]", "groups = []"), errc::invalid_value,
                "agent.toml:2:10: tls.groups: must name at least one group"},
        BadCase{"bad_choice", insert("[tunnel]", "mode = \"tunnel\""), errc::bad_choice,
                "agent.toml:8:8: tunnel.mode: expected one of \"route\", \"policy\""},
        BadCase{"port_out_of_range", append("[nat_traversal]\nport = 70000\n"), errc::out_of_range,
                "agent.toml:13:8: nat_traversal.port: 70000 is out of range (1..65535)"},
        BadCase{"missing_key", replace("ca = \"/etc/pqbranch/edge-ca.crt\"\n", ""),
                errc::missing_key, "agent.toml:1:1: tls: missing required key \"ca\""},
        BadCase{"missing_table", replace("[edge]\nendpoints = [\"edge.example.net:8443\"]\n", ""),
                errc::missing_key, "agent.toml: edge: missing required key \"endpoints\""},
        BadCase{"value_instead_of_table", insert("", "rotation = \"1h\""), errc::wrong_type,
                "agent.toml:1:12: rotation: expected a table ([rotation]), found a string"},
        BadCase{"soft_not_below_hard", append("[lifetime]\nsoft_time = \"3h\"\n"),
                errc::invalid_value,
                "agent.toml:13:13: lifetime.soft_time: must be shorter than lifetime.hard_time "
                "(3h >= 2h)"},
        BadCase{"default_soft_not_below_hard", append("[lifetime]\nhard_time = \"1h\"\n"),
                errc::invalid_value,
                "agent.toml:12:1: lifetime.soft_time: must be shorter than lifetime.hard_time "
                "(1h30m >= 1h)"},
        BadCase{"rotation_not_before_soft", append("[rotation]\ninterval = \"2h\"\n"),
                errc::invalid_value,
                "agent.toml:13:12: rotation.interval: interval + jitter (2h5m) must be shorter "
                "than lifetime.soft_time (1h30m)"},
        BadCase{"hard_bytes_without_soft", append("[lifetime]\nhard_bytes = \"1GiB\"\n"),
                errc::invalid_value,
                "agent.toml:12:1: lifetime.soft_bytes: must be set and smaller than "
                "lifetime.hard_bytes (0 vs 1GiB), so that rotation starts before the hard limit"},
        BadCase{"reqid_not_owned", insert("[tunnel]", "reqid = 7"), errc::invalid_value,
                "agent.toml:8:9: tunnel.reqid: 0x7 is outside the owned range [ownership] "
                "0x70710000..0x7071ffff"},
        BadCase{"prefixes_overlap", replace("\"10.0.0.0/16\"", "\"10.0.0.0/8\""),
                errc::invalid_value,
                "agent.toml:11:20: tunnel.remote_prefixes[0]: 10.0.0.0/8 overlaps 10.1.0.0/16 in "
                "tunnel.local_prefixes"},
        BadCase{"family_mismatch", replace("\"203.0.113.1\"", "\"2001:db8::1\""),
                errc::invalid_value,
                "agent.toml:9:18: tunnel.remote_address: must be of the same address family as "
                "tunnel.local_address"},
        BadCase{"bad_interface_name", insert("[tunnel]", "interface = \"a/b\""),
                errc::invalid_value,
                "agent.toml:8:13: tunnel.interface: must be a Linux interface name (1..15 bytes, "
                "no '/', ':' or spaces)"},
        BadCase{"several_problems_in_file_order",
                insert("[tunnel]", "mode = \"tunnel\"\nfoo = 1") + "[rotation]\njitter = 5\n",
                errc::bad_choice,
                "agent.toml:8:8: tunnel.mode: expected one of \"route\", \"policy\"\n"
                "agent.toml:9:1: tunnel.foo: unknown key\n"
                "agent.toml:15:10: rotation.jitter: expected a duration string with a unit, "
                "e.g. \"30s\", found an integer"},
        BadCase{"syntax_error", replace("[tunnel]", "[tunnel"), errc::syntax_error,
                "agent.toml:7:8: Error while parsing table header: expected ']', saw '\\n'"}),
    [](const testing::TestParamInfo<BadCase>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace pqbranch::config
