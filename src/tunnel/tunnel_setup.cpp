#include "pqbranch/tunnel/tunnel_setup.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/xfrm/errc.hpp"

namespace pqbranch::tunnel {
namespace {

xfrm::Policy make_policy(const TunnelLayout& l, const core::IpPrefix& src,
                         const core::IpPrefix& dst, xfrm::PolicyDirection direction) {
  const bool out = direction == xfrm::PolicyDirection::out;
  xfrm::Policy p;
  p.selector.src = src;
  p.selector.dst = dst;
  p.direction = direction;
  p.action = xfrm::PolicyAction::allow;
  p.priority = kTunnelPolicyPriority;
  p.if_id = l.route_mode ? l.if_id : 0;
  xfrm::PolicyTemplate t;
  t.src = out ? l.local_address : l.remote_address;
  t.dst = out ? l.remote_address : l.local_address;
  t.proto = xfrm::Proto::esp;
  t.reqid = l.reqid;
  t.mode = xfrm::Mode::tunnel;
  p.templates.push_back(t);
  return p;
}

// A policy of this tunnel: every template carries its reqid, and in route mode its if_id.
bool ours(const TunnelLayout& l, const xfrm::PolicyState& p) {
  if (!p.owned || p.policy.templates.empty()) return false;
  if (l.route_mode && p.policy.if_id != l.if_id) return false;
  return std::all_of(p.policy.templates.begin(), p.policy.templates.end(),
                     [&](const xfrm::PolicyTemplate& t) { return t.reqid == l.reqid; });
}

bool is(const core::Result<void>& r, xfrm::errc code) {
  return !r && r.error() == code;
}

}  // namespace

std::vector<xfrm::Policy> tunnel_policies(const TunnelLayout& layout) {
  std::vector<xfrm::Policy> out;
  for (const core::IpPrefix& local : layout.local_prefixes) {
    for (const core::IpPrefix& remote : layout.remote_prefixes) {
      if (local.family() != remote.family()) continue;
      out.push_back(make_policy(layout, local, remote, xfrm::PolicyDirection::out));
      out.push_back(make_policy(layout, remote, local, xfrm::PolicyDirection::in));
      out.push_back(make_policy(layout, remote, local, xfrm::PolicyDirection::fwd));
    }
  }
  return out;
}

core::Result<SetupReport> setup_tunnel(xfrm::Kernel& kernel, xfrm::RouteTable* routes,
                                       const TunnelLayout& layout) {
  SetupReport report;
  const auto wanted = tunnel_policies(layout);
  if (wanted.empty()) {
    return core::make_error(xfrm::errc::invalid_parameter,
                            "tunnel: no local and remote prefix of the same family");
  }
  // Route mode: the interface and its routes come after the policies, so nothing is ever
  // routed into the tunnel before its policies exist.
  for (const xfrm::Policy& p : wanted) {
    if (auto r = kernel.update_policy(p); !r) return r.error();
    ++report.policies;
  }
  auto existing = kernel.list_policies();
  if (!existing) return existing.error();
  for (const xfrm::PolicyState& p : *existing) {
    if (!ours(layout, p)) continue;
    const xfrm::PolicyId id = xfrm::id_of(p.policy);
    const bool wanted_id = std::any_of(wanted.begin(), wanted.end(),
                                       [&](const xfrm::Policy& w) { return xfrm::id_of(w) == id; });
    if (wanted_id) continue;
    spdlog::info("tunnel: removing policy {} (no longer configured)", xfrm::to_string(id));
    if (auto r = kernel.delete_policy(id); !r && !is(r, xfrm::errc::not_found)) {
      return r.error();
    }
    ++report.stale_policies;
  }
  if (!layout.route_mode) return report;
  if (routes == nullptr) {
    return core::make_error(xfrm::errc::invalid_parameter, "tunnel: route mode needs routes");
  }
  const xfrm::XfrmInterface xi{layout.interface, layout.if_id, {}};
  auto created = kernel.create_xfrm_interface(xi);
  if (!created && !is(created, xfrm::errc::already_exists)) return created.error();
  report.interface_created = static_cast<bool>(created);
  if (auto r = routes->set_link_up(layout.interface); !r) return r.error();
  for (const core::IpPrefix& prefix : layout.remote_prefixes) {
    if (auto r = routes->replace_route(prefix, layout.interface); !r) return r.error();
    ++report.routes;
  }
  return report;
}

core::Result<xfrm::FlushReport> flush_tunnel(xfrm::Kernel& kernel, xfrm::RouteTable* routes,
                                             const TunnelLayout& layout) {
  auto report = kernel.flush_owned();
  if (!report) return report.error();
  if (!layout.route_mode) return report;
  if (routes != nullptr) {
    for (const core::IpPrefix& prefix : layout.remote_prefixes) {
      auto r = routes->delete_route(prefix, layout.interface);
      if (!r && !is(r, xfrm::errc::not_found)) return r.error();
    }
  }
  // Deleting the interface also drops its routes; the loop above covers a kernel that
  // keeps them (and the fake).
  auto r = kernel.delete_xfrm_interface(layout.interface);
  if (!r && !is(r, xfrm::errc::not_found)) return r.error();
  return report;
}

}  // namespace pqbranch::tunnel
