#include "pqbranch/crypto/ticket_key_ring.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "pqbranch/crypto/error.hpp"

namespace pqbranch::crypto {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class TicketKeyRingTest : public ::testing::Test {
 protected:
  TicketKeyRing make(hours rotation = hours(6), hours max_age = hours(24)) {
    auto ring = TicketKeyRing::create([this] { return now_; }, rotation, max_age);
    EXPECT_TRUE(ring);
    return std::move(*ring);
  }
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

TEST_F(TicketKeyRingTest, KeepsTheCurrentKeyUntilTheRotationInterval) {
  auto ring = make();
  const auto first = ring.current();
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->cipher_key.size(), 32U);
  EXPECT_EQ((*first)->mac_key.size(), 32U);
  now_ += hours(5) + minutes(59);
  EXPECT_EQ(ring.current().value(), *first);
  EXPECT_EQ(ring.size(), 1U);
}

TEST_F(TicketKeyRingTest, RotatesToAFreshRandomKeyAndKeepsThePreviousForDecryption) {
  auto ring = make();
  const auto name1 = ring.current().value()->name;
  now_ += hours(6);
  const TicketKey* second = ring.current().value();
  EXPECT_NE(second->name, name1);
  EXPECT_EQ(ring.size(), 2U);
  const auto old = ring.find(name1);
  ASSERT_TRUE(old.has_value());
  EXPECT_FALSE(old->is_current);
  const auto cur = ring.find(second->name);
  ASSERT_TRUE(cur.has_value());
  EXPECT_TRUE(cur->is_current);
}

TEST_F(TicketKeyRingTest, WipesKeysOlderThanTheMaximumAge) {
  auto ring = make();
  const auto name1 = ring.current().value()->name;
  now_ += hours(23) + minutes(59);
  EXPECT_TRUE(ring.find(name1).has_value());
  now_ += minutes(1);
  EXPECT_FALSE(ring.find(name1).has_value());
  EXPECT_EQ(ring.size(), 0U);
}

TEST_F(TicketKeyRingTest, UnknownNameIsNotFound) {
  auto ring = make();
  ASSERT_TRUE(ring.current());
  const std::array<std::uint8_t, 16> other{};
  EXPECT_FALSE(ring.find(other).has_value());
}

TEST_F(TicketKeyRingTest, RefusesARotationLongerThanTheMaximumAgeOrNotPositive) {
  const WallClock clock = [this] { return now_; };
  EXPECT_EQ(TicketKeyRing::create(clock, hours(25), hours(24)).error(), errc::invalid_argument);
  EXPECT_EQ(TicketKeyRing::create(clock, hours(0), hours(24)).error(), errc::invalid_argument);
  EXPECT_TRUE(TicketKeyRing::create(clock, hours(24), hours(24)));
}

}  // namespace
}  // namespace pqbranch::crypto
