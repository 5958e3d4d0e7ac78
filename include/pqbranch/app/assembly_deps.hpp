#pragma once
// What a program assembly takes from outside: the kernel (one per ownership rule), the
// route table, the key-service transport, the clock and the service manager. The defaults are the
// real ones (NetlinkKernel, NetlinkRouteTable, the AgentClient itself, the system clock); tests and
// the benchmark agent inject FakeKernel, FakeRouteTable, decorators and a ManualClock.

#include <functional>
#include <memory>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/core/service_manager.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/xfrm/kernel.hpp"
#include "pqbranch/xfrm/ownership.hpp"
#include "pqbranch/xfrm/route_table.hpp"

namespace pqbranch::app {

// Shared pointers so that a test can lend a kernel it keeps (an aliasing pointer that owns
// nothing) while the programs hand over the one they create.
using KernelFactory =
    std::function<core::Result<std::shared_ptr<xfrm::Kernel>>(const xfrm::Ownership&)>;
using RouteTableFactory = std::function<core::Result<std::shared_ptr<xfrm::RouteTable>>()>;
// The transport the agent's executor talks through, given the key-service client (a test
// wraps it in a decorator it owns).
using TransportWrapper = std::function<keysvc::AgentTransport&(keysvc::AgentClient&)>;

struct AssemblyDeps {
  KernelFactory kernel;                // empty: xfrm::NetlinkKernel::create
  RouteTableFactory routes;            // empty: xfrm::NetlinkRouteTable::create
  TransportWrapper transport;          // empty: the client itself
  const core::Clock* clock = nullptr;  // null: a SystemClock (steady_clock based)
  core::Metrics* metrics = nullptr;  // null: the assembly's own (a test keeps one across restarts)
  // null: systemd's sd_notify (inactive outside a Type=notify unit)
  core::ServiceManager* service_manager = nullptr;
};

// The real kernel and route table, for a deps struct whose factories are empty.
[[nodiscard]] KernelFactory kernel_factory(const AssemblyDeps& deps);
[[nodiscard]] RouteTableFactory route_table_factory(const AssemblyDeps& deps);

// A pointer to `object` that owns nothing, for a factory handing out a test's own fake.
template <class T>
std::shared_ptr<T> borrowed(T& object) {
  return std::shared_ptr<T>(std::shared_ptr<void>{}, &object);
}

}  // namespace pqbranch::app
