#pragma once
// The agent's composition root: from agent.toml (config::AgentConfig) to running parts.
// With a key-service tunnel: its kernel and tunnel (tunnel_stack), the key-service client,
// the rotation executor, the update executor (with [update] enabled), the health monitor (with
// [health]) and the status socket; and
// every [[ikev2.peer]] (ikev2_peers). An agent with IKEv2 peers and no [edge] has only the peers.
// The kernel, route table, transport and clock come from AssemblyDeps. A reload re-reads the
// config file and applies what config_reload allows in place.

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "pqbranch/app/agent_settings.hpp"
#include "pqbranch/app/agent_status.hpp"
#include "pqbranch/app/assembly_deps.hpp"
#include "pqbranch/app/ikev2_peers.hpp"
#include "pqbranch/app/metrics_server.hpp"
#include "pqbranch/app/service_notifier.hpp"
#include "pqbranch/app/status_server.hpp"
#include "pqbranch/app/tunnel_stack.hpp"
#include "pqbranch/app/update_executor.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/health/health_monitor.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"

namespace pqbranch::app {

struct AgentAssemblyOptions {
  // Last word on what the config maps to (tests: TLS files, timings, no bypass).
  std::function<void(AgentSettings&)> settings;
  // Last word on the executor (tests: observer, random source, fault hook).
  std::function<void(keysvc::AgentExecutorOptions&)> executor;
  keysvc::FaultHook fault;
  bool status_socket = true;
  // Last word on the update executor (tests: watch interval, machine timing).
  std::function<void(UpdateExecutorOptions&)> update;
  // Last word on the health monitor (tests: clock, observer).
  std::function<void(health::HealthMonitorOptions&)> health;
  // The file reload() reads (the one the program started from); shown in the status.
  std::filesystem::path config_file;
};

class AgentAssembly {
 public:
  // Builds the tunnel and the client; nothing runs until start(). Errors name the part.
  static core::Result<std::unique_ptr<AgentAssembly>> create(boost::asio::io_context& io,
                                                             const config::AgentConfig& config,
                                                             AssemblyDeps deps = {},
                                                             AgentAssemblyOptions options = {});
  ~AgentAssembly();
  AgentAssembly(const AgentAssembly&) = delete;
  AgentAssembly& operator=(const AgentAssembly&) = delete;

  // Starts the executor, the IKEv2 peers and the status socket (a status socket that cannot
  // be opened is logged: rotation matters more); then tells the service manager READY=1 and
  // keeps its watchdog and status line fed (service_notifier).
  core::Result<void> start();
  // As on SIGTERM: STOPPING=1; the executor and sessions stop, SAs and policies stay.
  void stop();
  // As on SIGHUP: RELOADING=1, then options.config_file through check_agent_config_file
  // and plan_reload; an accepted change is applied (log level, rotation timing, endpoints
  // and edge names, health probes, metrics endpoint) without touching installed SAs, a
  // refused one is logged once and the running config stays; READY=1. Returns the refusal.
  core::Result<void> reload();

  // Null when the config has no key-service tunnel.
  [[nodiscard]] keysvc::AgentExecutor* executor() { return executor_.get(); }
  [[nodiscard]] keysvc::AgentClient* client() { return client_.get(); }
  // Null unless [update] is enabled (and the config has a key-service tunnel).
  [[nodiscard]] UpdateExecutor* updates() { return updates_.get(); }
  // Null unless [health] is on and its prober started.
  [[nodiscard]] health::HealthMonitor* health() { return health_.get(); }
  // Null unless [metrics] listen is set (and it listens).
  [[nodiscard]] MetricsServer* metrics_server() { return metrics_server_.get(); }
  [[nodiscard]] xfrm::Kernel* kernel() { return tunnel_.kernel.get(); }
  [[nodiscard]] const AgentSettings& settings() const { return settings_; }
  [[nodiscard]] const ConfigStatus& config_status() const { return config_status_; }
  [[nodiscard]] const std::vector<Ikev2Peer>& ikev2_peers() const { return peers_; }
  [[nodiscard]] core::Metrics& metrics() { return *metrics_; }
  [[nodiscard]] std::string status_json();

 private:
  AgentAssembly(boost::asio::io_context& io, const config::AgentConfig& config, AssemblyDeps deps,
                AgentAssemblyOptions options);
  core::Result<void> build();
  core::ServiceManager& service_manager();
  // The reload's change, checked by plan_reload; errors name what cannot change in place.
  core::Result<void> apply(const config::AgentConfig& next);
  void stop_health();
  // Starts the health monitor; a prober that cannot start is logged and shown in the status
  // (rotation matters more than its monitoring).
  void start_health();

  boost::asio::io_context& io_;
  config::AgentConfig config_;
  AssemblyDeps deps_;
  AgentAssemblyOptions options_;
  AgentSettings settings_;
  ConfigStatus config_status_;
  core::Metrics own_metrics_;
  core::Metrics* metrics_;
  TunnelStack tunnel_;
  std::unique_ptr<keysvc::AgentClient> client_;
  std::unique_ptr<keysvc::AgentExecutor> executor_;
  std::unique_ptr<UpdateExecutor> updates_;
  std::unique_ptr<health::HealthMonitor> health_;
  std::string health_error_;  // why the monitor did not start
  std::vector<Ikev2Peer> peers_;
  std::unique_ptr<StatusServer> status_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<core::ServiceManager> own_service_manager_;
  std::unique_ptr<ServiceNotifier> notifier_;
};

}  // namespace pqbranch::app
