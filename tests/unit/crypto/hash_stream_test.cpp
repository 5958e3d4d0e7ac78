#include <gtest/gtest.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/hash.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::crypto {
namespace {

using test::as_bytes;
using test::to_hex;

TEST(HashStream, PiecesGiveTheDigestOfTheWhole) {
  const std::string text(10000, 'q');
  for (const auto h : {Hash::sha256, Hash::sha384, Hash::sha512}) {
    auto stream = HashStream::create(h).value();
    const auto all = as_bytes(text);
    for (std::size_t at = 0; at < all.size(); at += 999) {
      ASSERT_TRUE(stream.update(all.subspan(at, std::min<std::size_t>(999, all.size() - at))));
    }
    EXPECT_EQ(stream.finish().value(), digest(h, all).value());
  }
}

// FIPS 180-2 appendix B.1: SHA-256("abc").
TEST(HashStream, Sha256OfAbcInTwoPieces) {
  auto stream = HashStream::create(Hash::sha256).value();
  ASSERT_TRUE(stream.update(as_bytes("a")));
  ASSERT_TRUE(stream.update(as_bytes("bc")));
  EXPECT_EQ(to_hex(stream.finish().value()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashStream, EndsAtFinish) {
  auto stream = HashStream::create(Hash::sha256).value();
  ASSERT_TRUE(stream.finish());
  EXPECT_EQ(stream.update(as_bytes("x")).error(), errc::invalid_argument);
  EXPECT_EQ(stream.finish().error(), errc::invalid_argument);
}

}  // namespace
}  // namespace pqbranch::crypto
