#pragma once
// Which SAs and policies are pqbranch's: a reserved, configurable reqid range, plus the
// if_id in route mode. list_* marks each entry with `owned`; flush_owned() deletes only
// owned entries, so another IPsec daemon's state in the same kernel is never touched.
// (The agent's state file is the third check; it lives above this module.)

#include <cstdint>
#include <optional>

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::xfrm {

struct Ownership {
  // Inclusive; one reqid per tunnel. The default range sits far above the small reqids
  // that strongSwan and libreswan allocate from 1 upwards.
  std::uint32_t reqid_min = 0x70710000;
  std::uint32_t reqid_max = 0x7071ffff;
  // Route mode: entries must also carry this if_id. Unset (policy mode): reqid alone.
  std::optional<std::uint32_t> if_id;
};

// min <= max, min >= 1, if_id (when set) nonzero.
core::Result<void> validate(const Ownership& o);

[[nodiscard]] bool owns_reqid(const Ownership& o, std::uint32_t reqid) noexcept;
// An SA (larval ones included: ALLOCSPI carries the reqid) is owned when its reqid is in
// the range and, in route mode, its if_id matches.
[[nodiscard]] bool owns(const Ownership& o, const SaState& sa) noexcept;
// A policy with templates is owned when every template's reqid is in the range and, in
// route mode, its if_id matches. A policy without templates (bypass or block) carries no
// reqid: it is owned only in route mode, by if_id.
[[nodiscard]] bool owns(const Ownership& o, const Policy& p) noexcept;

}  // namespace pqbranch::xfrm
