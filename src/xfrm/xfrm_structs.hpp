#pragma once
// Conversions between pqbranch's types and the kernel's structs in <linux/xfrm.h>.
// Internal to the xfrm module.

#include <cstdint>
#include <netinet/in.h>
#include <optional>

#include <linux/xfrm.h>

#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::xfrm::detail {

xfrm_address_t to_kernel(const core::IpAddress& a) noexcept;
// The address of `family` (AF_INET/AF_INET6) in `a`; nullopt for other families.
std::optional<core::IpAddress> from_kernel(const xfrm_address_t& a, std::uint16_t family) noexcept;

// An absent selector is "any" with family AF_UNSPEC (both inner families, as with
// XFRM_STATE_AF_UNSPEC).
xfrm_selector to_kernel(const std::optional<Selector>& s) noexcept;
xfrm_selector to_kernel(const Selector& s) noexcept;
// nullopt for AF_UNSPEC or an all-zero selector; errors are reported as nullopt + ok=false.
std::optional<Selector> from_kernel(const xfrm_selector& s, bool& ok) noexcept;

xfrm_lifetime_cfg to_kernel(const Lifetime& l) noexcept;
Lifetime from_kernel(const xfrm_lifetime_cfg& l) noexcept;
// Lifetimes of a policy: no limits.
xfrm_lifetime_cfg no_limits() noexcept;

xfrm_user_tmpl to_kernel(const PolicyTemplate& t, std::uint16_t selector_family) noexcept;

std::uint16_t af_of(core::Family f) noexcept;

}  // namespace pqbranch::xfrm::detail
