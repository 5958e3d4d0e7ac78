#pragma once
// The edge key service's composition root: from edge-stub.toml (config::EdgeConfig) to a
// running EdgeServer with its kernel (the edge's ownership rule), a route table when a
// site is in route mode, and its sites' executor. Kernel and route table come from
// AssemblyDeps.

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "pqbranch/app/assembly_deps.hpp"
#include "pqbranch/app/metrics_server.hpp"
#include "pqbranch/app/service_notifier.hpp"
#include "pqbranch/app/tunnel_stack.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/edge_executor.hpp"
#include "pqbranch/keysvc/edge_server.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"

namespace pqbranch::app {

struct EdgeAssemblyOptions {
  // Last word on the server's and the executor's options (tests: TLS, ports, timings).
  std::function<void(keysvc::EdgeServerOptions&)> server;
  std::function<void(keysvc::EdgeExecutorOptions&)> executor;
  keysvc::FaultHook fault;
};

class EdgeAssembly {
 public:
  static core::Result<std::unique_ptr<EdgeAssembly>> create(boost::asio::io_context& io,
                                                            const config::EdgeConfig& config,
                                                            AssemblyDeps deps = {},
                                                            EdgeAssemblyOptions options = {});
  // Starts the server: tunnels, state, NAT socket, listeners; then tells the service manager
  // READY=1 and keeps its watchdog fed.
  core::Result<void> start();
  // STOPPING=1; closes listeners and connections; io.run() returns once the coroutines have
  // finished.
  void stop();

  [[nodiscard]] keysvc::EdgeServer& server() { return *server_; }
  [[nodiscard]] xfrm::Kernel& kernel() { return *stack_.kernel; }
  [[nodiscard]] core::Metrics& metrics() { return *metrics_; }
  // Null unless [metrics] listen is set (and it listens).
  [[nodiscard]] MetricsServer* metrics_server() { return metrics_server_.get(); }

 private:
  explicit EdgeAssembly(boost::asio::io_context& io) : io_(io) {}
  boost::asio::io_context& io_;
  config::MetricsSettings metrics_settings_;
  std::unique_ptr<MetricsServer> metrics_server_;
  core::Metrics own_metrics_;
  core::Metrics* metrics_ = &own_metrics_;
  TunnelStack stack_;
  std::unique_ptr<keysvc::EdgeServer> server_;
  std::size_t sites_ = 0;
  std::unique_ptr<core::ServiceManager> own_service_manager_;
  std::unique_ptr<ServiceNotifier> notifier_;
};

}  // namespace pqbranch::app
