#pragma once
// From one [[ikev2.peer]] to what the agent wires for it (pure, so tests check it): the
// session's options, the tunnel layout (policies between the traffic selectors, or the
// xfrm interface in route mode, both with the peer's reqid) and the kernel ownership the
// peer's SAs and policies fall under.

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/ikev2/initiator_session.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"
#include "pqbranch/xfrm/ownership.hpp"

namespace pqbranch::ikev2 {

[[nodiscard]] SessionOptions session_options(const config::Ikev2PeerSettings& peer,
                                             InitiatorSettings settings);
[[nodiscard]] tunnel::TunnelLayout tunnel_layout(const config::Ikev2PeerSettings& peer);
[[nodiscard]] xfrm::Ownership peer_ownership(const config::AgentConfig& config,
                                             const config::Ikev2PeerSettings& peer);

}  // namespace pqbranch::ikev2
