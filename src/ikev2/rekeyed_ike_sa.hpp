#pragma once
// The IKE SA a rekey of an IKE SA made (internal to ikev2; RFC 7296 §2.18, RFC 9370 §2.2.4),
// whichever end initiated it:
//   SKEYSEED = prf(SK_d (old), SK(0) | Ni | Nr | SK(1) | ... | SK(n))
//   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
// with the nonces of that exchange and the new SPIs. Its initiator is the new IKE SA's
// original initiator; its message IDs start at 0; it takes the old IKE SA's CHILD SA, NAT and
// fragmentation state.

#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"

namespace pqbranch::ikev2::detail {

struct ExchangedIkeSa {
  Spi spi_i{};  // the new SPIs: the exchange initiator's, then the other's
  Spi spi_r{};
  std::vector<std::uint8_t> ni;  // of the exchange's initiator
  std::vector<std::uint8_t> nr;
  std::span<const std::uint8_t> secret;      // SK(0)
  std::span<const std::uint8_t> additional;  // SK(1) | ... | SK(n)
  bool we_initiated = true;
};

core::Result<IkeSa> rekeyed_ike_sa(IkeSa& old, ExchangedIkeSa e);

}  // namespace pqbranch::ikev2::detail
