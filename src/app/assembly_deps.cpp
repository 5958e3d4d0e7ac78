#include "pqbranch/app/assembly_deps.hpp"

#include "pqbranch/xfrm/netlink_kernel.hpp"

namespace pqbranch::app {

KernelFactory kernel_factory(const AssemblyDeps& deps) {
  if (deps.kernel) return deps.kernel;
  return [](const xfrm::Ownership& ownership) -> core::Result<std::shared_ptr<xfrm::Kernel>> {
    auto kernel = xfrm::NetlinkKernel::create(ownership);
    if (!kernel) return kernel.error();
    return std::shared_ptr<xfrm::Kernel>(std::move(*kernel));
  };
}

RouteTableFactory route_table_factory(const AssemblyDeps& deps) {
  if (deps.routes) return deps.routes;
  return []() -> core::Result<std::shared_ptr<xfrm::RouteTable>> {
    auto routes = xfrm::NetlinkRouteTable::create();
    if (!routes) return routes.error();
    return std::shared_ptr<xfrm::RouteTable>(std::move(*routes));
  };
}

}  // namespace pqbranch::app
