#pragma once
// ikev2::Randomness for tests: SPIs, nonces and key exchange keys from a seeded generator,
// so that the same seed makes the same requests byte for byte. Key exchange keys come from
// seeds (KeyExchange::from_seed): X25519 and ML-KEM only. A test may choose the next nonces.

#include <algorithm>
#include <cstdint>
#include <deque>
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
  // The nonces drawn next, in order (each cut or zero-padded to the nonce's size); seeded
  // ones after them.
  void script_nonces(std::vector<std::vector<std::uint8_t>> nonces) {
    scripted_.assign(nonces.begin(), nonces.end());
  }
  core::Result<void> nonce(std::span<std::uint8_t> out) override {
    if (scripted_.empty()) return fill(out);
    const auto next = std::move(scripted_.front());
    scripted_.pop_front();
    std::ranges::fill(out, std::uint8_t{0});
    std::copy_n(next.begin(), std::min(next.size(), out.size()), out.begin());
    return {};
  }
  core::Result<ikev2::KeyExchange> key_exchange(ikev2::KeMethod method) override {
    std::vector<std::uint8_t> seed(method == ikev2::KeMethod::x25519 ? 32 : 64);
    (void)fill(seed);
    return ikev2::KeyExchange::from_seed(method, seed);
  }

 private:
  std::mt19937_64 engine_;
  std::deque<std::vector<std::uint8_t>> scripted_;
};

}  // namespace pqbranch::test
