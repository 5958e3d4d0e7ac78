#pragma once
// A small world for the agent's update machine: an edge that publishes releases (and now and
// then a forged manifest), a flaky network, a disk with the update directory, a root updater
// that takes the install request and installs, rolls back, fails or refuses, restarting the
// agent as the real one does (docs/updates.md), and an operator. Each agent process is a new
// UpdateMachine started from the state the last one saved (encoded and decoded, as the
// executor stores it) and the updater's result file.
// - Time is simulated in fixed steps; randomness is seeded. Operation results come back one
//   step after the action; a crash drops the results still in flight.
// - After every single action the invariant is checked: an install request only inside an
//   interrupt window (or after the operator's "update now"), never while paused, never for a
//   version the edge did not sign or with another hash, never for a version that failed its
//   health gate, and never while another request is outstanding (the request file present or
//   the updater busy). Every report names the updater's verdict on that version.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "pqbranch/update/update_machine.hpp"

namespace pqbranch::test {

struct UpdateHarnessOptions {
  std::uint64_t seed = 1;
  update::Duration step = std::chrono::minutes(1);
  // Probabilities of trouble (0 turns it off).
  double fetch_failure = 0.2;
  double forged_manifest = 0.1;
  double download_failure = 0.15;
  double download_corrupt = 0.1;
  double request_write_failure = 0.05;
  double report_failure = 0.3;
  double agent_crash = 0.005;   // per step
  double updater_silent = 0.1;  // the updater does not take a request for six hours
  // The updater's verdicts, as weights: installed, rolled back, failed, refused.
  std::array<unsigned, 4> verdicts{5, 3, 1, 1};
};

class UpdateHarness {
 public:
  using TimePoint = update::TimePoint;
  using Duration = update::Duration;

  explicit UpdateHarness(UpdateHarnessOptions o);
  ~UpdateHarness();
  UpdateHarness(const UpdateHarness&) = delete;
  UpdateHarness& operator=(const UpdateHarness&) = delete;

  void start();
  void run_for(Duration d);
  // The edge announces a release (versions are published in increasing order).
  void publish(const std::string& version);
  void update_now();
  void pause();
  void resume();
  // Turn every kind of trouble off (and the updater's verdicts to "installed").
  void calm();

  [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
  [[nodiscard]] const std::string& running() const { return running_; }
  [[nodiscard]] const std::set<std::string>& failed_versions() const { return failed_; }
  [[nodiscard]] std::size_t requests() const { return requests_; }
  [[nodiscard]] std::size_t restarts() const { return restarts_; }
  // (version, outcome) of every acknowledged report, in order.
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& reports() const {
    return reports_;
  }
  [[nodiscard]] const std::map<std::string, std::string>& verdicts() const { return verdict_of_; }
  [[nodiscard]] bool window_open(TimePoint t) const;
  [[nodiscard]] std::string describe() const;

 private:
  struct Pending {
    std::uint64_t process = 0;
    TimePoint at;
    update::UpdateEvent event;
  };
  struct Busy {
    update::InstallRequest request;
    TimePoint finish;
    update::UpdaterStep verdict = update::UpdaterStep::done;
  };

  void step();
  void launch(bool crashed);
  void deliver(update::UpdateEvent e);
  void perform(const std::vector<update::UpdateAction>& actions);
  void perform(const update::UpdateAction& a);
  void later(update::UpdateEvent e);
  void run_updater();
  void violation(const std::string& what);
  bool chance(double p);
  [[nodiscard]] std::string package_of(const std::string& version) const;
  [[nodiscard]] std::string sha_of(const std::string& version) const;
  core::Result<update::ReleaseCandidate> verify(std::string_view manifest, TimePoint now) const;

  UpdateHarnessOptions o_;
  std::mt19937_64 rng_;
  TimePoint now_;
  std::filesystem::path dir_ = "/var/lib/pqbranch/update";
  // The world.
  std::vector<std::string> published_;
  std::map<std::filesystem::path, std::string> disk_;  // file -> the sha256 of its content
  std::optional<update::InstallRequest> request_file_;
  std::optional<update::UpdaterResult> result_file_;
  std::optional<std::string> saved_state_;  // the agent's state file, encoded
  std::optional<Busy> updater_;
  TimePoint updater_silent_until_{};
  std::string running_ = "1.0.0";
  std::set<std::string> failed_;  // the updater's ground truth
  bool paused_ = false;
  bool forced_ = false;  // an UpdateNow reached this process since its last request
  // The agent process.
  std::unique_ptr<update::UpdateMachine> machine_;
  std::uint64_t process_ = 0;
  std::deque<Pending> pending_;
  // Observations.
  std::vector<std::string> violations_;
  std::vector<std::pair<std::string, std::string>> reports_;
  std::map<std::string, std::string> verdict_of_;
  std::size_t requests_ = 0;
  std::size_t restarts_ = 0;
};

}  // namespace pqbranch::test
