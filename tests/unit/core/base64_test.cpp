#include "pqbranch/core/base64.hpp"

#include <gtest/gtest.h>

#include "fakes/hex.hpp"

namespace pqbranch::core {
namespace {

using test::as_bytes;

// RFC 4648 §10.
TEST(Base64, Rfc4648TestVectorsBothWays) {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    auto back = base64_decode(encoded);
    ASSERT_TRUE(back) << encoded;
    EXPECT_EQ(std::string(back->begin(), back->end()), plain);
  }
}

TEST(Base64, EveryByteValueRoundTrips) {
  std::vector<std::uint8_t> all(256);
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<std::uint8_t>(255 - i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::span part(all.data(), n);
    EXPECT_EQ(base64_decode(base64_encode(part)).value(),
              std::vector<std::uint8_t>(part.begin(), part.end()));
  }
}

TEST(Base64, OnlyTheCanonicalSpellingDecodes) {
  for (const auto* bad : {"Zg", "Zg=", "Zh==", "Zm9=", "Zm8=Zm8=", "Zm 9v", "Zm9v\n", "Zm-_",
                          "=Zm9", "Z===", "===="}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace pqbranch::core
