#pragma once
// Errors of the keysvc module: why an exchange failed or a saved state was refused. They
// end up in the rotation status (last error) and in log notes.

#include "pqbranch/core/error.hpp"

namespace pqbranch::rotation {

enum class errc {
  bad_state = 1,    // a saved state that is not what encode() writes
  invalid_offer,    // the edge's offer breaks a protocol rule (detail says which)
  invalid_request,  // the agent's request breaks a protocol rule
  refused,          // the edge answered with a refusal
  timeout,          // an exchange passed its deadline
  unreachable,      // every endpoint failed in one round
  larval_expired,   // the SPI reserved by ALLOCSPI expired before it was completed
  kernel_step,      // an xfrm step failed (the kernel's error is in detail)
  spi_unavailable,  // no random SPI: every draw was in use, or the random source failed
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.rotation")

}  // namespace pqbranch::rotation

PQB_ERROR_ENUM_TRAIT(pqbranch::rotation::errc);
