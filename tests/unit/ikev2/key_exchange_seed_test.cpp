// KeyExchange::from_seed: the deterministic keys a test's Randomness gives the initiator.
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/key_exchange.hpp"

namespace pqbranch::ikev2 {
namespace {

std::vector<std::uint8_t> seed_of(std::size_t n, std::uint8_t first) {
  std::vector<std::uint8_t> s(n);
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<std::uint8_t>(first + i);
  return s;
}

TEST(KeyExchangeSeed, TheSameSeedGivesTheSameWorkingKeyAndAnotherSeedAnother) {
  for (const auto& [method, size] : {std::pair{KeMethod::x25519, std::size_t{32}},
                                     std::pair{KeMethod::mlkem768, std::size_t{64}},
                                     std::pair{KeMethod::mlkem1024, std::size_t{64}}}) {
    SCOPED_TRACE(static_cast<unsigned>(method));
    auto a = KeyExchange::from_seed(method, seed_of(size, 1));
    auto b = KeyExchange::from_seed(method, seed_of(size, 1));
    auto c = KeyExchange::from_seed(method, seed_of(size, 2));
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->public_data(), b->public_data());
    EXPECT_NE(a->public_data(), c->public_data());
    auto peer = respond(method, a->public_data());
    ASSERT_TRUE(peer.has_value()) << peer.error().message();
    auto ours = b->finish(peer->data);  // b holds the same private key as a
    ASSERT_TRUE(ours.has_value()) << ours.error().message();
    EXPECT_TRUE(ours->equals(peer->shared_secret.span()));
  }
}

TEST(KeyExchangeSeed, WrongSeedSizesAndEcpMethodsAreRefused) {
  EXPECT_FALSE(KeyExchange::from_seed(KeMethod::x25519, seed_of(31, 1)));
  EXPECT_FALSE(KeyExchange::from_seed(KeMethod::mlkem768, seed_of(32, 1)));
  auto ecp = KeyExchange::from_seed(KeMethod::ecp384, seed_of(48, 1));
  ASSERT_FALSE(ecp);
  EXPECT_EQ(ecp.error(), errc::unsupported_algorithm);
}

}  // namespace
}  // namespace pqbranch::ikev2
