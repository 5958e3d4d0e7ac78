#include "pqbranch/app/tunnel_stack.hpp"

namespace pqbranch::app {
core::Result<TunnelStack> open_tunnel_stack(const AssemblyDeps& deps,
                                            const xfrm::Ownership& ownership, bool route_mode) {
  TunnelStack stack;
  auto kernel = kernel_factory(deps)(ownership);
  if (!kernel) return core::prefixed(kernel.error(), "kernel");
  stack.kernel = std::move(*kernel);
  if (route_mode) {
    auto routes = route_table_factory(deps)();
    if (!routes) return core::prefixed(routes.error(), "routes");
    stack.routes = std::move(*routes);
  }
  return stack;
}

core::Result<BuiltTunnel> build_tunnel(const AssemblyDeps& deps, const xfrm::Ownership& ownership,
                                       const tunnel::TunnelLayout& layout) {
  auto stack = open_tunnel_stack(deps, ownership, layout.route_mode);
  if (!stack) return stack.error();
  auto setup = tunnel::setup_tunnel(*stack->kernel, stack->routes.get(), layout);
  if (!setup) return core::prefixed(setup.error(), "tunnel setup");
  return BuiltTunnel{std::move(*stack), *setup};
}

core::Result<xfrm::FlushReport> flush_tunnel(const AssemblyDeps& deps,
                                             const xfrm::Ownership& ownership,
                                             const tunnel::TunnelLayout& layout) {
  auto stack = open_tunnel_stack(deps, ownership, layout.route_mode);
  if (!stack) return stack.error();
  return tunnel::flush_tunnel(*stack->kernel, stack->routes.get(), layout);
}

}  // namespace pqbranch::app
