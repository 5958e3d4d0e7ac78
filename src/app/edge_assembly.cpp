#include "pqbranch/app/edge_assembly.hpp"

#include <algorithm>

#include "pqbranch/app/service_status.hpp"
#include "pqbranch/keysvc/edge_site.hpp"

namespace pqbranch::app {

core::Result<std::unique_ptr<EdgeAssembly>> EdgeAssembly::create(boost::asio::io_context& io,
                                                                 const config::EdgeConfig& config,
                                                                 AssemblyDeps deps,
                                                                 EdgeAssemblyOptions options) {
  std::unique_ptr<EdgeAssembly> a(new EdgeAssembly(io));
  a->metrics_settings_ = config.metrics;
  if (deps.metrics != nullptr) a->metrics_ = deps.metrics;
  a->sites_ = config.sites.size();
  core::ServiceManager* manager = deps.service_manager;
  if (manager == nullptr) {
    a->own_service_manager_ = core::systemd_service_manager();
    manager = a->own_service_manager_.get();
  }
  keysvc::EdgeExecutorOptions executor;
  executor.sites = keysvc::edge_sites(config);
  executor.nat_mode = config.nat_traversal.mode;
  executor.fault = std::move(options.fault);
  executor.clock = deps.clock;
  if (options.executor) options.executor(executor);
  const bool route_mode = std::ranges::any_of(
      executor.sites, [](const keysvc::EdgeSite& s) { return s.layout.route_mode; });
  // The server sets up each site's tunnel itself when it starts.
  auto stack = open_tunnel_stack(deps, keysvc::edge_ownership(config), route_mode);
  if (!stack) return stack.error();
  a->stack_ = std::move(*stack);
  auto server = keysvc::edge_server_options(config);
  if (options.server) options.server(server);
  a->server_ =
      std::make_unique<keysvc::EdgeServer>(io, *a->stack_.kernel, a->stack_.routes.get(),
                                           *a->metrics_, std::move(server), std::move(executor));
  a->notifier_ = std::make_unique<ServiceNotifier>(io, *manager, [raw = a.get()] {
    return edge_service_status(raw->sites_, raw->server_->open_connections());
  });
  return a;
}

core::Result<void> EdgeAssembly::start() {
  if (auto r = server_->start(); !r) return core::prefixed(r.error(), "start");
  metrics_server_ = open_metrics_endpoint(io_, metrics_settings_, *metrics_);
  notifier_->ready();
  return {};
}

void EdgeAssembly::stop() {
  notifier_->stopping("stopping; SAs and policies stay in place");
  server_->stop();
  metrics_server_.reset();
}

}  // namespace pqbranch::app
