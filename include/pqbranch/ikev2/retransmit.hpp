#pragma once
// Retransmission of one outstanding request (RFC 7296 §2.1: the initiator retransmits until
// it gets a response or gives up and deletes the IKE SA state). Pure: times are inputs, so
// tests drive it with a manual clock.
//
// Send 1 at t0, then each send k waits timeout × 2^(k-1) for the response; after `tries`
// sends and the last wait, give up. tries = 5, timeout = 2 s: sends at 0, 2, 6, 14, 30 s,
// give up at 62 s.

#include <chrono>
#include <cstdint>

#include "pqbranch/core/clock.hpp"

namespace pqbranch::ikev2 {

struct RetransmitPolicy {
  std::chrono::milliseconds timeout{2000};
  std::uint32_t tries = 5;  // sends in all, the first included (at least 1)
};

class Retransmitter {
 public:
  using TimePoint = core::Clock::time_point;
  enum class Step { wait, resend, give_up };

  explicit Retransmitter(RetransmitPolicy policy) noexcept : policy_(policy) {}

  // The request was sent (the first time) at `now`.
  void start(TimePoint now) noexcept;
  // The response arrived (or the request was abandoned): no more deadlines.
  void stop() noexcept { active_ = false; }
  [[nodiscard]] bool active() const noexcept { return active_; }
  // When on_timer() must be called next; meaningful while active().
  [[nodiscard]] TimePoint deadline() const noexcept { return deadline_; }
  // Sends so far, the first included.
  [[nodiscard]] std::uint32_t sends() const noexcept { return sends_; }

  // Before the deadline: wait. At or after it: resend (the caller sends the same bytes
  // again; the next deadline is set from `now`) or, after the last try, give up (inactive).
  Step on_timer(TimePoint now) noexcept;

 private:
  [[nodiscard]] std::chrono::milliseconds wait_after(std::uint32_t send) const noexcept;

  RetransmitPolicy policy_;
  bool active_ = false;
  std::uint32_t sends_ = 0;
  TimePoint deadline_{};
};

}  // namespace pqbranch::ikev2
