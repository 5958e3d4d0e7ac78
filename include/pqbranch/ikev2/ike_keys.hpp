#pragma once
// Key material, part 2: SKEYSEED and the IKE SA keys (RFC 7296 §2.14), and their update
// after each additional key exchange (RFC 9370 §2.2.2).
//
//   SKEYSEED = prf(Ni | Nr, g^ir)
//   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
//   after additional exchange n (shared secret SK(n)), with the IKE_SA_INIT nonces and the
//   unchanged SPIs:
//   SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr), then the same prf+.
//
// With an AEAD (AES-GCM) there is no integrity key: SK_ai and SK_ar are empty (§2.14,
// RFC 5282 §7). For HMAC PRFs the full Ni | Nr is the key (§2.14's halving applies only to
// fixed-key PRFs).

#include <cstddef>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/constants.hpp"
#include "pqbranch/ikev2/header.hpp"

namespace pqbranch::ikev2 {

struct IkeKeySizes {
  std::size_t encr = 36;  // AES-GCM-16-256: 32-byte key ‖ 4-byte salt
  std::size_t integ = 0;  // none with an AEAD
};

struct IkeKeys {
  IkePrf prf = IkePrf::hmac_sha256;
  core::SecureBytes sk_d;
  core::SecureBytes sk_ai;
  core::SecureBytes sk_ar;
  core::SecureBytes sk_ei;
  core::SecureBytes sk_er;
  core::SecureBytes sk_pi;
  core::SecureBytes sk_pr;
};

// SKEYSEED = prf(Ni | Nr, g^ir) (§2.14).
core::Result<core::SecureBytes> initial_skeyseed(IkePrf prf, std::span<const std::uint8_t> ni,
                                                 std::span<const std::uint8_t> nr,
                                                 std::span<const std::uint8_t> shared_secret);

// SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr) (RFC 9370 §2.2.2).
core::Result<core::SecureBytes> additional_skeyseed(IkePrf prf,
                                                    std::span<const std::uint8_t> previous_sk_d,
                                                    std::span<const std::uint8_t> shared_secret,
                                                    std::span<const std::uint8_t> ni,
                                                    std::span<const std::uint8_t> nr);

// The seven keys from SKEYSEED (§2.14). The SPIs are those of the IKE SA being created.
core::Result<IkeKeys> derive_ike_keys(IkePrf prf, IkeKeySizes sizes,
                                      std::span<const std::uint8_t> skeyseed,
                                      std::span<const std::uint8_t> ni,
                                      std::span<const std::uint8_t> nr, const Spi& spi_i,
                                      const Spi& spi_r);

// initial_skeyseed then derive_ike_keys.
core::Result<IkeKeys> initial_ike_keys(IkePrf prf, IkeKeySizes sizes,
                                       std::span<const std::uint8_t> ni,
                                       std::span<const std::uint8_t> nr,
                                       std::span<const std::uint8_t> shared_secret,
                                       const Spi& spi_i, const Spi& spi_r);

// additional_skeyseed(previous.sk_d, ...) then derive_ike_keys: the key set after one more
// RFC 9370 key exchange (e.g. ML-KEM in IKE_INTERMEDIATE).
core::Result<IkeKeys> updated_ike_keys(const IkeKeys& previous, IkeKeySizes sizes,
                                       std::span<const std::uint8_t> shared_secret,
                                       std::span<const std::uint8_t> ni,
                                       std::span<const std::uint8_t> nr, const Spi& spi_i,
                                       const Spi& spi_r);

}  // namespace pqbranch::ikev2
