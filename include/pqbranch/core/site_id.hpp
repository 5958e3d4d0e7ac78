#pragma once
// The bound on a site id that both the configuration and the persisted state enforce, so a
// site the edge accepts always has a state file the edge loads again.

#include <cstddef>

namespace pqbranch::core {

// The longest site id. An X.509 common name is at most 64 characters anyway.
inline constexpr std::size_t kMaxSiteIdBytes = 256;

}  // namespace pqbranch::core
