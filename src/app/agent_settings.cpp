#include "pqbranch/app/agent_settings.hpp"

namespace pqbranch::app {

AgentSettings agent_settings(const config::AgentConfig& c) {
  AgentSettings s;
  const bool route = c.tunnel.mode == config::TunnelMode::route;
  const bool nat = c.nat_traversal.mode != config::NatMode::off;

  rotation::TunnelConfig& t = s.rotation.tunnel;
  t.local = c.tunnel.local_address;
  t.remote = c.tunnel.remote_address;
  t.reqid = c.tunnel.reqid;
  t.if_id = route ? c.tunnel.if_id : 0;
  t.nat_port = nat ? c.nat_traversal.port : 0;
  s.rotation.endpoints = c.edge.endpoints.size();
  s.rotation.interval = c.rotation.interval - c.rotation.jitter;
  s.rotation.jitter = 2 * c.rotation.jitter;
  s.rotation.outbound_drain = rotation::kOutboundDrain;
  s.rotation.exchange_timeout = 2 * c.edge.connect_timeout;
  s.rotation.retry_initial = c.edge.backoff_initial;
  s.rotation.retry_max = c.edge.backoff_max;

  keysvc::AgentClientOptions& o = s.client;
  o.endpoints = c.edge.endpoints;
  o.tls.certificate_file = c.tls.certificate;
  o.tls.private_key_file = c.tls.private_key;
  o.tls.ca_file = c.tls.ca;
  o.tls.group_policy.groups = c.tls.groups;
  o.tls.group_policy.allow_classical = c.tls.allow_classical;
  o.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.edge.connect_timeout);
  o.io_timeout = o.connect_timeout;
  o.route_mode = route;
  if (nat) {
    keysvc::NatOptions n;
    n.local_address = c.tunnel.local_address;
    n.local_port = c.nat_traversal.port;
    n.edge_address = c.tunnel.remote_address;
    n.edge_port = c.nat_traversal.port;
    n.keepalive = std::chrono::duration_cast<std::chrono::milliseconds>(c.nat_traversal.keepalive);
    o.nat = n;
  }

  tunnel::TunnelLayout& l = s.layout;
  l.route_mode = route;
  l.local_address = c.tunnel.local_address;
  l.remote_address = c.tunnel.remote_address;
  l.local_prefixes = c.tunnel.local_prefixes;
  l.remote_prefixes = c.tunnel.remote_prefixes;
  l.reqid = c.tunnel.reqid;
  l.if_id = route ? c.tunnel.if_id : 0;
  l.interface = c.tunnel.interface;

  s.ownership.reqid_min = c.ownership.reqid_min;
  s.ownership.reqid_max = c.ownership.reqid_max;
  if (route) s.ownership.if_id = c.tunnel.if_id;
  s.state_file = c.state_directory / keysvc::kAgentStateFileName;
  s.status_socket = c.status_socket;
  s.update_dir = c.state_directory / "update";
  if (c.health.enabled) {
    AgentHealthSettings h;
    h.machine.down_after = c.health.down_after;
    h.machine.failover_after = c.health.failover_after;
    h.probe.target = c.health.target;
    h.probe.interval = c.health.interval;
    h.probe.timeout = c.health.timeout;
    if (c.health.source) h.probe.source = *c.health.source;
    h.source_configured = c.health.source.has_value();
    h.source_prefixes = c.tunnel.local_prefixes;
    s.health = std::move(h);
  }
  return s;
}

}  // namespace pqbranch::app
