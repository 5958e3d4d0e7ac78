#pragma once
// Times in the agent's status document: the machines' steady times as wall-clock times, UTC
// text to the second, and whole seconds between two times (never negative); null where a time
// is unset.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include <boost/json.hpp>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/update/utc_time.hpp"

namespace pqbranch::app::detail {

using SystemTime = std::chrono::system_clock::time_point;

// `t` on the steady clock as a wall-clock time, `steady_now` and `now` being the same instant.
inline SystemTime wall_time(core::Clock::time_point t, core::Clock::time_point steady_now,
                            SystemTime now) {
  return now + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - steady_now);
}

inline boost::json::value utc(const std::optional<SystemTime>& t) {
  if (!t) return nullptr;
  return boost::json::value(update::format_utc_time(std::chrono::floor<std::chrono::seconds>(*t)));
}

// From `from` to `to`: how long until a future time.
inline boost::json::value seconds_between(SystemTime from, const std::optional<SystemTime>& to) {
  if (!to) return nullptr;
  return std::max<std::int64_t>(0, std::chrono::floor<std::chrono::seconds>(*to - from).count());
}

// From `t` to `now`: the age of a past time.
inline boost::json::value seconds_since(SystemTime now, const std::optional<SystemTime>& t) {
  if (!t) return nullptr;
  return std::max<std::int64_t>(0, std::chrono::floor<std::chrono::seconds>(now - *t).count());
}

}  // namespace pqbranch::app::detail
