#pragma once
// The tunnel's health as a pure state machine: probe results and the time in, transitions
// and actions out. No I/O: the prober (health/icmp_prober) sends the probes and reports
// each one answered or lost by its deadline; the agent performs the actions. States and
// thresholds: docs/operations.md ("Tunnel health").

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "pqbranch/core/clock.hpp"

namespace pqbranch::health {

using Duration = core::Clock::duration;
using TimePoint = core::Clock::time_point;

enum class HealthState : std::uint8_t { healthy, degraded, down };

// "healthy", "degraded", "down" (status, logs, metrics labels).
const char* to_string(HealthState s) noexcept;

struct TunnelHealthConfig {
  // Degraded: at least `degraded_min_lost` probes and at least `degraded_loss` of the probes
  // resolved within the last `loss_window` lost. It clears once enough losses aged out of
  // the window that the condition no longer holds (the window is the hysteresis).
  Duration loss_window = std::chrono::minutes{5};
  double degraded_loss = 0.001;
  unsigned degraded_min_lost = 2;
  // Down: the last `down_after` probes (consecutive in sending order) all lost.
  unsigned down_after = 3;
  // Leaving down takes this many consecutive answered probes (then degraded or healthy, as
  // the loss window says), so one lucky answer in an outage does not flap the state.
  unsigned recover_after = 3;
  // In down this long: fail over to the next edge endpoint; again every `failover_after`
  // while still down. Unset: never.
  std::optional<Duration> failover_after;
};

// The state changed (logged once, by whoever performs the actions).
struct Transition {
  HealthState from = HealthState::healthy;
  HealthState to = HealthState::healthy;
  std::string reason;
};

// What an input asks of the agent.
struct HealthActions {
  std::optional<Transition> transition;
  bool rotate_now = false;  // entered down: start a new key generation at once
  bool fail_over = false;   // down for failover_after: rotate through the next edge endpoint
};

struct HealthStatus {
  HealthState state = HealthState::healthy;
  std::uint64_t probes_sent = 0;
  std::uint64_t probes_answered = 0;
  std::uint64_t probes_lost = 0;
  // Over the loss window: probes resolved (answered or lost) and lost.
  std::uint64_t window_resolved = 0;
  std::uint64_t window_lost = 0;
  double window_loss_ratio = 0.0;  // window_lost / window_resolved, 0 when none resolved
  unsigned consecutive_lost = 0;
  unsigned consecutive_answered = 0;
  TimePoint since{};  // the last transition (or start)
};

class TunnelHealth {
 public:
  // The window never holds more resolved probes than this, whatever the rate (memory bound;
  // the config's smallest interval fills a 5-minute window with 3000).
  static constexpr std::size_t kMaxWindow = 65536;

  TunnelHealth(TunnelHealthConfig config, TimePoint now);

  // A probe left (counted only; its answer or loss resolves it).
  void probe_sent(TimePoint now);
  HealthActions probe_answered(TimePoint now);
  // No answer by the probe's deadline.
  HealthActions probe_lost(TimePoint now);
  // Time passed: losses age out of the window, the failover time may have come.
  HealthActions tick(TimePoint now);

  [[nodiscard]] HealthState state() const noexcept { return state_; }
  [[nodiscard]] HealthStatus status() const;

 private:
  struct Resolved {
    TimePoint at;
    bool lost = false;
  };
  void record(TimePoint now, bool lost);
  void age_out(TimePoint now);
  [[nodiscard]] bool loss_over_threshold() const noexcept;
  [[nodiscard]] std::string window_text() const;
  HealthActions evaluate(TimePoint now);
  void move_to(HealthState to, std::string reason, TimePoint now, HealthActions& out);

  TunnelHealthConfig config_;
  HealthState state_ = HealthState::healthy;
  TimePoint since_;
  TimePoint next_failover_{};
  std::deque<Resolved> window_;
  std::uint64_t window_lost_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t answered_ = 0;
  std::uint64_t lost_ = 0;
  unsigned consecutive_lost_ = 0;
  unsigned consecutive_answered_ = 0;
};

}  // namespace pqbranch::health
