#pragma once
// The one-line STATUS= texts the daemons give systemd (`systemctl status`), from their state.

#include <cstddef>
#include <cstdint>
#include <string>

#include "pqbranch/rotation/status.hpp"

namespace pqbranch::app {

// "generation 3 installed, 2 rotation(s) since start" (then ", edge unreachable: …" or the
// machine's state while it works), or "no generation yet: connecting".
[[nodiscard]] std::string agent_service_status(const rotation::RotationStatus& status,
                                               std::uint64_t rotations);
// An agent without a key-service tunnel: "2 IKEv2 peer(s)".
[[nodiscard]] std::string ikev2_service_status(std::size_t peers);
// "serving 1 site(s), 0 open connection(s)".
[[nodiscard]] std::string edge_service_status(std::size_t sites, std::size_t connections);

}  // namespace pqbranch::app
