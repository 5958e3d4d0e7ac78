#include "pqbranch/health/tunnel_health.hpp"

#include <format>
#include <utility>

namespace pqbranch::health {
namespace {

std::string seconds_text(Duration d) {
  return std::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

const char* to_string(HealthState s) noexcept {
  switch (s) {
    case HealthState::healthy:
      return "healthy";
    case HealthState::degraded:
      return "degraded";
    case HealthState::down:
      return "down";
  }
  return "unknown";
}

TunnelHealth::TunnelHealth(TunnelHealthConfig config, TimePoint now)
    : config_(config), since_(now) {}

void TunnelHealth::probe_sent(TimePoint /*now*/) {
  ++sent_;
}

HealthActions TunnelHealth::probe_answered(TimePoint now) {
  record(now, false);
  return evaluate(now);
}

HealthActions TunnelHealth::probe_lost(TimePoint now) {
  record(now, true);
  return evaluate(now);
}

HealthActions TunnelHealth::tick(TimePoint now) {
  return evaluate(now);
}

void TunnelHealth::record(TimePoint now, bool lost) {
  if (window_.size() == kMaxWindow) {
    if (window_.front().lost) --window_lost_;
    window_.pop_front();
  }
  window_.push_back({now, lost});
  if (lost) {
    ++lost_;
    ++window_lost_;
    ++consecutive_lost_;
    consecutive_answered_ = 0;
  } else {
    ++answered_;
    ++consecutive_answered_;
    consecutive_lost_ = 0;
  }
}

void TunnelHealth::age_out(TimePoint now) {
  while (!window_.empty() && window_.front().at + config_.loss_window <= now) {
    if (window_.front().lost) --window_lost_;
    window_.pop_front();
  }
}

bool TunnelHealth::loss_over_threshold() const noexcept {
  if (window_.empty() || window_lost_ < config_.degraded_min_lost) return false;
  return static_cast<double>(window_lost_) >=
         config_.degraded_loss * static_cast<double>(window_.size());
}

std::string TunnelHealth::window_text() const {
  const double percent = window_.empty() ? 0.0
                                         : 100.0 * static_cast<double>(window_lost_) /
                                               static_cast<double>(window_.size());
  return std::format("{} of {} probes lost in the last {} ({:.2f}%)", window_lost_, window_.size(),
                     seconds_text(config_.loss_window), percent);
}

HealthActions TunnelHealth::evaluate(TimePoint now) {
  age_out(now);
  HealthActions out;
  if (state_ == HealthState::down) {
    if (consecutive_answered_ >= config_.recover_after) {
      move_to(loss_over_threshold() ? HealthState::degraded : HealthState::healthy,
              std::format("{} probes in a row answered; {}", consecutive_answered_, window_text()),
              now, out);
    } else if (config_.failover_after && now >= next_failover_) {
      out.fail_over = true;
      next_failover_ = now + *config_.failover_after;
    }
    return out;
  }
  if (consecutive_lost_ >= config_.down_after) {
    move_to(HealthState::down, std::format("{} probes in a row lost", consecutive_lost_), now, out);
    out.rotate_now = true;
    if (config_.failover_after) next_failover_ = now + *config_.failover_after;
  } else if (state_ == HealthState::healthy && loss_over_threshold()) {
    move_to(HealthState::degraded, window_text(), now, out);
  } else if (state_ == HealthState::degraded && !loss_over_threshold()) {
    move_to(HealthState::healthy, window_text(), now, out);
  }
  return out;
}

void TunnelHealth::move_to(HealthState to, std::string reason, TimePoint now, HealthActions& out) {
  out.transition = Transition{state_, to, std::move(reason)};
  state_ = to;
  since_ = now;
}

HealthStatus TunnelHealth::status() const {
  HealthStatus s;
  s.state = state_;
  s.probes_sent = sent_;
  s.probes_answered = answered_;
  s.probes_lost = lost_;
  s.window_resolved = window_.size();
  s.window_lost = window_lost_;
  s.window_loss_ratio =
      window_.empty() ? 0.0
                      : static_cast<double>(window_lost_) / static_cast<double>(window_.size());
  s.consecutive_lost = consecutive_lost_;
  s.consecutive_answered = consecutive_answered_;
  s.since = since_;
  return s;
}

}  // namespace pqbranch::health
