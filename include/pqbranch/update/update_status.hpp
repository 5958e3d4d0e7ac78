#pragma once
// A snapshot of the agent's update machine for `pqbranch-agent status` and logs.

#include <cstddef>
#include <optional>
#include <string>

#include "pqbranch/update/update_decisions.hpp"

namespace pqbranch::update {

struct UpdateStatus {
  // "idle", "checking", "downloading", "staged", "writing install request",
  // "waiting for the updater".
  std::string state;
  std::string running_version;
  std::string channel;
  std::optional<std::string> staged_version;
  std::string held;                      // why the staged release waits ("outside_window: ...")
  std::optional<TimePoint> next_window;  // when it may be installed, when a window holds it
  std::optional<TimePoint> next_check;
  std::optional<std::string> requested_version;  // the install request outstanding
  std::string last_result;   // the last updater result handled ("rolled-back 0.2.0: ...")
  std::string last_refusal;  // "<reason>: <detail>" of the last refused release or package
  bool paused = false;
  std::optional<std::string> pinned;
  std::size_t failed_versions = 0;
  std::optional<std::string> pending_report;  // "<version> <outcome>", not yet acknowledged
};

}  // namespace pqbranch::update
