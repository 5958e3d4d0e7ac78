#include "pqbranch/keysvc/edge_connections.hpp"

#include <gtest/gtest.h>

#include "pqbranch/keysvc/exporter_context.hpp"

namespace pqbranch::keysvc {
namespace {

using namespace std::chrono_literals;

const rotation::TimePoint kT0{std::chrono::hours(1)};

core::SecureBytes key(std::uint8_t fill) {
  core::SecureBytes k(wire::kNatKeyBytes);
  for (std::size_t i = 0; i < k.size(); ++i)
    k.data()[i] = fill;
  return k;
}

wire::NatToken token(std::uint8_t fill) {
  wire::NatToken t{};
  t.fill(fill);
  return t;
}

wire::NatHello hello(const wire::NatToken& t, const core::SecureBytes& k) {
  const auto datagram = wire::encode_nat_hello(t, k).value();
  return wire::decode_nat_hello(datagram).value();
}

const rotation::NatMapping kFrom{core::IpAddress::parse("203.0.113.5").value(), 40001};
const rotation::NatMapping kOther{core::IpAddress::parse("203.0.113.6").value(), 40002};

TEST(EdgeConnections, TheFirstValidHelloOfALiveTokenWins) {
  EdgeConnections c;
  c.open(7);
  ASSERT_TRUE(c.set_token(7, token(1), key(0xaa), kT0 + 60s));
  rotation::ConnectionId who = 0;
  EXPECT_EQ(c.hello(hello(token(1), key(0xbb)), kOther, kT0, &who), HelloVerdict::bad_mac);
  EXPECT_EQ(who, 0U);
  EXPECT_FALSE(c.find(7)->hello.has_value());
  EXPECT_EQ(c.hello(hello(token(1), key(0xaa)), kFrom, kT0, &who), HelloVerdict::accepted);
  EXPECT_EQ(who, 7U);
  EXPECT_EQ(c.find(7)->hello, kFrom);
  // A replay from elsewhere does not move the mapping.
  EXPECT_EQ(c.hello(hello(token(1), key(0xaa)), kOther, kT0), HelloVerdict::repeated);
  EXPECT_EQ(c.find(7)->hello, kFrom);
}

TEST(EdgeConnections, UnknownExpiredLateAndClosedTokensAreIgnored) {
  EdgeConnections c;
  c.open(1);
  c.open(2);
  ASSERT_TRUE(c.set_token(1, token(1), key(1), kT0 + 60s));
  ASSERT_TRUE(c.set_token(2, token(2), key(2), kT0 + 60s));
  EXPECT_EQ(c.hello(hello(token(9), key(1)), kFrom, kT0), HelloVerdict::unknown_token);
  EXPECT_EQ(c.hello(hello(token(1), key(1)), kFrom, kT0 + 60s), HelloVerdict::expired);
  c.mark_requested(2);
  EXPECT_EQ(c.hello(hello(token(2), key(2)), kFrom, kT0), HelloVerdict::too_late);
  c.close(1);
  EXPECT_EQ(c.hello(hello(token(1), key(1)), kFrom, kT0), HelloVerdict::unknown_token);
  EXPECT_EQ(c.find(1), nullptr);
  EXPECT_EQ(c.size(), 1U);
}

TEST(EdgeConnections, ATokenBelongsToOneConnection) {
  EdgeConnections c;
  c.open(1);
  c.open(2);
  EXPECT_FALSE(c.set_token(3, token(1), key(1), kT0));  // no such connection
  ASSERT_TRUE(c.set_token(1, token(1), key(1), kT0 + 60s));
  EXPECT_FALSE(c.set_token(2, token(1), key(2), kT0 + 60s));
  // A new token replaces the connection's old one.
  ASSERT_TRUE(c.set_token(1, token(3), key(3), kT0 + 60s));
  EXPECT_EQ(c.hello(hello(token(1), key(1)), kFrom, kT0), HelloVerdict::unknown_token);
  EXPECT_EQ(c.hello(hello(token(3), key(3)), kFrom, kT0), HelloVerdict::accepted);
}

}  // namespace
}  // namespace pqbranch::keysvc
