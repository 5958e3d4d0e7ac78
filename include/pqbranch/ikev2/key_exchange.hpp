#pragma once
// One key exchange of an IKE SA: the classical method of IKE_SA_INIT or an ML-KEM one
// (IKE_SA_INIT alone, or RFC 9370 ADDKE1 in IKE_INTERMEDIATE). The initiator generates a
// key and sends its public part; the responder's KE data completes it (ECDH derive, or
// ML-KEM decapsulation of the ciphertext). respond() is the responder's side (test peers).
//
// Key Exchange Data (RFC 7296 §3.4): ECP x ‖ y without the 0x04 (RFC 5903 §7), Curve25519
// the 32-byte u (RFC 8031 §2), ML-KEM the encapsulation key from the initiator and the
// ciphertext from the responder (draft-ietf-ipsecme-ikev2-mlkem §3).

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/crypto/keys.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

struct KeResponse {
  std::vector<std::uint8_t> data;  // the responder's KE data
  core::SecureBytes shared_secret;
};

class KeyExchange {
 public:
  // A fresh key of `method` (ECP-256/384, Curve25519, ML-KEM-768/1024), else
  // errc::unsupported_algorithm.
  static core::Result<KeyExchange> start(KeMethod method);
  // The key of `method` made from `seed` (X25519: the 32-byte private scalar; ML-KEM: the
  // 64-byte d ‖ z), for tests that replay an exchange; other methods: unsupported_algorithm.
  static core::Result<KeyExchange> from_seed(KeMethod method, std::span<const std::uint8_t> seed);

  [[nodiscard]] KeMethod method() const noexcept { return method_; }
  // Our KE data.
  [[nodiscard]] const std::vector<std::uint8_t>& public_data() const noexcept { return data_; }
  // The shared secret with the responder's KE data; a wrong size or an invalid public value
  // is refused (for ML-KEM only the size can be checked: implicit rejection).
  [[nodiscard]] core::Result<core::SecureBytes> finish(std::span<const std::uint8_t> peer) const;

 private:
  friend core::Result<KeResponse> respond(KeMethod method,
                                          std::span<const std::uint8_t> initiator_data);
  // Our KE data from a fresh `key` of `method`.
  static core::Result<KeyExchange> adopt(KeMethod method, core::Result<crypto::PrivateKey> key);
  KeyExchange(KeMethod method, crypto::PrivateKey key, std::vector<std::uint8_t> data)
      : method_(method), key_(std::move(key)), data_(std::move(data)) {}
  KeMethod method_;
  crypto::PrivateKey key_;
  std::vector<std::uint8_t> data_;
};

// The responder's side: ECDH with a fresh key, or ML-KEM encapsulation to the initiator's
// key (after the FIPS 203 §7.2 check).
core::Result<KeResponse> respond(KeMethod method, std::span<const std::uint8_t> initiator_data);

}  // namespace pqbranch::ikev2
