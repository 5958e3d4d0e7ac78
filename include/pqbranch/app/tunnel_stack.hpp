#pragma once
// One tunnel's kernel side, as every part of the agent and the edge needs it: a kernel
// handle with the tunnel's ownership rule, a route table in route mode, and the tunnel's
// policies (or interface and routes) set up or flushed. The key-service tunnel, each IKEv2
// peer and `flush` all go through here.

#include <memory>

#include "pqbranch/app/assembly_deps.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"
#include "pqbranch/xfrm/kernel.hpp"
#include "pqbranch/xfrm/ownership.hpp"
#include "pqbranch/xfrm/route_table.hpp"

namespace pqbranch::app {

struct TunnelStack {
  std::shared_ptr<xfrm::Kernel> kernel;
  std::shared_ptr<xfrm::RouteTable> routes;  // null in policy mode
};

// The kernel and (route mode) the route table. Errors say which: "kernel: ...",
// "routes: ...".
core::Result<TunnelStack> open_tunnel_stack(const AssemblyDeps& deps,
                                            const xfrm::Ownership& ownership, bool route_mode);

struct BuiltTunnel {
  TunnelStack stack;
  tunnel::SetupReport setup;
};

// open_tunnel_stack, then tunnel::setup_tunnel for `layout` ("tunnel setup: ..." on error).
core::Result<BuiltTunnel> build_tunnel(const AssemblyDeps& deps, const xfrm::Ownership& ownership,
                                       const tunnel::TunnelLayout& layout);

// open_tunnel_stack, then tunnel::flush_tunnel for `layout`.
core::Result<xfrm::FlushReport> flush_tunnel(const AssemblyDeps& deps,
                                             const xfrm::Ownership& ownership,
                                             const tunnel::TunnelLayout& layout);

}  // namespace pqbranch::app
