#include "pqbranch/app/ikev2_peers.hpp"

#include <ranges>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "pqbranch/ikev2/peer_wiring.hpp"

namespace pqbranch::app {
namespace {

core::Error named(core::Error e, const std::string& peer) {
  return core::prefixed(std::move(e), "ikev2 " + peer);
}

}  // namespace

core::Result<Ikev2Peer> start_ikev2_peer(boost::asio::io_context& io,
                                         const config::AgentConfig& config,
                                         const config::Ikev2PeerSettings& peer,
                                         ikev2::InitiatorSettings settings,
                                         const AssemblyDeps& deps, core::Metrics& metrics) {
  const auto layout = ikev2::tunnel_layout(peer);
  auto built = build_tunnel(deps, ikev2::peer_ownership(config, peer), layout);
  if (!built) return named(built.error(), peer.name);
  auto session = ikev2::InitiatorSession::create(io, *built->stack.kernel, metrics,
                                                 ikev2::session_options(peer, std::move(settings)));
  if (!session) return named(session.error(), peer.name);
  spdlog::info("ikev2 {}: initiator {} -> {} ({} mode, {} policies, proposals {})", peer.name,
               peer.local_address, peer.remote_address, layout.route_mode ? "route" : "policy",
               built->setup.policies,
               fmt::join(peer.proposals | std::views::transform(
                                              [](const auto& x) { return config::to_string(x); }),
                         ", "));
  (*session)->start();
  return Ikev2Peer{peer.name, peer.local_address, peer.remote_address, std::move(built->stack),
                   std::move(*session)};
}

core::Result<std::vector<Ikev2Peer>> start_ikev2_peers(boost::asio::io_context& io,
                                                       const config::AgentConfig& config,
                                                       const AssemblyDeps& deps,
                                                       core::Metrics& metrics) {
  std::vector<Ikev2Peer> peers;
  for (const auto& peer : config.ikev2_peers) {
    auto settings = ikev2::make_initiator_settings(peer);
    if (!settings) return named(settings.error(), peer.name);
    auto started = start_ikev2_peer(io, config, peer, std::move(*settings), deps, metrics);
    if (!started) return started.error();
    peers.push_back(std::move(*started));
  }
  return peers;
}

core::Result<void> check_ikev2_peers(const config::AgentConfig& config) {
  for (const auto& peer : config.ikev2_peers) {
    if (auto s = ikev2::make_initiator_settings(peer); !s) return named(s.error(), peer.name);
  }
  return {};
}

std::vector<PeerFlush> flush_ikev2_peers(const config::AgentConfig& config,
                                         const AssemblyDeps& deps) {
  std::vector<PeerFlush> out;
  for (const auto& peer : config.ikev2_peers) {
    out.push_back(PeerFlush{peer.name, flush_tunnel(deps, ikev2::peer_ownership(config, peer),
                                                    ikev2::tunnel_layout(peer))});
  }
  return out;
}

}  // namespace pqbranch::app
