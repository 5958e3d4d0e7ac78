#pragma once
// When an install may start: the operator's interrupt windows ([[update.window]]) and embargo
// dates, decided purely from a UTC instant the caller passes (never the system clock). The
// rules (DST gaps and overlaps, midnight, embargoes): docs/updates.md, "Interrupt windows".

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/config/update_config.hpp"
#include "pqbranch/core/error.hpp"

namespace pqbranch::update {

// A wall-clock instant in UTC (system_clock's epoch, leap seconds not counted).
using WallTime = std::chrono::sys_time<std::chrono::milliseconds>;

// One opening of a configured window, in UTC.
struct WindowOpening {
  std::size_t window = 0;  // index into [[update.window]]
  WallTime start;          // the local start hour (moved past a DST gap, earlier if ambiguous)
  WallTime end;            // start + duration, in elapsed time
  friend bool operator==(const WindowOpening&, const WindowOpening&) = default;
};

class WindowSchedule {
 public:
  // How far ahead next_opportunity() looks.
  static constexpr std::chrono::days kHorizon{400};

  // errc::bad_time_zone when a window has no zone (only a config built in code can lack one).
  static core::Result<WindowSchedule> create(const config::UpdateSettings& settings);

  // The opening an install started at `now` and lasting `install_time` would run in: one with
  // start <= now <= end - install_time whose zone has no embargo date on any local day from
  // now to now + install_time. Otherwise errc::embargoed (an opening had room but an embargo
  // forbids it) or errc::outside_window (none has room; always so without windows).
  [[nodiscard]] core::Result<WindowOpening> can_start_install(WallTime now,
                                                              config::Duration install_time) const;

  // The first instant >= now at which can_start_install() succeeds, looking kHorizon ahead;
  // nullopt when there is none (no windows, or every opening in the horizon embargoed).
  [[nodiscard]] std::optional<WallTime> next_opportunity(WallTime now,
                                                         config::Duration install_time) const;

  [[nodiscard]] bool has_windows() const noexcept { return !windows_.empty(); }
  // The tz database the windows were read with ("2025b"), or why it is unavailable: logged
  // at start, since a zone's rules (and so the windows) change with it.
  [[nodiscard]] const std::string& tz_database_version() const noexcept { return tzdb_version_; }

 private:
  WindowSchedule() = default;

  struct Window {
    config::UpdateWindowSettings settings;
    std::chrono::days lookback{};  // how many local days before now an opening may have begun
  };

  [[nodiscard]] WindowOpening opening(std::size_t i, std::chrono::local_days day) const;
  [[nodiscard]] std::optional<std::chrono::local_days> embargo_touched(const Window& w,
                                                                       WallTime from,
                                                                       WallTime to) const;
  [[nodiscard]] std::optional<WallTime> first_allowed(const Window& w, WallTime from, WallTime last,
                                                      config::Duration install_time) const;

  std::vector<Window> windows_;
  std::vector<std::chrono::local_days> embargo_;  // sorted
  std::string tzdb_version_;
};

}  // namespace pqbranch::update
