#pragma once
// ikev2::Randomness for tests: SPIs, nonces and key exchange keys from a seeded generator,
// so that the same seed makes the same requests byte for byte. Key exchange keys come from
// seeds (KeyExchange::from_seed): X25519 and ML-KEM only.

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "pqbranch/ikev2/randomness.hpp"

namespace pqbranch::test {

class SeededIkeRandomness final : public ikev2::Randomness {
 public:
  explicit SeededIkeRandomness(std::uint64_t seed) : engine_(seed) {}

  core::Result<void> fill(std::span<std::uint8_t> out) override {
    for (auto& b : out)
      b = static_cast<std::uint8_t>(engine_());
    return {};
  }
  core::Result<ikev2::KeyExchange> key_exchange(ikev2::KeMethod method) override {
    std::vector<std::uint8_t> seed(method == ikev2::KeMethod::x25519 ? 32 : 64);
    (void)fill(seed);
    return ikev2::KeyExchange::from_seed(method, seed);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace pqbranch::test
