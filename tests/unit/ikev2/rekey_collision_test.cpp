// The nonce rule of RFC 7296 §2.8.1: octet by octet, a nonce that ends first is the lower.
#include "pqbranch/ikev2/rekey_collision.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace pqbranch::ikev2 {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(RekeyCollisionTest, TheLowerNonceIsTheFirstToDifferDownward) {
  EXPECT_EQ(lower_nonce(Bytes{0x02, 0x00}, Bytes{0x01, 0xff}), (Bytes{0x01, 0xff}));
  EXPECT_EQ(lower_nonce(Bytes{0x01, 0x01}, Bytes{0x01, 0x02}), (Bytes{0x01, 0x01}));
}

TEST(RekeyCollisionTest, ANonceThatEndsWhileEqualIsTheLower) {
  EXPECT_EQ(lower_nonce(Bytes{0x05, 0x00, 0x00}, Bytes{0x05, 0x00}), (Bytes{0x05, 0x00}));
  EXPECT_TRUE(has_lowest_nonce(Bytes{0xff, 0xff}, Bytes{0xff}, Bytes{0xff, 0x00}));
}

TEST(RekeyCollisionTest, NoncesAreNotComparedAsIntegers) {
  // 0x0100 is the larger integer, but its first octet is the lower.
  EXPECT_EQ(lower_nonce(Bytes{0x02}, Bytes{0x01, 0x00}), (Bytes{0x01, 0x00}));
}

TEST(RekeyCollisionTest, TheExchangeWithTheLowestOfTheFourNoncesLoses) {
  const Bytes a{0x10}, b{0x20}, c{0x30}, d{0x40};
  EXPECT_TRUE(has_lowest_nonce(a, d, lower_nonce(b, c)));   // its Ni
  EXPECT_TRUE(has_lowest_nonce(d, a, lower_nonce(b, c)));   // its Nr
  EXPECT_FALSE(has_lowest_nonce(b, c, lower_nonce(a, d)));  // the other's
  EXPECT_FALSE(has_lowest_nonce(c, b, lower_nonce(d, a)));
}

}  // namespace
}  // namespace pqbranch::ikev2
