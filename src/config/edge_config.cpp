#include "pqbranch/config/edge_config.hpp"

#include <algorithm>
#include <unistd.h>

#include "pqbranch/config/config_file.hpp"

#include "section_readers.hpp"

namespace pqbranch::config {
namespace {

LimitSettings read_limits(TableReader table) {
  LimitSettings l;
  using Count = kind::Integer<std::uint32_t>;
  constexpr std::uint32_t kMaxConnections = 65536;
  const auto at_least_100ms = kind::Duration{.min = std::chrono::milliseconds{100}};
  l.max_connections =
      table.get("max_connections", Count{.min = 1, .max = kMaxConnections}, l.max_connections);
  l.max_unauthenticated = table.get("max_unauthenticated", Count{.min = 1, .max = kMaxConnections},
                                    std::max<std::uint32_t>(1, l.max_connections / 2));
  l.max_handshakes = table.get("max_handshakes", Count{.min = 1, .max = kMaxConnections},
                               std::min(l.max_handshakes, l.max_unauthenticated));
  l.max_per_source = table.get("max_per_source", Count{.min = 1, .max = kMaxConnections},
                               std::min(l.max_per_source, l.max_connections));
  l.max_unauthenticated_per_source = table.get(
      "max_unauthenticated_per_source", Count{.min = 1, .max = kMaxConnections},
      std::min({l.max_unauthenticated_per_source, l.max_per_source, l.max_unauthenticated}));
  // A key-service message is small; a large bound only invites memory exhaustion.
  l.max_body_bytes = table.get(
      "max_body_bytes", kind::Size{.min = 1, .max = std::uint64_t{1024} * 1024}, l.max_body_bytes);
  l.handshake_timeout = table.get("handshake_timeout", at_least_100ms, l.handshake_timeout);
  l.read_timeout = table.get("read_timeout", at_least_100ms, l.read_timeout);
  l.idle_timeout = table.get("idle_timeout", at_least_100ms, l.idle_timeout);
  l.max_requests_per_connection = table.get(
      "max_requests_per_connection", Count{.min = 1, .max = 1000}, l.max_requests_per_connection);
  l.generation_burst =
      table.get("generation_burst", Count{.min = 1, .max = 1000}, l.generation_burst);
  l.generation_refill = table.get("generation_refill", kind::Duration{}, l.generation_refill);
  l.max_outstanding_generations = table.get(
      "max_outstanding_generations", Count{.min = 2, .max = 16}, l.max_outstanding_generations);
  l.abandoned_generation_lifetime =
      table.get("abandoned_generation_lifetime", kind::Duration{.min = std::chrono::seconds{30}},
                l.abandoned_generation_lifetime);
  return l;
}

ReleaseSettings read_releases(TableReader table) {
  ReleaseSettings r;
  r.directory = table.optional("directory", kind::Path{});
  r.max_downloads = table.get("max_downloads", kind::Integer<std::uint32_t>{.min = 1, .max = 1024},
                              r.max_downloads);
  r.transfer_timeout = table.get("transfer_timeout", kind::Duration{.min = std::chrono::seconds{1}},
                                 r.transfer_timeout);
  return r;
}

EdgeTunnelSettings read_edge_tunnel(TableReader table) {
  EdgeTunnelSettings t;
  t.local_address = table.required("local_address", kind::Address{});
  t.local_prefixes = table.required_array("local_prefixes", kind::Prefix{});
  return t;
}

SiteSettings read_site(TableReader table) {
  SiteSettings s;
  s.id = table.required("id", kind::Text{});
  s.remote_address = table.optional("remote_address", kind::Address{});
  s.prefixes = table.required_array("prefixes", kind::Prefix{});
  s.reqid = table.required("reqid", kind::Integer<std::uint32_t>{});
  s.if_id = table.optional("if_id", kind::Integer<std::uint32_t>{});
  return s;
}

ResumptionSettings read_resumption(TableReader tls) {
  ResumptionSettings r;
  const kind::Duration bounds{.min = std::chrono::minutes{1}, .max = std::chrono::days{7}};
  r.max_age = tls.get("resumption_max_age", bounds, r.max_age);
  r.ticket_key_rotation = tls.get("ticket_key_rotation", bounds, r.ticket_key_rotation);
  return r;
}

EdgeConfig read_edge_config(TableReader root) {
  EdgeConfig c;
  c.state_directory = root.get("state_directory", kind::Path{}, c.state_directory);
  c.log_level = detail::read_log_level(root, c.log_level);
  c.listen = root.array("listen", kind::SocketAddress{}, c.listen);
  c.threads = root.get("threads", kind::Integer<std::uint32_t>{.min = 1, .max = kMaxEdgeThreads},
                       default_edge_threads());
  c.tls = detail::read_tls(root.table("tls"));
  c.resumption = read_resumption(root.table("tls"));
  c.limits = read_limits(root.table("limits"));
  c.releases = read_releases(root.table("releases"));
  c.tunnel = read_edge_tunnel(root.table("tunnel"));
  c.nat_traversal = detail::read_nat(root.table("nat_traversal"));
  c.metrics = detail::read_metrics(root.table("metrics"));
  c.lifetime = detail::read_lifetime(root.table("lifetime"));
  c.ownership = detail::read_ownership(root.table("ownership"));
  for (auto& site : root.tables("site"))
    c.sites.push_back(read_site(site));
  return c;
}

}  // namespace

std::uint32_t default_edge_threads() {
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);  // NOLINT(google-runtime-int): its type
  return static_cast<std::uint32_t>(std::clamp<long>(online, 1, kMaxEdgeThreads));  // NOLINT
}

core::Result<EdgeConfig> parse_edge_config(std::string_view text, const std::string& name) {
  return detail::parse_config<EdgeConfig>(text, name, read_edge_config);
}

core::Result<EdgeConfig> load_edge_config(const std::filesystem::path& path) {
  auto text = read_config_file(path);
  if (!text) return text.error();
  return parse_edge_config(*text, path.string());
}

}  // namespace pqbranch::config
