#pragma once
// Runs the health machine on the prober's outcomes and performs its actions: each transition
// logged once (info back to healthy, warn for degraded and down), the state and counters in
// the metrics, rotate-now and failover handed to the agent's callbacks.

#include <functional>
#include <memory>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/health/icmp_prober.hpp"
#include "pqbranch/health/tunnel_health.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::health {

struct HealthMonitorOptions {
  TunnelHealthConfig machine;
  ProberSettings probe;
  const core::Clock* clock = nullptr;  // nullptr: a SystemClock
  std::function<void()> rotate_now;    // entered down
  std::function<void()> fail_over;     // down for failover_after
  // Every transition, after it was logged (tests wait on these).
  std::function<void(const Transition&)> observer;
};

class HealthMonitor {
 public:
  // Opens the prober's socket (its errors, prefixed "health probe").
  static core::Result<std::unique_ptr<HealthMonitor>> create(boost::asio::io_context& io,
                                                             HealthMonitorOptions options,
                                                             core::Metrics& metrics);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  void start();
  void stop();
  [[nodiscard]] HealthStatus status() const;
  [[nodiscard]] const core::IpAddress& source() const noexcept { return options_.probe.source; }

 private:
  HealthMonitor(HealthMonitorOptions options, core::Metrics& metrics);
  void on_probe(ProbeOutcome outcome, TimePoint now);
  void perform(const HealthActions& actions);
  void publish();

  HealthMonitorOptions options_;
  core::SystemClock system_clock_;
  const core::Clock* clock_;
  core::Metrics& metrics_;
  TunnelHealth machine_;
  std::unique_ptr<IcmpProber> prober_;
};

}  // namespace pqbranch::health
