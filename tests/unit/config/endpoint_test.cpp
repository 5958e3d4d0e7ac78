#include "pqbranch/config/endpoint.hpp"

#include <gtest/gtest.h>

#include "pqbranch/config/groups.hpp"

namespace pqbranch::config {
namespace {

TEST(Endpoint, ParsesNamesAndAddresses) {
  const struct {
    const char* text;
    const char* host;
    std::uint16_t port;
  } cases[] = {
      {"edge.example.net:8443", "edge.example.net", 8443},
      {"edge-1:1", "edge-1", 1},
      {"192.0.2.1:65535", "192.0.2.1", 65535},
      {"[2001:db8::1]:443", "2001:db8::1", 443},
  };
  for (const auto& c : cases) {
    const auto e = Endpoint::parse(c.text);
    ASSERT_TRUE(e.has_value()) << c.text << ": " << e.error().message();
    EXPECT_EQ(e->host, c.host);
    EXPECT_EQ(e->port, c.port);
    EXPECT_EQ(e->to_string(), c.text);
  }
}

TEST(Endpoint, RejectsWithReason) {
  const struct {
    const char* text;
    const char* why;
  } cases[] = {
      {"edge.example.net", "is not host:port"},
      {"edge.example.net:", "has no valid port"},
      {"edge.example.net:0", "has no valid port"},
      {"edge.example.net:65536", "has no valid port"},
      {"edge.example.net:84a3", "has no valid port"},
      {":8443", "has an invalid host name"},
      {"-edge:8443", "has an invalid host name"},
      {"edge..net:8443", "has an invalid host name"},
      {"edge_1:8443", "has an invalid host name"},
      {"192.0.2.300:8443", "has an invalid host name"},
      {"2001:db8::1:8443", "has an IPv6 address without brackets"},
      {"[2001:db8::1]8443", "is not host:port"},
      {"[192.0.2.1]:8443", "has brackets around a non-IPv6 host"},
      {"[edge]:8443", "has brackets around a non-IPv6 host"},
  };
  for (const auto& c : cases) {
    const auto e = Endpoint::parse(c.text);
    ASSERT_FALSE(e.has_value()) << c.text;
    EXPECT_EQ(e.error().code, errc::bad_endpoint) << c.text;
    EXPECT_NE(e.error().detail.find(c.why), std::string::npos) << e.error().detail;
    EXPECT_EQ(e.error().detail.rfind(std::string("\"") + c.text + "\" ", 0), 0U)
        << e.error().detail;
  }
}

TEST(SocketAddress, NeedsAnAddress) {
  const auto v6 = SocketAddress::parse("[::]:8443");
  ASSERT_TRUE(v6.has_value());
  EXPECT_FALSE(v6->address.is_v4());
  EXPECT_EQ(v6->to_string(), "[::]:8443");
  const auto name = SocketAddress::parse("edge.example.net:8443");
  ASSERT_FALSE(name.has_value());
  EXPECT_EQ(name.error().code, errc::bad_address);
  EXPECT_EQ(SocketAddress::parse("0.0.0.0").error().code, errc::bad_endpoint);
}

TEST(Groups, KnowsHybridAndClassicalNames) {
  for (const auto name : kHybridGroups) {
    const auto g = lookup_group(name);
    ASSERT_TRUE(g.has_value()) << name;
    EXPECT_EQ(g->kind, GroupKind::hybrid);
    EXPECT_EQ(g->canonical, name);
  }
  const auto lower = lookup_group("x25519mlkem768");
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->canonical, "X25519MLKEM768");
  const auto p256 = lookup_group("P-256");
  ASSERT_TRUE(p256.has_value());
  EXPECT_EQ(p256->kind, GroupKind::classical);
  EXPECT_EQ(p256->canonical, "secp256r1");
  EXPECT_EQ(lookup_group("X25519")->kind, GroupKind::classical);
  EXPECT_FALSE(lookup_group("MLKEM768").has_value());  // pure ML-KEM is not offered
  EXPECT_FALSE(lookup_group("").has_value());
}

}  // namespace
}  // namespace pqbranch::config
