#pragma once
// Simultaneous rekeys of one CHILD SA (RFC 7296 §2.8.1): both exchanges complete, and the
// pair made by the exchange whose nonces include the lowest of the four is redundant; its
// initiator deletes it, and the initiator of the other exchange deletes the replaced CHILD
// SA. "Lowest" compares octet by octet; a nonce that ends while equal so far is the lower.

#include <cstdint>
#include <span>
#include <vector>

namespace pqbranch::ikev2 {

// The lower of an exchange's two nonces.
[[nodiscard]] std::vector<std::uint8_t> lower_nonce(std::span<const std::uint8_t> ni,
                                                    std::span<const std::uint8_t> nr);
// Whether the exchange with nonces `ni` and `nr` made the redundant pair: its lower nonce
// is below `other_lower`, the lower nonce of the other exchange.
[[nodiscard]] bool has_lowest_nonce(std::span<const std::uint8_t> ni,
                                    std::span<const std::uint8_t> nr,
                                    std::span<const std::uint8_t> other_lower);

}  // namespace pqbranch::ikev2
