#include "pqbranch/app/config_reload.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pqbranch::app {
namespace {

class Diff {
 public:
  explicit Diff(ReloadPlan& plan) : plan_(plan) {}

  template <class T>
  void key(const char* name, const T& running, const T& next, ReloadScope scope) {
    if (running == next) return;
    switch (scope) {
      case ReloadScope::hot:
        plan_.hot.emplace_back(name);
        break;
      case ReloadScope::restart:
        plan_.restart.emplace_back(name);
        break;
      case ReloadScope::tunnel:
        plan_.tunnel.emplace_back(name);
        break;
    }
  }

 private:
  ReloadPlan& plan_;
};

std::vector<config::Endpoint> addresses(const config::EdgeSettings& e) {
  std::vector<config::Endpoint> out;
  for (const auto& ep : e.endpoints)
    out.push_back(ep.address);
  return out;
}

std::vector<std::string> names(const config::EdgeSettings& e) {
  std::vector<std::string> out;
  for (const auto& ep : e.endpoints)
    out.push_back(ep.name);
  return out;
}

}  // namespace

bool ReloadPlan::changes(std::string_view key) const {
  for (const auto* list : {&hot, &restart, &tunnel}) {
    if (std::ranges::find(*list, key) != list->end()) return true;
  }
  return false;
}

std::string ReloadPlan::refusal() const {
  std::string out;
  if (!tunnel.empty()) {
    out = fmt::format("{} need(s) a new tunnel (flush and restart; not applied make-before-break)",
                      fmt::join(tunnel, ", "));
  }
  if (!restart.empty()) {
    if (!out.empty()) out += "; ";
    out +=
        fmt::format("{} need(s) a restart (installed SAs are adopted)", fmt::join(restart, ", "));
  }
  return out;
}

ReloadPlan plan_reload(const config::AgentConfig& a, const config::AgentConfig& b) {
  using enum ReloadScope;
  ReloadPlan plan;
  Diff d(plan);
  d.key("state_directory", a.state_directory, b.state_directory, restart);
  d.key("log_level", a.log_level, b.log_level, hot);
  d.key("status_socket", a.status_socket, b.status_socket, restart);
  d.key("ownership", a.ownership, b.ownership, tunnel);
  d.key("ikev2.peer", a.ikev2_peers, b.ikev2_peers, restart);
  d.key("edge", a.key_service, b.key_service, tunnel);
  d.key("tls", a.tls, b.tls, restart);
  d.key("edge.endpoints", addresses(a.edge), addresses(b.edge), hot);
  d.key("edge.name", names(a.edge), names(b.edge), hot);
  d.key("edge.connect_timeout", a.edge.connect_timeout, b.edge.connect_timeout, hot);
  d.key("edge.backoff_initial", a.edge.backoff_initial, b.edge.backoff_initial, hot);
  d.key("edge.backoff_max", a.edge.backoff_max, b.edge.backoff_max, hot);
  const config::TunnelSettings& t = a.tunnel;
  const config::TunnelSettings& u = b.tunnel;
  d.key("tunnel.mode", t.mode, u.mode, tunnel);
  d.key("tunnel.local_address", t.local_address, u.local_address, tunnel);
  d.key("tunnel.remote_address", t.remote_address, u.remote_address, tunnel);
  d.key("tunnel.local_prefixes", t.local_prefixes, u.local_prefixes, tunnel);
  d.key("tunnel.remote_prefixes", t.remote_prefixes, u.remote_prefixes, tunnel);
  d.key("tunnel.interface", t.interface, u.interface, tunnel);
  d.key("tunnel.if_id", t.if_id, u.if_id, tunnel);
  d.key("tunnel.reqid", t.reqid, u.reqid, tunnel);
  d.key("rotation.interval", a.rotation.interval, b.rotation.interval, hot);
  d.key("rotation.jitter", a.rotation.jitter, b.rotation.jitter, hot);
  d.key("health", a.health, b.health, hot);
  // The SAs' encapsulation and the client's UDP socket.
  d.key("nat_traversal", a.nat_traversal, b.nat_traversal, tunnel);
  d.key("lifetime", a.lifetime, b.lifetime, restart);
  d.key("update", a.update, b.update, restart);
  d.key("metrics.listen", a.metrics, b.metrics, hot);
  return plan;
}

}  // namespace pqbranch::app
