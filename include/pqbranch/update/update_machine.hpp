#pragma once
// The agent's side of updates as a pure state machine: events and the (wall-clock) time in,
// actions out, no I/O and no clock inside. The executor fetches, downloads, writes files and
// reports, and feeds the results back; docs/updates.md, "The agent's side".
//
//   every check_interval (+ jitter): FetchManifest -> verify_manifest
//     refused: Note + Count(update_refused_total, reason); nothing staged; next check later
//     a version that failed here, another than the pinned one: refused the same way
//   a verified release not yet staged: DownloadPackage -> size and SHA-256 as announced
//     else refused and DeleteFile; staged (saved)
//   staged: inside a window (may_start_install) or on UpdateNow, unless paused or pinned
//     elsewhere: save "requested", ClearUpdaterResult, WriteInstallRequest
//   the updater's result (read at start, as the updater restarts the agent, and on change):
//     done -> report "installed"; rolled-back -> the version joins the failed set, report
//     "rolled-back"; failed -> failed set, report "failed"; refused -> report "refused".
//   reports go once this process has rotated keys, retried with backoff until acknowledged
//   (at most report_attempts times).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/update_actions.hpp"
#include "pqbranch/update/update_decisions.hpp"
#include "pqbranch/update/update_events.hpp"
#include "pqbranch/update/update_machine_config.hpp"
#include "pqbranch/update/update_state.hpp"
#include "pqbranch/update/update_status.hpp"

namespace pqbranch::update {

class UpdateMachine {
 public:
  UpdateMachine(UpdateMachineConfig config, UpdateDecisions decisions, RandomSource random);

  // The first call, with the state file as load_update_state read it: an unreadable or
  // malformed file is noted and replaced by an empty state (never fatal). With a request
  // outstanding, the machine waits for the updater's result (an UpdaterResultSeen next).
  std::vector<UpdateAction> start(const core::Result<std::optional<UpdateState>>& saved,
                                  TimePoint now);
  std::vector<UpdateAction> handle(UpdateEvent event, TimePoint now);

  [[nodiscard]] UpdateStatus status() const;
  [[nodiscard]] const UpdateState& saved_state() const noexcept { return state_; }
  // The time of the last WakeAt, if any.
  [[nodiscard]] std::optional<TimePoint> next_wake() const noexcept { return armed_; }

 private:
  enum class Phase : std::uint8_t { idle, fetching, downloading, writing_request, awaiting_result };
  using Out = std::vector<UpdateAction>;

  void on(const Tick& e, TimePoint now, Out& out);
  void on(const ManifestFetched& e, TimePoint now, Out& out);
  void on(const FetchFailed& e, TimePoint now, Out& out);
  void on(const PackageDownloaded& e, TimePoint now, Out& out);
  void on(const DownloadFailed& e, TimePoint now, Out& out);
  void on(const RequestWritten& e, TimePoint now, Out& out);
  void on(const UpdaterResultSeen& e, TimePoint now, Out& out);
  void on(const ReportSent& e, TimePoint now, Out& out);
  void on(const ReportFailed& e, TimePoint now, Out& out);
  void on(const RotationSucceeded& e, TimePoint now, Out& out);
  void on(const UpdateNow& e, TimePoint now, Out& out);
  void on(const Pause& e, TimePoint now, Out& out);
  void on(const Resume& e, TimePoint now, Out& out);
  void on(const Pin& e, TimePoint now, Out& out);
  void on(const Unpin& e, TimePoint now, Out& out);

  void pump(TimePoint now, Out& out);
  void begin_check(TimePoint now, Out& out);
  void accept(ReleaseCandidate c, TimePoint now, Out& out);
  void evaluate_install(TimePoint now, Out& out);
  void request_install(TimePoint now, Out& out);
  void fetch_or_download_failed(const core::Error& error, TimePoint now, Out& out);
  void request_write_failed(const core::Error& error, TimePoint now, Out& out);
  void refuse(const core::Error& error, const std::string& what, Out& out);
  void drop_staged(Out& out);
  void add_failed(const std::string& version);
  void queue_report(const std::string& version, const std::string& detail, ReportOutcome outcome,
                    TimePoint now);
  void pump_report(TimePoint now, Out& out);
  void report_failed(const std::string& why, TimePoint now, Out& out);
  void save(Out& out) const;
  void arm(TimePoint now, Out& out);
  [[nodiscard]] std::filesystem::path package_path(const std::string& file_name) const;
  Duration backoff(unsigned failures, Duration initial, Duration max);
  Duration random_up_to(Duration max);
  [[nodiscard]] bool failed_here(const std::string& version) const;
  [[nodiscard]] const char* phase_name() const noexcept;

  UpdateMachineConfig config_;
  UpdateDecisions decisions_;
  RandomSource random_;
  UpdateState state_;
  bool started_ = false;
  Phase phase_ = Phase::idle;
  OpId next_op_ = 1;
  OpId op_ = 0;  // of the outstanding fetch, download or request write
  TimePoint op_deadline_{};
  std::optional<ReleaseCandidate> downloading_;
  TimePoint next_check_{};
  unsigned failures_ = 0;          // failed fetches, downloads, request writes in a row
  TimePoint no_request_before_{};  // after a failed request write
  bool forced_ = false;            // UpdateNow: the staged release skips the window
  bool rotated_ = false;           // this process completed a key rotation
  std::optional<OpId> report_op_;
  TimePoint report_deadline_{};
  TimePoint report_at_{};
  std::optional<core::Error> hold_;  // why the staged release waits (noted when it changes)
  std::optional<TimePoint> next_window_;
  std::string last_result_;
  std::string last_refusal_;
  std::optional<TimePoint> armed_;
};

}  // namespace pqbranch::update
