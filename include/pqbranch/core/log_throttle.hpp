#pragma once
// At most one log line per kind of event and interval, for events a peer can cause once
// per connection (refused or evicted connections, handshake timeouts and failures): one
// line each would let a flood fill the disk and drown everything else. The lines held back
// are counted and the next line that is let through says how many. Keys must come from a
// fixed set (reason names), never from what a peer sends or its address, so the table stays
// small.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "pqbranch/core/clock.hpp"

namespace pqbranch::core {

class LogThrottle {
 public:
  explicit LogThrottle(Clock::duration interval) : interval_(interval) {}

  // nullopt: do not log this one (it is counted). Otherwise log it, and say that this many
  // of the same kind were held back since the last line of `key`.
  std::optional<std::uint64_t> allow(std::string_view key, Clock::time_point now);

 private:
  struct Slot {
    Clock::time_point last{};
    std::uint64_t held = 0;
  };
  Clock::duration interval_;
  std::map<std::string, Slot, std::less<>> slots_;
};

}  // namespace pqbranch::core
