#include "pqbranch/health/health_monitor.hpp"

#include <cmath>

#include <spdlog/spdlog.h>

namespace pqbranch::health {

core::Result<std::unique_ptr<HealthMonitor>> HealthMonitor::create(boost::asio::io_context& io,
                                                                   HealthMonitorOptions options,
                                                                   core::Metrics& metrics) {
  std::unique_ptr<HealthMonitor> m(new HealthMonitor(std::move(options), metrics));
  auto prober =
      IcmpProber::create(io, m->options_.probe, *m->clock_,
                         [raw = m.get()](ProbeOutcome o, TimePoint now) { raw->on_probe(o, now); });
  if (!prober) return core::prefixed(prober.error(), "health probe");
  m->prober_ = std::move(*prober);
  m->publish();
  return m;
}

HealthMonitor::HealthMonitor(HealthMonitorOptions options, core::Metrics& metrics)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &system_clock_),
      metrics_(metrics),
      machine_(options_.machine, clock_->now()) {}

HealthMonitor::~HealthMonitor() {
  stop();
}

void HealthMonitor::start() {
  spdlog::info(
      "health: probing {} from {} every {}ms", options_.probe.target, options_.probe.source,
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.probe.interval).count());
  prober_->start();
}

void HealthMonitor::stop() {
  if (prober_) prober_->stop();
}

HealthStatus HealthMonitor::status() const {
  return machine_.status();
}

void HealthMonitor::on_probe(ProbeOutcome outcome, TimePoint now) {
  switch (outcome) {
    case ProbeOutcome::sent:
      machine_.probe_sent(now);
      // Probes leave every interval: the clock for aging and the failover time too.
      perform(machine_.tick(now));
      break;
    case ProbeOutcome::answered:
      perform(machine_.probe_answered(now));
      break;
    case ProbeOutcome::lost:
      perform(machine_.probe_lost(now));
      break;
  }
  publish();
}

void HealthMonitor::perform(const HealthActions& a) {
  if (a.transition) {
    const Transition& t = *a.transition;
    spdlog::log(t.to == HealthState::healthy ? spdlog::level::info : spdlog::level::warn,
                "tunnel health: {} -> {}: {}", to_string(t.from), to_string(t.to), t.reason);
    metrics_.add("tunnel_health_transitions_total", 1,
                 std::string("to=\"") + to_string(t.to) + "\"");
  }
  if (a.rotate_now) {
    spdlog::warn("tunnel health: down, rotating now");
    if (options_.rotate_now) options_.rotate_now();
  }
  if (a.fail_over) {
    spdlog::warn("tunnel health: still down, failing over to the next edge endpoint");
    metrics_.add("health_failovers_total");
    if (options_.fail_over) options_.fail_over();
  }
  if (a.transition && options_.observer) options_.observer(*a.transition);
}

void HealthMonitor::publish() {
  const HealthStatus s = machine_.status();
  // 0 healthy, 1 degraded, 2 down (alerting compares numbers).
  metrics_.set("tunnel_health_state", static_cast<std::int64_t>(s.state));
  metrics_.set("health_probes_sent_total", static_cast<std::int64_t>(s.probes_sent));
  metrics_.set("health_probes_answered_total", static_cast<std::int64_t>(s.probes_answered));
  metrics_.set("health_probes_lost_total", static_cast<std::int64_t>(s.probes_lost));
  // Parts per million: the registry holds integers.
  metrics_.set("health_window_loss_ppm", std::llround(s.window_loss_ratio * 1'000'000.0));
}

}  // namespace pqbranch::health
