#include "pqbranch/ikev2/peer_wiring.hpp"

namespace pqbranch::ikev2 {

SessionOptions session_options(const config::Ikev2PeerSettings& peer, InitiatorSettings settings) {
  SessionOptions o;
  o.name = peer.name;
  o.settings = std::move(settings);
  o.local_address = peer.local_address;
  o.remote_address = peer.remote_address;
  o.local_port = peer.local_port;
  o.local_natt_port = peer.local_natt_port;
  o.reqid = peer.reqid;
  o.if_id = peer.mode == config::TunnelMode::route ? peer.if_id : 0;
  o.rekey_time = peer.rekey_time;
  o.lifetime = peer.lifetime;
  o.child_rekey_time = peer.child_rekey_time;
  o.reauthenticate = peer.reauthenticate;
  o.retransmit = {peer.retransmit_timeout, peer.retransmit_tries};
  o.dpd_delay = peer.dpd_delay;
  o.nat_keepalive = peer.nat_keepalive;
  return o;
}

tunnel::TunnelLayout tunnel_layout(const config::Ikev2PeerSettings& peer) {
  tunnel::TunnelLayout l;
  l.route_mode = peer.mode == config::TunnelMode::route;
  l.local_address = peer.local_address;
  l.remote_address = peer.remote_address;
  l.local_prefixes = peer.local_ts;
  l.remote_prefixes = peer.remote_ts;
  l.reqid = peer.reqid;
  l.if_id = l.route_mode ? peer.if_id : 0;
  l.interface = peer.interface;
  return l;
}

xfrm::Ownership peer_ownership(const config::AgentConfig& config,
                               const config::Ikev2PeerSettings& peer) {
  xfrm::Ownership o;
  o.reqid_min = config.ownership.reqid_min;
  o.reqid_max = config.ownership.reqid_max;
  if (peer.mode == config::TunnelMode::route) o.if_id = peer.if_id;
  return o;
}

}  // namespace pqbranch::ikev2
