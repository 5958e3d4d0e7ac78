#pragma once
// The process's effective capabilities (/proc/self/status, "CapEff:"), so a daemon can
// insist on what it needs and warn about what it should not have.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"

namespace pqbranch::core {

inline constexpr unsigned kCapNetAdmin = 12;  // linux/capability.h
inline constexpr unsigned kCapNetBindService = 10;

// The CapEff mask from the text of /proc/<pid>/status; errors when the line is missing or
// not hexadecimal.
Result<std::uint64_t> parse_effective_capabilities(std::string_view proc_status);
// Of the calling process.
Result<std::uint64_t> effective_capabilities();
// Names of the bits set in `mask` other than `allowed` ("cap_sys_admin", or "cap_<n>" for
// bits without a name here).
std::vector<std::string> extra_capabilities(std::uint64_t mask, std::uint64_t allowed);

}  // namespace pqbranch::core
