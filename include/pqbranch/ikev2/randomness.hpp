#pragma once
// Where an initiator's random values come from: SPIs and nonces (public) and the private keys
// of its key exchanges. Production uses the CSPRNG (csprng()); a test injects a seeded source
// so that an exchange replays byte for byte.

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"
#include "pqbranch/ikev2/key_exchange.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"

namespace pqbranch::ikev2 {

class Randomness {
 public:
  virtual ~Randomness() = default;
  // Public values: SPIs, nonces.
  virtual core::Result<void> fill(std::span<std::uint8_t> out) = 0;
  // A nonce (RFC 7296 §2.10): fresh public bytes like fill's. Separate so that a test can
  // choose them (which of two colliding rekeys has the lowest nonce, RFC 7296 §2.8.1).
  virtual core::Result<void> nonce(std::span<std::uint8_t> out) { return fill(out); }
  // Our key of one key exchange of `method`.
  virtual core::Result<KeyExchange> key_exchange(KeMethod method) = 0;
};

// crypto::random_fill and KeyExchange::start.
[[nodiscard]] Randomness& csprng();

// Sets `nonce` to kNonceSize fresh bytes of `random`.
core::Result<void> fill_nonce(Randomness& random, std::vector<std::uint8_t>& nonce);

}  // namespace pqbranch::ikev2
