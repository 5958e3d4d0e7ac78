#pragma once
// A snapshot of one rotation state machine for the status CLI and logs.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/rotation/rotation_config.hpp"

namespace pqbranch::rotation {

struct RotationStatus {
  // "idle", "connecting", "requesting", "installing inbound", ..., "edge unreachable,
  // retrying" (agent); "serving", "issuing", "promoting" (edge).
  std::string state;
  Generation generation = 0;          // of this side's outbound SA
  Generation pending_generation = 0;  // being installed (agent) / offered, not acknowledged (edge)
  Generation peer_generation = 0;     // highest generation the peer is proven to send on
  std::uint32_t outbound_spi = 0;     // of `generation`; 0 = none installed
  std::uint32_t inbound_spi = 0;      // newest installed inbound SA; 0 = none
  std::size_t inbound_sas = 0;        // installed inbound SAs (generations still kept)
  std::string last_error;             // empty after a successful rotation
  std::optional<TimePoint> next_rotation;  // agent: when the next rotation is due
  std::optional<TimePoint> last_rotation;  // agent: the last successful one (this run)
  unsigned consecutive_failures = 0;       // agent: failed rounds since the last success
  std::size_t endpoint = 0;                // agent: endpoint of the current/last attempt
  bool edge_reachable = true;  // agent: false from a round in which all failed to a success
};

}  // namespace pqbranch::rotation
