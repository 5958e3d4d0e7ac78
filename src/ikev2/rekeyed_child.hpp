#pragma once
// The CHILD SA a CREATE_CHILD_SA exchange made, with its keys (internal to ikev2; RFC 7296
// §2.17, RFC 9370 §2.2.4): KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)), with
// the nonces of that exchange; the keys of its initiator's direction come first, whichever
// end initiated it.

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"

namespace pqbranch::ikev2::detail {

struct ExchangedChild {
  std::uint32_t inbound_spi = 0;
  std::uint32_t outbound_spi = 0;
  std::span<const std::uint8_t> ni;  // of the exchange's initiator
  std::span<const std::uint8_t> nr;
  std::span<const std::uint8_t> secret;      // SK(0), empty without a KE
  std::span<const std::uint8_t> additional;  // SK(1) | ... | SK(n)
  bool we_initiated = true;
  std::vector<core::IpPrefix> local_ts;
  std::vector<core::IpPrefix> remote_ts;
};

core::Result<ChildSa> rekeyed_child(const IkeSa& sa, ExchangedChild c);

}  // namespace pqbranch::ikev2::detail
