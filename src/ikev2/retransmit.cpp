#include "pqbranch/ikev2/retransmit.hpp"

#include <algorithm>

namespace pqbranch::ikev2 {

void Retransmitter::start(TimePoint now) noexcept {
  active_ = true;
  sends_ = 1;
  deadline_ = now + wait_after(1);
}

std::chrono::milliseconds Retransmitter::wait_after(std::uint32_t send) const noexcept {
  // Capped at 2^20 x timeout so the shift never overflows (config limits tries to 10).
  const std::uint32_t doublings = std::min<std::uint32_t>(send - 1, 20);
  return policy_.timeout * (std::int64_t{1} << doublings);
}

Retransmitter::Step Retransmitter::on_timer(TimePoint now) noexcept {
  if (!active_ || now < deadline_) return Step::wait;
  if (sends_ >= std::max<std::uint32_t>(policy_.tries, 1)) {
    active_ = false;
    return Step::give_up;
  }
  ++sends_;
  deadline_ = now + wait_after(sends_);
  return Step::resend;
}

}  // namespace pqbranch::ikev2
