#include "pqbranch/update/window_schedule.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pqbranch/config/time_zone.hpp"
#include "pqbranch/update/errc.hpp"

namespace pqbranch::update {
namespace {

using std::chrono::days;
using std::chrono::local_days;

local_days local_date(const std::chrono::time_zone& zone, WallTime t) {
  return std::chrono::floor<days>(zone.to_local(t));
}

// The first instant of a local time: a time inside a DST gap becomes the end of the gap
// (the first valid instant after it), an ambiguous one the earlier of its two instants.
WallTime first_instant(const std::chrono::time_zone& zone,
                       std::chrono::local_time<std::chrono::milliseconds> local) {
  return zone.to_sys(local, std::chrono::choose::earliest);
}

std::string date_text(local_days day) {
  const std::chrono::year_month_day d{day};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::string utc_text(WallTime t) {
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::seconds>(t - day)};
  return fmt::format("{} {:02}:{:02}:{:02} UTC", date_text(local_days{day.time_since_epoch()}),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

}  // namespace

core::Result<WindowSchedule> WindowSchedule::create(const config::UpdateSettings& settings) {
  WindowSchedule s;
  for (std::size_t i = 0; i < settings.windows.size(); ++i) {
    const auto& w = settings.windows[i];
    if (w.time_zone == nullptr) {
      return core::make_error(errc::bad_time_zone,
                              "update.window[" + std::to_string(i) + "] has no time zone");
    }
    // An opening that began `lookback` local days before today may still be open: a day for
    // every 24 h of duration, one for the start hour, one for a DST shift.
    const auto lookback = days{2} + std::chrono::ceil<days>(w.duration);
    s.windows_.push_back(Window{.settings = w, .lookback = lookback});
  }
  for (const auto& date : settings.embargo_dates)
    s.embargo_.emplace_back(date);
  std::ranges::sort(s.embargo_);
  auto version = config::tz_database_version();
  s.tzdb_version_ = version ? *version : "unavailable (" + version.error().message() + ")";
  return s;
}

WindowOpening WindowSchedule::opening(std::size_t i, local_days day) const {
  const auto& w = windows_[i].settings;
  const WallTime start = first_instant(*w.time_zone, day + std::chrono::hours{w.start_hour});
  return WindowOpening{.window = i, .start = start, .end = start + w.duration};
}

// The last embargo date among the local days that [from, to] touches in the window's zone.
std::optional<local_days> WindowSchedule::embargo_touched(const Window& w, WallTime from,
                                                          WallTime to) const {
  const auto& zone = *w.settings.time_zone;
  std::optional<local_days> hit;
  for (auto day = local_date(zone, from); day <= local_date(zone, to); day += days{1}) {
    if (std::ranges::binary_search(embargo_, day)) hit = day;
  }
  return hit;
}

// The first t in [from, last] whose install run [t, t + install_time] touches no embargo date.
std::optional<WallTime> WindowSchedule::first_allowed(const Window& w, WallTime from, WallTime last,
                                                      config::Duration install_time) const {
  WallTime t = from;
  while (t <= last) {
    const auto hit = embargo_touched(w, t, t + install_time);
    if (!hit) return t;
    // Every start before the embargoed day ends would touch it.
    t = std::max(t, first_instant(*w.settings.time_zone, *hit + days{1}));
  }
  return std::nullopt;
}

core::Result<WindowOpening> WindowSchedule::can_start_install(WallTime now,
                                                              config::Duration install_time) const {
  if (windows_.empty()) {
    return core::make_error(errc::outside_window,
                            "no interrupt window is configured: only the operator's update-now "
                            "installs");
  }
  std::string embargo_detail;
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    const auto& w = windows_[i];
    const auto today = local_date(*w.settings.time_zone, now);
    for (auto day = today - w.lookback; day <= today; day += days{1}) {
      if (std::ranges::find(w.settings.days, std::chrono::weekday{day}) == w.settings.days.end()) {
        continue;
      }
      const auto o = opening(i, day);
      if (now < o.start || now > o.end - install_time) continue;
      if (const auto hit = embargo_touched(w, now, now + install_time)) {
        if (embargo_detail.empty()) {
          embargo_detail = fmt::format(
              "update.window[{}] is open until {}, but an install from {} for {} touches the "
              "embargo date {} ({})",
              i, utc_text(o.end), utc_text(now), config::format_duration(install_time),
              date_text(*hit), w.settings.time_zone->name());
        }
        continue;
      }
      return o;
    }
  }
  if (!embargo_detail.empty()) return core::make_error(errc::embargoed, embargo_detail);
  return core::make_error(errc::outside_window,
                          fmt::format("no interrupt window is open at {} with {} left for the "
                                      "install",
                                      utc_text(now), config::format_duration(install_time)));
}

std::optional<WallTime> WindowSchedule::next_opportunity(WallTime now,
                                                         config::Duration install_time) const {
  std::optional<WallTime> best;
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    const auto& w = windows_[i];
    const auto today = local_date(*w.settings.time_zone, now);
    for (auto day = today - w.lookback; day <= today + kHorizon; day += days{1}) {
      if (std::ranges::find(w.settings.days, std::chrono::weekday{day}) == w.settings.days.end()) {
        continue;
      }
      const auto o = opening(i, day);
      // Openings of one window begin in order, so none later can beat what is found.
      if (best && o.start >= *best) break;
      const WallTime last = o.end - install_time;
      if (last < now) continue;
      if (const auto t = first_allowed(w, std::max(now, o.start), last, install_time)) {
        best = best ? std::min(*best, *t) : *t;
        break;
      }
    }
  }
  return best;
}

}  // namespace pqbranch::update
