#pragma once
// Parameter checks run before any message is built: a bad request never reaches the
// kernel, and the error names the field (errc::invalid_parameter, detail = why).

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::xfrm {

// Addresses set and of one family; SPI >= kMinSpi; ESP; reqid nonzero; a kAeadKeyBytes
// key; inbound replay window in [kMinReplayWindow, kMaxReplayWindow]; without ESN a hard
// packet limit below 2^32; soft <= hard limits; encap ESPINUDP with nonzero ports; mark
// value within its mask; selector prefixes of one family.
core::Result<void> validate(const Sa& sa);
core::Result<void> validate(const SpiRequest& r);
core::Result<void> validate(const Selector& s);
// Templates: endpoints of one family, reqid nonzero; block policies have no templates.
core::Result<void> validate(const Policy& p);
core::Result<void> validate(const PolicyId& id);
// Name 1..15 bytes (IFNAMSIZ - 1) without '/', ':' or spaces; if_id nonzero.
core::Result<void> validate(const XfrmInterface& xi);

}  // namespace pqbranch::xfrm
