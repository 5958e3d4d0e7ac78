#include "pqbranch/wire/nat_hello.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {
namespace {

constexpr std::array<std::uint8_t, 4> kMarker{0x00, 0x00, 0x00, 0x00};
constexpr std::array<std::uint8_t, 4> kMagic{'P', 'Q', 'B', 'H'};
constexpr std::size_t kMagicOffset = 4;
constexpr std::size_t kVersionOffset = 8;
constexpr std::size_t kTypeOffset = 9;
constexpr std::size_t kReservedOffset = 10;
constexpr std::size_t kTokenOffset = 12;

using SignedPart = std::array<std::uint8_t, kNatHelloMacOffset>;

// Octets 0..27: everything but the HMAC, which a token fully determines.
SignedPart signed_part(const NatToken& token) {
  SignedPart out{};
  std::copy(kMarker.begin(), kMarker.end(), out.begin());
  std::copy(kMagic.begin(), kMagic.end(), out.begin() + kMagicOffset);
  out[kVersionOffset] = kNatHelloVersion;
  out[kTypeOffset] = kNatHelloType;
  out[kReservedOffset] = 0;
  out[kReservedOffset + 1] = 0;
  std::copy(token.begin(), token.end(), out.begin() + kTokenOffset);
  return out;
}

core::Result<NatHelloMac> hmac_sha256(const core::SecureBytes& key, const SignedPart& data) {
  if (key.size() != kNatKeyBytes) {
    return core::make_error(errc::bad_key, std::to_string(key.size()) + " bytes");
  }
  auto full = crypto::hmac(crypto::Hash::sha256, key.span(), data);
  if (!full || full->size() != NatHelloMac{}.size()) {
    return core::make_error(errc::crypto_failure, "HMAC-SHA256");
  }
  NatHelloMac mac{};
  std::copy_n(full->data(), mac.size(), mac.begin());
  return mac;
}

}  // namespace

core::Result<NatHelloDatagram> encode_nat_hello(const NatToken& token,
                                                const core::SecureBytes& key) {
  const auto head = signed_part(token);
  auto mac = hmac_sha256(key, head);
  if (!mac) return mac.error();
  NatHelloDatagram out{};
  std::copy(head.begin(), head.end(), out.begin());
  std::copy(mac->begin(), mac->end(), out.begin() + kNatHelloMacOffset);
  return out;
}

core::Result<NatHello> decode_nat_hello(std::span<const std::uint8_t> datagram) {
  if (datagram.size() != kNatHelloSize) {
    return core::make_error(errc::bad_length, std::to_string(datagram.size()) + " bytes, want " +
                                                  std::to_string(kNatHelloSize));
  }
  if (!std::equal(kMarker.begin(), kMarker.end(), datagram.begin())) {
    return core::make_error(errc::bad_marker);
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), datagram.begin() + kMagicOffset)) {
    return core::make_error(errc::bad_magic);
  }
  if (datagram[kVersionOffset] != kNatHelloVersion) {
    return core::make_error(errc::unsupported_version,
                            "NAT hello version " + std::to_string(datagram[kVersionOffset]));
  }
  if (datagram[kTypeOffset] != kNatHelloType) {
    return core::make_error(errc::bad_value,
                            "NAT hello type " + std::to_string(datagram[kTypeOffset]));
  }
  if (datagram[kReservedOffset] != 0 || datagram[kReservedOffset + 1] != 0) {
    return core::make_error(errc::bad_value, "NAT hello reserved octets not zero");
  }
  NatHello hello;
  std::copy_n(datagram.begin() + kTokenOffset, hello.token.size(), hello.token.begin());
  std::copy_n(datagram.begin() + kNatHelloMacOffset, hello.mac.size(), hello.mac.begin());
  return hello;
}

core::Result<void> verify_nat_hello(const NatHello& hello, const core::SecureBytes& key) {
  auto expected = hmac_sha256(key, signed_part(hello.token));
  if (!expected) return expected.error();
  if (!core::constant_time_equal(*expected, hello.mac)) {
    return core::make_error(errc::bad_mac);
  }
  return {};
}

}  // namespace pqbranch::wire
