#pragma once
// Private to src/ikev2: the AES-GCM-16-256 protection (RFC 5282) of an Encrypted payload's
// content, shared by SK (sk_payload.cpp) and SKF (skf_payload.cpp; RFC 7383 §2.5: a
// fragment is protected exactly like SK, its AAD ending after Total Fragments), and the
// RFC 9242 IntAuth octets of a protected message.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/header.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

namespace pqbranch::ikev2::detail {

// errc::bad_key unless `sk_e` is 36 bytes (key ‖ salt).
core::Result<void> check_sk_key(std::span<const std::uint8_t> sk_e);

// IV ‖ ciphertext ‖ ICV for `content` bytes of plaintext (Pad Length 0, no padding).
[[nodiscard]] constexpr std::size_t protected_size(std::size_t content) noexcept {
  return kSkIvSize + content + 1 + kSkIcvSize;
}

// Appends IV ‖ E(content ‖ Pad Length 0) ‖ ICV to `out`; the bytes already in `out` are the
// AAD (RFC 5282 §5.1). `iv` must never repeat under one key.
core::Result<void> append_protected(std::vector<std::uint8_t>& out,
                                    std::span<const std::uint8_t> sk_e, std::uint64_t iv,
                                    std::span<const std::uint8_t> content);

// The content of IV ‖ ciphertext ‖ ICV, padding and Pad Length removed. `what` names the
// payload in errors: truncated, integrity_check_failed (nothing released), bad_length (a Pad
// Length beyond the plaintext).
core::Result<core::SecureBytes> open_protected(std::span<const std::uint8_t> sk_e,
                                               std::span<const std::uint8_t> aad,
                                               std::span<const std::uint8_t> body,
                                               const char* what);

// RFC 9242 §3.4: the bytes up to the end of the SK generic header and that generic header with
// both Length fields covering only themselves and the inner payloads, then the inner payloads.
std::vector<std::uint8_t> int_auth_octets(std::span<const std::uint8_t> up_to_sk_header,
                                          std::span<const std::uint8_t> inner);

// The same for a message sent as one SK payload after `h` (no payloads before SK): what a
// fragmented message's IntAuth octets are, computed as if it had not been fragmented.
std::vector<std::uint8_t> int_auth_octets(const Header& h, PayloadType first_inner,
                                          std::span<const std::uint8_t> inner);

}  // namespace pqbranch::ikev2::detail
