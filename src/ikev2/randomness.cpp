#include "pqbranch/ikev2/randomness.hpp"

#include "pqbranch/crypto/random.hpp"

namespace pqbranch::ikev2 {
namespace {

class Csprng final : public Randomness {
 public:
  core::Result<void> fill(std::span<std::uint8_t> out) override { return crypto::random_fill(out); }
  core::Result<KeyExchange> key_exchange(KeMethod method) override {
    return KeyExchange::start(method);
  }
};

}  // namespace

Randomness& csprng() {
  static Csprng instance;
  return instance;
}

core::Result<void> fill_nonce(Randomness& random, std::vector<std::uint8_t>& nonce) {
  nonce.resize(kNonceSize);
  return random.nonce(nonce);
}

}  // namespace pqbranch::ikev2
