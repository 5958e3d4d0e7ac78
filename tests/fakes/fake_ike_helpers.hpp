#pragma once
// Small pieces the FakeIkeResponder's files share (internal to the fake).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"
#include "pqbranch/ikev2/sa_payload.hpp"

namespace pqbranch::test::fake_ike {

inline core::Error bad(const std::string& why) {
  return core::make_error(ikev2::errc::bad_value, "fake responder: " + why);
}

inline std::uint32_t spi_of(const std::vector<std::uint8_t>& b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         b[3];
}

inline std::vector<std::uint8_t> bytes_of(std::uint32_t spi) {
  return {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
          static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
}

inline std::optional<ikev2::KeMethod> method_of(const ikev2::Proposal& p,
                                                ikev2::TransformType type) {
  for (const auto& t : p.transforms) {
    if (t.type == type && t.id != 0) return static_cast<ikev2::KeMethod>(t.id);
  }
  return std::nullopt;
}

// `chosen` when a test set it, else a fresh random nonce.
inline core::Result<ikev2::NoncePayload> nonce_or(const std::vector<std::uint8_t>& chosen) {
  if (!chosen.empty()) return ikev2::NoncePayload{chosen};
  return ikev2::make_nonce(32);
}

// The lower of an exchange's two nonces, octet by octet (RFC 7296 §2.8.1).
inline std::vector<std::uint8_t> lower_of(const std::vector<std::uint8_t>& a,
                                          const std::vector<std::uint8_t>& b) {
  return std::ranges::lexicographical_compare(b, a) ? b : a;
}

inline core::SecureBytes joined(const core::SecureBytes& a, const core::SecureBytes& b) {
  core::SecureBytes out(a.size() + b.size());
  std::ranges::copy(a.span(), out.span().begin());
  std::ranges::copy(b.span(), out.span().begin() + static_cast<std::ptrdiff_t>(a.size()));
  return out;
}

}  // namespace pqbranch::test::fake_ike
