#include "rekeyed_child.hpp"

#include <utility>

#include "pqbranch/ikev2/child_keys.hpp"

namespace pqbranch::ikev2::detail {

core::Result<ChildSa> rekeyed_child(const IkeSa& sa, ExchangedChild c) {
  auto keys = derive_child_keys(sa.prf, sa.keys.sk_d.span(), c.ni, c.nr, c.secret, c.additional);
  if (!keys) return keys.error();
  ChildSa child;
  child.inbound_spi = c.inbound_spi;
  child.outbound_spi = c.outbound_spi;
  ChildKeys& k = *keys;
  if (c.we_initiated) {
    child.outbound_key = std::move(k.initiator_to_responder);
    child.inbound_key = std::move(k.responder_to_initiator);
  } else {
    child.outbound_key = std::move(k.responder_to_initiator);
    child.inbound_key = std::move(k.initiator_to_responder);
  }
  child.local_ts = std::move(c.local_ts);
  child.remote_ts = std::move(c.remote_ts);
  return child;
}

}  // namespace pqbranch::ikev2::detail
