#pragma once
// Why a request on the agent's control socket was refused. The socket's reply names the
// code's message and the offending text; nothing here ever throws.

#include "pqbranch/core/error.hpp"

namespace pqbranch::app {

enum class errc {
  unknown_command = 1,  // not a request the control socket knows
  bad_version,          // `update pin` with something that is not a release version
  request_too_long,     // no '\n' within the request bound
  not_configured,       // an update command, and this agent runs no updates
  reload_refused,       // a new config changes keys a reload cannot apply in place
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.app")

}  // namespace pqbranch::app

PQB_ERROR_ENUM_TRAIT(pqbranch::app::errc);
