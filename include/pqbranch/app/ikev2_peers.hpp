#pragma once
// The agent's [[ikev2.peer]] sections: each has its own kernel handle (its ownership: the
// reqid range, plus its if_id in route mode), its tunnel's policies or interface, and an
// IKEv2 initiator session.

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "pqbranch/app/tunnel_stack.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/ikev2/initiator_session.hpp"

namespace pqbranch::app {

struct Ikev2Peer {
  std::string name;
  core::IpAddress local_address;
  core::IpAddress remote_address;
  TunnelStack stack;
  std::unique_ptr<ikev2::InitiatorSession> session;
};

// Builds every peer's tunnel and session and starts the sessions. Errors name the peer.
core::Result<std::vector<Ikev2Peer>> start_ikev2_peers(boost::asio::io_context& io,
                                                       const config::AgentConfig& config,
                                                       const AssemblyDeps& deps,
                                                       core::Metrics& metrics);

// One peer of `config`, its settings already loaded (ikev2::make_initiator_settings):
// its tunnel built and its session started. Errors name the peer.
core::Result<Ikev2Peer> start_ikev2_peer(boost::asio::io_context& io,
                                         const config::AgentConfig& config,
                                         const config::Ikev2PeerSettings& peer,
                                         ikev2::InitiatorSettings settings,
                                         const AssemblyDeps& deps, core::Metrics& metrics);

// Errors of the peers' settings (proposals, identities, files), as start would report them.
core::Result<void> check_ikev2_peers(const config::AgentConfig& config);

struct PeerFlush {
  std::string peer;
  core::Result<xfrm::FlushReport> report;
};
// Removes each peer's SAs, policies (and route-mode interface).
std::vector<PeerFlush> flush_ikev2_peers(const config::AgentConfig& config,
                                         const AssemblyDeps& deps);

}  // namespace pqbranch::app
