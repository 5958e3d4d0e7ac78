#include "pqbranch/wire/nat_hello.hpp"

#include <array>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/keysvc/exporter_context.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {
namespace {

NatToken sample_token() {
  NatToken t{};
  for (std::size_t i = 0; i < t.size(); ++i)
    t[i] = static_cast<std::uint8_t>(0xa0 + i);
  return t;
}

core::SecureBytes sample_key(std::uint8_t first = 0) {
  std::array<std::uint8_t, kNatKeyBytes> k{};
  for (std::size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<std::uint8_t>(first + i);
  return core::SecureBytes(k);
}

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (const auto b : bytes)
    out += fmt::format("{:02x}", b);
  return out;
}

TEST(NatHello, MatchesTheDocumentedLayoutAndAnIndependentHmac) {
  const auto datagram = encode_nat_hello(sample_token(), sample_key());
  ASSERT_TRUE(datagram.has_value()) << datagram.error().message();
  // Marker, "PQBH", version 1, type 1, reserved 0, token; then HMAC-SHA256 over those 28
  // octets with key 00..1f, computed independently (Python's hmac module).
  EXPECT_EQ(hex(std::span(*datagram).first(kNatHelloMacOffset)),
            "00000000"
            "50514248"
            "0101"
            "0000"
            "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  EXPECT_EQ(hex(std::span(*datagram).subspan(kNatHelloMacOffset)),
            "59ee4503a8cb81cc4cb2e490597509ddcb50a40c5dbbc79f2959284c8c88a2bd");
}

TEST(NatHello, DecodesAndVerifiesWhatItEncodes) {
  const auto key = sample_key();
  const auto datagram = encode_nat_hello(sample_token(), key).value();
  const auto hello = decode_nat_hello(datagram);
  ASSERT_TRUE(hello.has_value()) << hello.error().message();
  EXPECT_EQ(hello->token, sample_token());
  EXPECT_TRUE(verify_nat_hello(*hello, key).has_value());
}

TEST(NatHello, VerifyRefusesAnotherKeyOrAnAlteredTokenOrMac) {
  const auto key = sample_key();
  const auto hello = decode_nat_hello(encode_nat_hello(sample_token(), key).value()).value();
  EXPECT_EQ(verify_nat_hello(hello, sample_key(1)).error().code, errc::bad_mac);
  auto other_token = hello;
  other_token.token[15] ^= 0x01;
  EXPECT_EQ(verify_nat_hello(other_token, key).error().code, errc::bad_mac);
  auto other_mac = hello;
  other_mac.mac[0] ^= 0x80;
  EXPECT_EQ(verify_nat_hello(other_mac, key).error().code, errc::bad_mac);
}

TEST(NatHello, KeysOfTheWrongSizeAreRefused) {
  const core::SecureBytes short_key(std::size_t{16});
  EXPECT_EQ(encode_nat_hello(sample_token(), short_key).error().code, errc::bad_key);
  const auto hello =
      decode_nat_hello(encode_nat_hello(sample_token(), sample_key()).value()).value();
  EXPECT_EQ(verify_nat_hello(hello, core::SecureBytes{}).error().code, errc::bad_key);
}

TEST(NatHello, DecodeIsStrictAboutEveryHeaderOctet) {
  const auto good = encode_nat_hello(sample_token(), sample_key()).value();
  // Truncated, extended, empty and a keepalive byte.
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, kNatHelloSize - 1}) {
    EXPECT_EQ(decode_nat_hello(std::span(good).first(size)).error().code, errc::bad_length);
  }
  std::array<std::uint8_t, kNatHelloSize + 1> longer{};
  std::copy(good.begin(), good.end(), longer.begin());
  EXPECT_EQ(decode_nat_hello(longer).error().code, errc::bad_length);
  const std::array<std::uint8_t, 1> keepalive{kNatKeepalive};
  EXPECT_EQ(decode_nat_hello(keepalive).error().code, errc::bad_length);

  // Each header octet altered in turn.
  const std::pair<std::size_t, errc> octets[] = {
      {0, errc::bad_marker}, {3, errc::bad_marker},          {4, errc::bad_magic},
      {7, errc::bad_magic},  {8, errc::unsupported_version}, {9, errc::bad_value},
      {10, errc::bad_value}, {11, errc::bad_value},
  };
  for (const auto& [offset, expected] : octets) {
    auto bad = good;
    bad[offset] ^= 0x01;
    const auto r = decode_nat_hello(bad);
    ASSERT_FALSE(r.has_value()) << offset;
    EXPECT_EQ(r.error().code, expected) << offset;
  }
}

}  // namespace
}  // namespace pqbranch::wire
