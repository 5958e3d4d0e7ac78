#include "pqbranch/ikev2/rekey_collision.hpp"

#include <algorithm>

namespace pqbranch::ikev2 {

std::vector<std::uint8_t> lower_nonce(std::span<const std::uint8_t> ni,
                                      std::span<const std::uint8_t> nr) {
  const auto lower = std::ranges::lexicographical_compare(nr, ni) ? nr : ni;
  return {lower.begin(), lower.end()};
}

bool has_lowest_nonce(std::span<const std::uint8_t> ni, std::span<const std::uint8_t> nr,
                      std::span<const std::uint8_t> other_lower) {
  return std::ranges::lexicographical_compare(lower_nonce(ni, nr), other_lower);
}

}  // namespace pqbranch::ikev2
