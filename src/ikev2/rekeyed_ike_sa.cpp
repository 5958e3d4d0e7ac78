#include "rekeyed_ike_sa.hpp"

#include <utility>

#include "pqbranch/ikev2/ike_keys.hpp"
#include "pqbranch/ikev2/prf.hpp"

#include "secure_concat.hpp"

namespace pqbranch::ikev2::detail {

core::Result<IkeSa> rekeyed_ike_sa(IkeSa& old, ExchangedIkeSa e) {
  const auto seed_input = secure_concat({e.secret, e.ni, e.nr, e.additional});
  auto skeyseed = prf(old.prf, old.keys.sk_d.span(), seed_input.span());
  if (!skeyseed) return skeyseed.error();
  auto keys =
      derive_ike_keys(old.prf, IkeKeySizes{}, skeyseed->span(), e.ni, e.nr, e.spi_i, e.spi_r);
  if (!keys) return keys.error();
  IkeSa next;
  next.spi_i = e.spi_i;
  next.spi_r = e.spi_r;
  next.ni = std::move(e.ni);
  next.nr = std::move(e.nr);
  next.selected = old.selected;
  next.prf = old.prf;
  next.keys = std::move(*keys);
  next.original_initiator = e.we_initiated;
  next.local_behind_nat = old.local_behind_nat;
  next.remote_behind_nat = old.remote_behind_nat;
  next.intermediate_supported = old.intermediate_supported;
  next.fragmentation = old.fragmentation;
  next.child = std::move(old.child);
  old.child.reset();
  return next;
}

}  // namespace pqbranch::ikev2::detail
