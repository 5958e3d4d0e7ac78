#pragma once
// Where probes leave from: an address of this host inside the branch's prefixes, so the
// tunnel's policy (policy mode) or route (route mode) carries them.

#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::health {

// The first address of a local interface (getifaddrs) of `family` inside one of `prefixes`;
// errc::no_source_address when there is none.
core::Result<core::IpAddress> find_source_address(const std::vector<core::IpPrefix>& prefixes,
                                                  core::Family family);

}  // namespace pqbranch::health
