#include "pqbranch/xfrm/ownership.hpp"

#include <algorithm>

#include "pqbranch/xfrm/errc.hpp"

namespace pqbranch::xfrm {

core::Result<void> validate(const Ownership& o) {
  if (o.reqid_min == 0 || o.reqid_min > o.reqid_max) {
    return core::make_error(errc::invalid_parameter,
                            "ownership: reqid range must be non-empty and start at 1 or above");
  }
  if (o.if_id && *o.if_id == 0) {
    return core::make_error(errc::invalid_parameter, "ownership: if_id must be nonzero");
  }
  return {};
}

bool owns_reqid(const Ownership& o, std::uint32_t reqid) noexcept {
  return reqid >= o.reqid_min && reqid <= o.reqid_max;
}

bool owns(const Ownership& o, const SaState& sa) noexcept {
  if (!owns_reqid(o, sa.reqid)) return false;
  return !o.if_id || *o.if_id == sa.if_id;
}

bool owns(const Ownership& o, const Policy& p) noexcept {
  if (o.if_id && *o.if_id != p.if_id) return false;
  if (p.templates.empty()) return o.if_id.has_value();
  return std::all_of(p.templates.begin(), p.templates.end(),
                     [&](const PolicyTemplate& t) { return owns_reqid(o, t.reqid); });
}

}  // namespace pqbranch::xfrm
