#include "pqbranch/core/log_throttle.hpp"

namespace pqbranch::core {

std::optional<std::uint64_t> LogThrottle::allow(std::string_view key, Clock::time_point now) {
  auto it = slots_.find(key);
  if (it == slots_.end()) {
    slots_.emplace(std::string(key), Slot{now, 0});
    return 0;
  }
  Slot& s = it->second;
  if (now - s.last < interval_) {
    ++s.held;
    return std::nullopt;
  }
  const std::uint64_t held = s.held;
  s = Slot{now, 0};
  return held;
}

}  // namespace pqbranch::core
