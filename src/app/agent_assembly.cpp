#include "pqbranch/app/agent_assembly.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "pqbranch/app/agent_status.hpp"
#include "pqbranch/app/config_reload.hpp"
#include "pqbranch/app/errc.hpp"
#include "pqbranch/app/program_commands.hpp"
#include "pqbranch/app/service_status.hpp"
#include "pqbranch/health/source_address.hpp"

namespace pqbranch::app {
AgentAssembly::AgentAssembly(boost::asio::io_context& io, const config::AgentConfig& config,
                             AssemblyDeps deps, AgentAssemblyOptions options)
    : io_(io),
      config_(config),
      deps_(std::move(deps)),
      options_(std::move(options)),
      metrics_(deps_.metrics != nullptr ? deps_.metrics : &own_metrics_) {
  config_status_.file = options_.config_file.string();
}

AgentAssembly::~AgentAssembly() = default;

core::Result<std::unique_ptr<AgentAssembly>> AgentAssembly::create(
    boost::asio::io_context& io, const config::AgentConfig& config, AssemblyDeps deps,
    AgentAssemblyOptions options) {
  std::unique_ptr<AgentAssembly> a(
      new AgentAssembly(io, config, std::move(deps), std::move(options)));
  if (auto r = a->build(); !r) return r.error();
  return a;
}

core::Result<void> AgentAssembly::build() {
  if (!config_.key_service) return {};
  settings_ = agent_settings(config_);
  if (options_.settings) options_.settings(settings_);
  const tunnel::TunnelLayout& layout = settings_.layout;
  auto built = build_tunnel(deps_, settings_.ownership, layout);
  if (!built) return built.error();
  tunnel_ = std::move(built->stack);
  spdlog::info(
      "tunnel {} -> {} ({} mode): {} policies{}", layout.local_address, layout.remote_address,
      layout.route_mode ? "route" : "policy", built->setup.policies,
      layout.route_mode
          ? fmt::format(", interface {} ({}), {} route(s)", layout.interface,
                        built->setup.interface_created ? "created" : "adopted", built->setup.routes)
          : std::string());

  auto client = keysvc::AgentClient::create(io_, settings_.client, *metrics_);
  if (!client) return core::prefixed(client.error(), "key service client");
  client_ = std::move(*client);
  if (auto port = client_->nat_port()) settings_.rotation.tunnel.nat_port = *port;
  if (config_.update.enabled) {
    UpdateExecutorOptions o;
    o.update_dir = settings_.update_dir;
    o.running_version = running_package_version(settings_.package_version_file);
    o.endpoints = settings_.client.endpoints.size();
    if (options_.update) options_.update(o);
    auto updates =
        UpdateExecutor::create(io_, config_.update, std::move(o), *client_, *metrics_,
                               [this] { return executor_ ? executor_->rotations() : 0; });
    if (!updates) return updates.error();
    updates_ = std::move(*updates);
  }
  return {};
}

core::Result<void> AgentAssembly::start() {
  if (client_) {
    keysvc::AgentExecutorOptions options;
    options.rotation = settings_.rotation;
    options.state_file = settings_.state_file;
    options.fault = std::move(options_.fault);
    options.clock = deps_.clock;
    if (options_.executor) options_.executor(options);
    keysvc::AgentTransport& transport = deps_.transport ? deps_.transport(*client_) : *client_;
    executor_ = std::make_unique<keysvc::AgentExecutor>(io_, *tunnel_.kernel, transport, *metrics_,
                                                        std::move(options));
    if (auto r = executor_->start(); !r) return core::prefixed(r.error(), "start");
    if (updates_) updates_->start();
    if (settings_.health) start_health();
  }
  auto peers = start_ikev2_peers(io_, config_, deps_, *metrics_);
  if (!peers) return peers.error();
  peers_ = std::move(*peers);
  if (options_.status_socket) {
    auto status = StatusServer::create(
        io_, config_.status_socket, [this] { return status_json(); },
        updates_ ? StatusServer::CommandHandler(
                       [this](const OperatorCommand& c) { return updates_->operate(c); })
                 : StatusServer::CommandHandler());
    if (status) {
      status_ = std::move(*status);
    } else {
      spdlog::error("status socket: {}", status.error().message());
    }
  }
  metrics_server_ = open_metrics_endpoint(io_, config_.metrics, *metrics_);
  notifier_ = std::make_unique<ServiceNotifier>(io_, service_manager(), [this] {
    return executor_ ? agent_service_status(executor_->status(), executor_->rotations())
                     : ikev2_service_status(peers_.size());
  });
  notifier_->ready();
  return {};
}

void AgentAssembly::start_health() {
  const AgentHealthSettings& h = *settings_.health;
  health::HealthMonitorOptions o;
  o.machine = h.machine;
  o.probe = h.probe;
  o.clock = deps_.clock;
  o.rotate_now = [this] { executor_->rotate_now("tunnel health: down", false); };
  o.fail_over = [this] { executor_->rotate_now("tunnel health: still down", true); };
  if (!h.source_configured) {
    auto source = health::find_source_address(h.source_prefixes, h.probe.target.family());
    if (!source) {
      health_error_ = core::prefixed(source.error(), "health probe").message();
      spdlog::error("{}", health_error_);
      return;
    }
    o.probe.source = *source;
  }
  if (options_.health) options_.health(o);
  auto monitor = health::HealthMonitor::create(io_, std::move(o), *metrics_);
  if (!monitor) {
    health_error_ = monitor.error().message();
    spdlog::error("{}", health_error_);
    return;
  }
  health_ = std::move(*monitor);
  health_->start();
}

core::ServiceManager& AgentAssembly::service_manager() {
  if (deps_.service_manager != nullptr) return *deps_.service_manager;
  if (!own_service_manager_) own_service_manager_ = core::systemd_service_manager();
  return *own_service_manager_;
}

core::Result<void> AgentAssembly::reload() {
  if (notifier_) notifier_->reloading();
  config_status_.last_reload = std::chrono::system_clock::now();
  auto checked = check_agent_config_file(options_.config_file);
  core::Result<void> r = checked ? apply(checked->config) : core::Result<void>(checked.error());
  config_status_.last_reload_ok = r.has_value();
  if (r) {
    config_status_.last_reload_error.clear();
  } else {
    config_status_.last_reload_error = r.error().detail;
    spdlog::error("config reload refused, the running config stays: {}", r.error().detail);
  }
  if (notifier_) notifier_->ready();
  return r;
}

core::Result<void> AgentAssembly::apply(const config::AgentConfig& next) {
  const ReloadPlan plan = plan_reload(config_, next);
  if (!plan.accepted()) return core::make_error(errc::reload_refused, plan.refusal());
  if (plan.hot.empty()) {
    spdlog::info("config reloaded: nothing changed (generation {})", config_status_.generation);
    return {};
  }
  const AgentSettings fresh = agent_settings(next);
  // The one step that can fail goes first, so a refusal leaves everything as it was.
  const bool endpoints = plan.changes("edge.endpoints") || plan.changes("edge.name");
  if (client_ && endpoints) {
    if (auto r = client_->set_endpoints(fresh.client.endpoints); !r) return r.error();
    settings_.client.endpoints = fresh.client.endpoints;
  }
  if (plan.changes("log_level")) spdlog::default_logger()->set_level(next.log_level);
  rotation::AgentRotationConfig& r = settings_.rotation;
  bool timing = endpoints;
  if (plan.changes("rotation.interval") || plan.changes("rotation.jitter")) {
    r.interval = fresh.rotation.interval;
    r.jitter = fresh.rotation.jitter;
    timing = true;
  }
  if (plan.changes("edge.connect_timeout")) {
    r.exchange_timeout = fresh.rotation.exchange_timeout;
    if (client_) client_->set_timeouts(fresh.client.connect_timeout, fresh.client.io_timeout);
    timing = true;
  }
  if (plan.changes("edge.backoff_initial") || plan.changes("edge.backoff_max")) {
    r.retry_initial = fresh.rotation.retry_initial;
    r.retry_max = fresh.rotation.retry_max;
    timing = true;
  }
  r.endpoints = settings_.client.endpoints.size();
  // The rotation machine plans its next step again only when its timing or endpoints changed.
  if (executor_ && timing) {
    executor_->change_timing(rotation::TimingChanged{r.interval, r.jitter, r.exchange_timeout,
                                                     r.retry_initial, r.retry_max, r.endpoints});
  }
  if (plan.changes("health")) {
    stop_health();
    settings_.health = fresh.health;
    if (executor_ && settings_.health) start_health();
  }
  if (plan.changes("metrics.listen")) {
    metrics_server_.reset();
    metrics_server_ = open_metrics_endpoint(io_, next.metrics, *metrics_);
  }
  config_ = next;
  ++config_status_.generation;
  spdlog::info("config reloaded (generation {}): {} changed; installed SAs untouched",
               config_status_.generation, fmt::join(plan.hot, ", "));
  return {};
}

void AgentAssembly::stop_health() {
  if (health_) health_->stop();
  health_.reset();
  health_error_.clear();
}

void AgentAssembly::stop() {
  if (notifier_) notifier_->stopping("stopping; SAs and policies stay in place");
  if (updates_) updates_->stop();
  if (health_) health_->stop();
  if (executor_) executor_->stop();
  for (auto& p : peers_)
    p.session->stop(false);
  status_.reset();
  metrics_server_.reset();
}

std::string AgentAssembly::status_json() {
  AgentStatusReport report;
  if (executor_) {
    const StatusContext context{settings_.layout.route_mode ? "route" : "policy",
                                settings_.layout.local_address.to_string(),
                                settings_.layout.remote_address.to_string()};
    report = collect_status(*executor_, client_.get(), *tunnel_.kernel, *metrics_, context);
  } else {
    report.key_service = false;
    report.agent_version = PQB_VERSION;
    report.now = std::chrono::system_clock::now();
    report.metrics = metrics_->render();
  }
  const core::Clock::time_point steady_now =
      deps_.clock != nullptr ? deps_.clock->now() : std::chrono::steady_clock::now();
  report.ikev2 = collect_ikev2_status(peers_, report.now, steady_now);
  if (updates_) {
    report.update = updates_->status();
    report.tz_database = updates_->tz_database();
  }
  if (settings_.health) {
    HealthStatusReport h;
    h.target = settings_.health->probe.target.to_string();
    h.error = health_error_;
    if (health_) {
      h.source = health_->source().to_string();
      h.status = health_->status();
      const core::Clock::time_point now =
          deps_.clock != nullptr ? deps_.clock->now() : std::chrono::steady_clock::now();
      h.in_state = std::chrono::duration_cast<std::chrono::seconds>(now - h.status.since);
    }
    report.health = std::move(h);
  }
  report.config = config_status_;
  return to_json(report);
}

}  // namespace pqbranch::app
