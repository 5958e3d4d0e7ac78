#include "pqbranch/config/agent_config.hpp"

#include "pqbranch/config/config_file.hpp"

#include "section_readers.hpp"

namespace pqbranch::config {
namespace {

EdgeSettings read_edge(TableReader table) {
  EdgeSettings e;
  const kind::Duration positive{.min = std::chrono::milliseconds{1}};
  const auto addresses = table.required_array("endpoints", kind::Endpoint{});
  const auto name = table.optional("name", kind::PeerName{});
  for (const auto& address : addresses) {
    // Empty for an address without `name`: validation names the endpoint.
    const std::string fallback = address.host_is_address() ? "" : address.host;
    e.endpoints.push_back(EdgeEndpoint{address, name.value_or(fallback)});
  }
  e.connect_timeout = table.get("connect_timeout", positive, e.connect_timeout);
  e.backoff_initial = table.get("backoff_initial", positive, e.backoff_initial);
  e.backoff_max = table.get("backoff_max", positive, e.backoff_max);
  return e;
}

TunnelSettings read_tunnel(TableReader table, const OwnershipSettings& ownership) {
  TunnelSettings t;
  t.mode = table.get(
      "mode",
      kind::Choice<TunnelMode>{{{"route", TunnelMode::route}, {"policy", TunnelMode::policy}}},
      t.mode);
  t.local_address = table.required("local_address", kind::Address{});
  t.remote_address = table.required("remote_address", kind::Address{});
  t.local_prefixes = table.required_array("local_prefixes", kind::Prefix{});
  t.remote_prefixes = table.required_array("remote_prefixes", kind::Prefix{});
  t.interface = table.get("interface", kind::Text{}, t.interface);
  t.if_id = table.get("if_id", kind::Integer<std::uint32_t>{}, t.if_id);
  t.reqid = table.get("reqid", kind::Integer<std::uint32_t>{}, ownership.reqid_min);
  return t;
}

RotationSettings read_rotation(TableReader table) {
  RotationSettings r;
  r.interval = table.get("interval", kind::Duration{.min = std::chrono::seconds{1}}, r.interval);
  r.jitter = table.get("jitter", kind::Duration{}, r.jitter);
  return r;
}

HealthSettings read_health(TableReader table) {
  HealthSettings h;
  h.enabled = table.get("enabled", kind::Boolean{}, table.present());
  if (h.enabled) {
    h.target = table.required("target", kind::Address{});
  } else {
    h.target = table.get("target", kind::Address{}, h.target);
  }
  h.source = table.optional("source", kind::Address{});
  h.interval = table.get(
      "interval", kind::Duration{.min = kMinHealthInterval, .max = kMaxHealthInterval}, h.interval);
  h.timeout = table.get(
      "timeout", kind::Duration{.min = std::chrono::milliseconds{10}, .max = kMaxHealthTimeout},
      h.timeout);
  h.down_after = table.get(
      "down_after",
      kind::Integer<std::uint32_t>{.min = kMinHealthDownAfter, .max = kMaxHealthDownAfter},
      h.down_after);
  h.failover_after =
      table.get("failover_after", kind::Duration{.min = std::chrono::seconds{1}}, h.failover_after);
  return h;
}

AgentConfig read_agent(TableReader root) {
  AgentConfig c;
  c.state_directory = root.get("state_directory", kind::Path{}, c.state_directory);
  c.log_level = detail::read_log_level(root, c.log_level);
  c.status_socket = root.get("status_socket", kind::Path{}, c.status_socket);
  c.ownership = detail::read_ownership(root.table("ownership"));
  c.ikev2_peers = detail::read_ikev2(root.table("ikev2"));
  // An IKEv2-only agent has no key-service tunnel: without [edge], the sections that only
  // the key service uses are not read (so written anyway, they are reported as unknown).
  c.key_service = root.has("edge") || c.ikev2_peers.empty();
  if (c.key_service) {
    c.tls = detail::read_tls(root.table("tls"));
    c.edge = read_edge(root.table("edge"));
    c.tunnel = read_tunnel(root.table("tunnel"), c.ownership);
    c.rotation = read_rotation(root.table("rotation"));
    c.health = read_health(root.table("health"));
  }
  c.nat_traversal = detail::read_nat(root.table("nat_traversal"));
  c.lifetime = detail::read_lifetime(root.table("lifetime"));
  c.update = detail::read_update(root.table("update"));
  c.metrics = detail::read_metrics(root.table("metrics"));
  return c;
}

}  // namespace

core::Result<AgentConfig> parse_agent_config(std::string_view text, const std::string& name) {
  return detail::parse_config<AgentConfig>(text, name, read_agent);
}

core::Result<AgentConfig> load_agent_config(const std::filesystem::path& path) {
  auto text = read_config_file(path);
  if (!text) return text.error();
  return parse_agent_config(*text, path.string());
}

}  // namespace pqbranch::config
