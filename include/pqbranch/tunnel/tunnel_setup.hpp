#pragma once
// What carries a tunnel's traffic besides its SAs, set up once when a side starts and never
// removed on stop or expiry, so that without valid SAs traffic is dropped, never sent in
// clear (fail closed):
// - policy mode: for each pair (local prefix, remote prefix) of one family an out policy
//   (local -> remote) and in + fwd policies (remote -> local), each with one ESP tunnel-mode
//   template between the outer addresses and the tunnel's single reqid (not per
//   generation: the inbound check compares it, see docs/xfrm.md);
// - route mode: the same policies carrying the xfrm interface's if_id, the xfrm interface
//   itself (up), and a route of every remote prefix through it.
// Setting up is idempotent: policies are added or replaced (UPDPOLICY), an existing xfrm
// interface is adopted, routes are replaced. Owned policies of this tunnel (its reqid, and
// if_id in route mode) that the layout no longer names are removed after the new ones are in.

#include <cstdint>
#include <string>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/xfrm/kernel.hpp"
#include "pqbranch/xfrm/route_table.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::tunnel {

// Below the usual priorities of IPsec daemons' policies (strongSwan's start in the
// hundreds of thousands); the per-socket bypass of the key-service sockets still wins.
inline constexpr std::uint32_t kTunnelPolicyPriority = 1000;

struct TunnelLayout {
  bool route_mode = false;
  core::IpAddress local_address;   // this side's outer address
  core::IpAddress remote_address;  // the peer's outer address
  std::vector<core::IpPrefix> local_prefixes;
  std::vector<core::IpPrefix> remote_prefixes;
  std::uint32_t reqid = 0;
  std::uint32_t if_id = 0;  // route mode
  std::string interface;    // route mode: the xfrm interface's name
};

// The policies of the layout, in a stable order (per pair: out, in, fwd).
[[nodiscard]] std::vector<xfrm::Policy> tunnel_policies(const TunnelLayout& layout);

struct SetupReport {
  std::size_t policies = 0;        // installed or replaced
  std::size_t stale_policies = 0;  // of this tunnel, no longer in the layout: removed
  bool interface_created = false;  // route mode: false when an existing one was adopted
  std::size_t routes = 0;
};

// `routes` may be null in policy mode; route mode needs it.
core::Result<SetupReport> setup_tunnel(xfrm::Kernel& kernel, xfrm::RouteTable* routes,
                                       const TunnelLayout& layout);

// `pqbranch-agent flush`: removes every owned SA and policy (Kernel::flush_owned), then in
// route mode the routes and the xfrm interface. Traffic of the prefixes then flows in clear
// or not at all, as the host's routing decides: only on an operator's explicit request.
core::Result<xfrm::FlushReport> flush_tunnel(xfrm::Kernel& kernel, xfrm::RouteTable* routes,
                                             const TunnelLayout& layout);

}  // namespace pqbranch::tunnel
