#include "pqbranch/keysvc/edge_admission.hpp"

#include <gtest/gtest.h>

#include "fakes/ip_text.hpp"

namespace pqbranch::keysvc {
namespace {

using test::ip;

AdmissionLimits small() {
  AdmissionLimits l;
  l.max_connections = 6;
  l.max_unauthenticated = 4;
  l.max_handshakes = 2;
  l.max_per_source = 3;
  l.max_unauthenticated_per_source = 2;
  return l;
}

TEST(EdgeAdmission, PerSourceCapsRefuseTheNewcomerAndRecordNothing) {
  EdgeAdmission a(small());
  EXPECT_FALSE(a.admit(1, ip("192.0.2.1")).refused);
  EXPECT_FALSE(a.admit(2, ip("192.0.2.1")).refused);
  const Admission third = a.admit(3, ip("192.0.2.1"));
  ASSERT_TRUE(third.refused);
  EXPECT_EQ(*third.refused, AdmissionRefusal::per_source_unauthenticated);
  EXPECT_FALSE(third.evict);
  EXPECT_FALSE(a.contains(3));
  // Once one is a site's, the source may open another unauthenticated one...
  a.begin_handshake(1);
  a.handshake_done(1, true);
  EXPECT_FALSE(a.admit(4, ip("192.0.2.1")).refused);
  // ...but no more than max_per_source in all.
  a.begin_handshake(2);
  a.handshake_done(2, true);
  const Admission fifth = a.admit(5, ip("192.0.2.1"));
  ASSERT_TRUE(fifth.refused);
  EXPECT_EQ(*fifth.refused, AdmissionRefusal::per_source);
  // Another address is not affected.
  EXPECT_FALSE(a.admit(6, ip("192.0.2.2")).refused);
}

TEST(EdgeAdmission, AFullUnauthenticatedPoolEvictsTheOldestOfTheBusiestSource) {
  EdgeAdmission a(small());
  ASSERT_FALSE(a.admit(1, ip("198.51.100.1")).refused);
  ASSERT_FALSE(a.admit(2, ip("203.0.113.7")).refused);  // the flood
  ASSERT_FALSE(a.admit(3, ip("203.0.113.7")).refused);
  ASSERT_FALSE(a.admit(4, ip("203.0.113.8")).refused);
  EXPECT_EQ(a.unauthenticated(), 4U);
  // A site's agent arrives: the oldest of 203.0.113.7 (two held) goes, not the older
  // connection 1 of an address that holds one.
  const Admission agent = a.admit(5, ip("192.0.2.1"));
  EXPECT_FALSE(agent.refused);
  ASSERT_TRUE(agent.evict);
  EXPECT_EQ(*agent.evict, 2U);
  EXPECT_FALSE(a.contains(2));
  EXPECT_EQ(a.unauthenticated(), 4U);
  // Ties between sources holding one each: the oldest connection overall.
  ASSERT_EQ(a.admit(6, ip("203.0.113.9")).evict, 1U);
  EXPECT_TRUE(a.contains(5));
}

TEST(EdgeAdmission, SitesKeepWhatUnauthenticatedConnectionsCannotTake) {
  EdgeAdmission a(small());
  for (rotation::ConnectionId c = 1; c <= 2; ++c) {
    ASSERT_FALSE(a.admit(c, ip(c == 1 ? "192.0.2.1" : "192.0.2.2")).refused);
    a.begin_handshake(c);
    a.handshake_done(c, true);
  }
  EXPECT_EQ(a.unauthenticated(), 0U);
  // Four unauthenticated ones fill their pool; the fifth evicts, never a site's.
  for (rotation::ConnectionId c = 3; c <= 6; ++c)
    ASSERT_FALSE(a.admit(c, ip(c % 2 == 0 ? "203.0.113.1" : "203.0.113.2")).refused);
  const Admission more = a.admit(7, ip("203.0.113.3"));
  ASSERT_TRUE(more.evict);
  EXPECT_EQ(*more.evict, 3U);
  EXPECT_EQ(a.connections(), 6U);
  // Every connection a site's: nothing to evict, the newcomer is refused.
  EdgeAdmission full(small());
  for (rotation::ConnectionId c = 1; c <= 6; ++c) {
    const std::string addr = "192.0.2." + std::to_string(c);
    ASSERT_FALSE(full.admit(c, ip(addr.c_str())).refused);
    full.begin_handshake(c);
    full.handshake_done(c, true);
  }
  const Admission refused = full.admit(7, ip("192.0.2.99"));
  ASSERT_TRUE(refused.refused);
  EXPECT_EQ(*refused.refused, AdmissionRefusal::max_connections);
}

TEST(EdgeAdmission, HandshakesAreBoundedAndTheBusiestSourcesOldestGoesFirst) {
  EdgeAdmission a(small());
  ASSERT_FALSE(a.admit(1, ip("203.0.113.7")).refused);
  ASSERT_FALSE(a.admit(2, ip("203.0.113.7")).refused);
  ASSERT_FALSE(a.admit(3, ip("192.0.2.1")).refused);
  EXPECT_FALSE(a.begin_handshake(1));
  EXPECT_FALSE(a.begin_handshake(2));
  EXPECT_EQ(a.handshakes(), 2U);
  // The agent's ClientHello: one of the flood's handshakes makes room.
  EXPECT_EQ(a.begin_handshake(3), 1U);
  EXPECT_EQ(a.handshakes(), 2U);
  EXPECT_FALSE(a.contains(1));
  // A connection whose handshake ended (as a site or not) holds no handshake.
  a.handshake_done(3, true);
  EXPECT_EQ(a.handshakes(), 1U);
  a.handshake_done(2, false);
  EXPECT_EQ(a.handshakes(), 0U);
  EXPECT_EQ(a.unauthenticated(), 1U);  // 2 is still nobody's
  // begin_handshake twice, or for an unknown connection, changes nothing.
  EXPECT_FALSE(a.begin_handshake(2));
  EXPECT_FALSE(a.begin_handshake(42));
  EXPECT_EQ(a.handshakes(), 0U);
}

TEST(EdgeAdmission, CloseForgetsEveryCountAndIsIdempotent) {
  EdgeAdmission a(small());
  ASSERT_FALSE(a.admit(1, ip("192.0.2.1")).refused);
  ASSERT_FALSE(a.admit(2, ip("192.0.2.1")).refused);
  a.begin_handshake(1);
  a.close(1);
  a.close(1);
  a.close(77);
  EXPECT_EQ(a.connections(), 1U);
  EXPECT_EQ(a.unauthenticated(), 1U);
  EXPECT_EQ(a.handshakes(), 0U);
  a.close(2);
  EXPECT_EQ(a.connections(), 0U);
  // The source is forgotten: it may open its full share again.
  EXPECT_FALSE(a.admit(3, ip("192.0.2.1")).refused);
  EXPECT_FALSE(a.admit(4, ip("192.0.2.1")).refused);
}

TEST(EdgeAdmission, AnIpv6SourceIsItsSlash64) {
  EXPECT_EQ(EdgeAdmission::source_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
  EXPECT_EQ(EdgeAdmission::source_key(ip("192.0.2.7")), ip("192.0.2.7"));
  EdgeAdmission a(small());
  ASSERT_FALSE(a.admit(1, ip("2001:db8:1:2::1")).refused);
  ASSERT_FALSE(a.admit(2, ip("2001:db8:1:2::2")).refused);
  const Admission third = a.admit(3, ip("2001:db8:1:2:ffff::3"));
  ASSERT_TRUE(third.refused);
  EXPECT_EQ(*third.refused, AdmissionRefusal::per_source_unauthenticated);
  EXPECT_FALSE(a.admit(4, ip("2001:db8:1:3::1")).refused);
}

}  // namespace
}  // namespace pqbranch::keysvc
