#pragma once
// ML-KEM (FIPS 203), parameter sets ML-KEM-768 and ML-KEM-1024. The receiver of an
// encapsulation key runs the FIPS 203 §7.2 input check before encapsulating to it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/crypto/keys.hpp"

namespace pqbranch::crypto {

enum class MlKem { ml_kem_768, ml_kem_1024 };

struct MlKemSizes {
  std::size_t encapsulation_key;
  std::size_t ciphertext;
  std::size_t shared_secret;
};

// FIPS 203 §8, Table 3.
[[nodiscard]] constexpr MlKemSizes ml_kem_sizes(MlKem p) noexcept {
  return p == MlKem::ml_kem_768 ? MlKemSizes{1184, 1088, 32} : MlKemSizes{1568, 1568, 32};
}

// "ML-KEM-768" or "ML-KEM-1024".
[[nodiscard]] std::string_view to_string(MlKem p) noexcept;

// A fresh decapsulation key (its encapsulation key is derived from it).
core::Result<PrivateKey> ml_kem_generate(MlKem p);
// The key FIPS 203 ML-KEM.KeyGen_internal makes from the 64-byte seed d ‖ z: deterministic
// keys for tests that replay an exchange byte for byte.
core::Result<PrivateKey> ml_kem_from_seed(MlKem p, std::span<const std::uint8_t> seed);

// The parameter set of an ML-KEM key, or errc::bad_key for any other key.
core::Result<MlKem> ml_kem_params_of(const PrivateKey& key);

// The encapsulation key to send to the peer (FIPS 203 encoding, ml_kem_sizes().encapsulation_key).
core::Result<std::vector<std::uint8_t>> ml_kem_encapsulation_key(const PrivateKey& key);

// FIPS 203 §7.2 encapsulation key check: the type check (exact length) and the modulus
// check (every 12-bit coefficient of t̂ is below q = 3329, i.e. ByteEncode12(ByteDecode12(ek))
// == ek). errc::bad_key names the failing check. OpenSSL 3.5 runs the modulus check itself
// when it imports a raw public key (crypto/ml_kem/ml_kem.c, parse_pubkey); we run it first
// anyway so the rule does not depend on the backend.
core::Result<void> ml_kem_check_encapsulation_key(MlKem p, std::span<const std::uint8_t> ek);

struct MlKemEncapsulation {
  std::vector<std::uint8_t> ciphertext;  // sent to the key's owner
  core::SecureBytes shared_secret;       // 32 bytes
};

// Checks `ek` (see above), then encapsulates a fresh shared secret to it.
core::Result<MlKemEncapsulation> ml_kem_encapsulate(MlKem p, std::span<const std::uint8_t> ek);

// The shared secret for `ciphertext`. A ciphertext of the wrong length is refused
// (FIPS 203 §7.3 type check); a modified ciphertext of the right length yields an unrelated
// secret (implicit rejection), so a mismatch shows only in what the secret then fails to do.
core::Result<core::SecureBytes> ml_kem_decapsulate(const PrivateKey& key,
                                                   std::span<const std::uint8_t> ciphertext);

}  // namespace pqbranch::crypto
