#pragma once
// Helpers for the update machine tests: a release, decisions the test steers, picking actions.

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/update_machine.hpp"

namespace pqbranch::update::testing {

using namespace std::chrono_literals;

inline const TimePoint kT0 = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 8h;
inline const std::filesystem::path kDir = "/var/lib/pqbranch/update";

inline ReleaseCandidate release(const std::string& version, char hash = 'a',
                                std::uint64_t size = 4096) {
  return {version, "pqbranch-agent_" + version + "_amd64.deb", size, std::string(64, hash),
          kT0 + std::chrono::days(7)};
}

inline UpdateMachineConfig machine_config() {
  UpdateMachineConfig c;
  c.running_version = "0.1.0";
  c.channel = "stable";
  c.update_dir = kDir;
  c.check_interval = 6h;
  c.check_jitter = 10min;
  c.first_check_jitter = 2min;
  c.retry_initial = 1min;
  c.operation_timeout = 15min;
  c.result_timeout = 1h;
  c.report_retry_initial = 30s;
  c.report_retry_max = 10min;
  c.report_attempts = 5;
  return c;
}

// Decisions whose answers the test sets: the verdict on any manifest, whether a window is
// open, and when the next one opens.
struct SteeredDecisions {
  core::Result<ReleaseCandidate> verdict = core::make_error(errc::signature_invalid);
  bool window_open = false;  // else errc::outside_window
  std::optional<TimePoint> next_open;
  std::vector<std::string> manifests_seen;

  UpdateDecisions bind() {
    return {[this](std::string_view bytes, TimePoint) {
              manifests_seen.emplace_back(bytes);
              return verdict;
            },
            [this](TimePoint) -> core::Result<void> {
              if (window_open) return {};
              return core::make_error(errc::outside_window);
            },
            [this](TimePoint) { return next_open; }};
  }
  void open_window() { window_open = true; }
  void close_window() { window_open = false; }
};

template <class T>
std::vector<const T*> all_of(const std::vector<UpdateAction>& actions) {
  std::vector<const T*> out;
  for (const UpdateAction& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(t);
  }
  return out;
}

template <class T>
const T* first_of(const std::vector<UpdateAction>& actions) {
  for (const UpdateAction& a : actions) {
    if (const T* t = std::get_if<T>(&a)) return t;
  }
  return nullptr;
}

template <class T>
const T* last_of(const std::vector<UpdateAction>& actions) {
  const T* found = nullptr;
  for (const UpdateAction& a : actions) {
    if (const T* t = std::get_if<T>(&a)) found = t;
  }
  return found;
}

template <class T>
std::size_t index_of(const std::vector<UpdateAction>& actions) {
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (std::holds_alternative<T>(actions[i])) return i;
  }
  return actions.size();
}

inline bool counted(const std::vector<UpdateAction>& actions, const std::string& name,
                    const std::string& reason = {}) {
  for (const Count* c : all_of<Count>(actions)) {
    if (c->name == name && c->reason == reason) return true;
  }
  return false;
}

inline bool noted(const std::vector<UpdateAction>& actions, const std::string& needle) {
  for (const Note* n : all_of<Note>(actions)) {
    if (n->text.find(needle) != std::string::npos) return true;
  }
  return false;
}

inline UpdaterResult result(UpdaterStep step, const std::string& version,
                            std::optional<std::string> failed_version = std::nullopt) {
  return {step, version, std::move(failed_version), "detail of " + std::string(to_string(step))};
}

}  // namespace pqbranch::update::testing
