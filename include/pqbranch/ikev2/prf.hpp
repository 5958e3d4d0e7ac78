#pragma once
// Key material, part 1: the negotiated PRF (HMAC-SHA2, RFC 4868 §2) and prf+ (RFC 7296
// §2.13). Every output is key material, so every output is core::SecureBytes.

#include <cstddef>
#include <cstdint>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

// PRF output size = preferred key size: 32, 48, 64 bytes (RFC 4868 §2.1.2).
[[nodiscard]] std::size_t prf_size(IkePrf prf) noexcept;
// hmac_sha256/384/512, or errc::unsupported_algorithm for any other transform ID.
core::Result<IkePrf> check_prf(std::uint16_t transform_id);

// prf(key, data) = HMAC-SHA2-x(key, data).
core::Result<core::SecureBytes> prf(IkePrf id, std::span<const std::uint8_t> key,
                                    std::span<const std::uint8_t> data);

// prf+(K, S) = T1 | T2 | ..., T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), truncated to
// `length`. errc::invalid_argument for length 0 or beyond 255 blocks (§2.13).
core::Result<core::SecureBytes> prf_plus(IkePrf id, std::span<const std::uint8_t> key,
                                         std::span<const std::uint8_t> seed, std::size_t length);

}  // namespace pqbranch::ikev2
