#pragma once
// What a process holding ESP keys does first: no core dump may ever write its memory to
// disk. The units set LimitCORE=0 too; this holds when the programs run without them.

#include "pqbranch/core/error.hpp"

namespace pqbranch::core {

// RLIMIT_CORE to 0 and PR_SET_DUMPABLE to 0 (which also keeps other processes of the same
// user from ptrace-attaching or reading its /proc memory). Errors carry errno.
Result<void> forbid_core_dumps();

}  // namespace pqbranch::core
