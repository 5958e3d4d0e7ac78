#pragma once
// Private to src/ikev2: one payload from its raw form, shared by the plaintext and the SK
// parsers.

#include <optional>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/payload.hpp"
#include "pqbranch/ikev2/payload_header.hpp"

namespace pqbranch::ikev2::detail {

// The parsed payload, nullopt for an unknown non-critical payload (skipped), or an error
// (an unknown critical payload is errc::unsupported_critical_payload).
core::Result<std::optional<Payload>> parse_payload(const RawPayload& raw);

}  // namespace pqbranch::ikev2::detail
