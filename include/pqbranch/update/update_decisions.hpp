#pragma once
// What the agent's update machine (update_machine.hpp) asks of the rest of the update module,
// injected as three functions so the machine stays pure and testable on its own. Each must
// be pure as well: no I/O, the answer a function of its arguments and fixed configuration.
//
// The assembly binds them to the release verifier and the window schedule:
//   verify_manifest   = [&](bytes, now) -> Result<ReleaseCandidate> {
//                         auto m = update::verify_release(bytes, keys, running, channel, now);
//                         if (!m) return m.error();
//                         return ReleaseCandidate{m->version, m->package, m->size, m->sha256,
//                                                 m->expires}; }
//   may_start_install = [&](now) { return schedule.can_start_install(now, install_time); }
//   next_opportunity  = [&](now) { return schedule.next_opportunity(now, install_time); }
// verify_manifest does every check of the manifest itself (both signatures, not-before,
// expiry, downgrade and signed rollback, minimum version, channel) and refuses with an
// update::errc; the machine adds what only it knows (the versions that failed here, the
// operator's pin, the package's shape and size bound) and checks the downloaded file.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"

namespace pqbranch::update {

// Wall-clock time: manifests expire and interrupt windows open at wall-clock instants, so
// the update machine runs on the system clock (its intervals are hours; a clock step only
// moves a check or a window, which the next Tick re-evaluates).
using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

// Random numbers as an input (jitter), so tests are deterministic.
using RandomSource = std::function<std::uint64_t()>;

// A release that a verified manifest announces, as the machine needs it.
struct ReleaseCandidate {
  std::string version;  // the package's Debian version
  std::string package;  // its file name (no directory part), e.g. pqbranch-agent_0.2.0_amd64.deb
  std::uint64_t size = 0;
  std::string sha256;  // 64 lowercase hex digits
  TimePoint expires;   // the manifest's expiry: nothing of it is installed at or after this

  friend bool operator==(const ReleaseCandidate&, const ReleaseCandidate&) = default;
};

struct UpdateDecisions {
  // The manifest's bytes, verified at `now`: the release, or why it is refused.
  std::function<core::Result<ReleaseCandidate>(std::string_view manifest, TimePoint now)>
      verify_manifest;
  // May an install start now (an interrupt window open with room for it, no embargo)?
  // errc::outside_window, errc::embargoed otherwise.
  std::function<core::Result<void>(TimePoint now)> may_start_install;
  // The next instant after `now` at which may_start_install may succeed; nullopt: none known.
  std::function<std::optional<TimePoint>(TimePoint now)> next_opportunity;
};

}  // namespace pqbranch::update
