#include "fakes/update_harness.hpp"

#include <algorithm>
#include <functional>
#include <utility>
#include <variant>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/update_state.hpp"

namespace pqbranch::test {
namespace {

using namespace std::chrono_literals;
using update::UpdateAction;
using update::UpdateEvent;

constexpr std::uint64_t kPackageSize = 4096;
// The interrupt window: 02:00 to 04:00 UTC every day.
constexpr auto kWindowStart = 2h;
constexpr auto kWindowEnd = 4h;

}  // namespace

UpdateHarness::UpdateHarness(UpdateHarnessOptions o)
    : o_(o), rng_(o.seed), now_(std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 8h) {}

UpdateHarness::~UpdateHarness() = default;

bool UpdateHarness::chance(double p) {
  return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

bool UpdateHarness::window_open(TimePoint t) const {
  const auto since_midnight = t - std::chrono::floor<std::chrono::days>(t);
  return since_midnight >= kWindowStart && since_midnight < kWindowEnd;
}

std::string UpdateHarness::package_of(const std::string& version) const {
  return "pqbranch-agent_" + version + "_amd64.deb";
}

std::string UpdateHarness::sha_of(const std::string& version) const {
  const std::size_t h = std::hash<std::string>{}(version);
  return fmt::format("{0:016x}{0:016x}{0:016x}{0:016x}", h);
}

// The edge's manifests as the real verifier would judge them: "signed <version>" verifies
// when the version is newer than the running one; anything else is a forgery.
core::Result<update::ReleaseCandidate> UpdateHarness::verify(std::string_view manifest,
                                                             TimePoint now) const {
  if (!manifest.starts_with("signed ")) {
    return core::make_error(update::errc::signature_invalid, "forged");
  }
  const std::string version(manifest.substr(7));
  const auto index = [&](const std::string& v) {
    auto it = std::ranges::find(published_, v);
    return it == published_.end() ? -1 : static_cast<int>(it - published_.begin());
  };
  if (index(version) < 0) return core::make_error(update::errc::malformed_manifest);
  if (index(version) <= index(running_)) return core::make_error(update::errc::downgrade);
  return update::ReleaseCandidate{version, package_of(version), kPackageSize, sha_of(version),
                                  now + std::chrono::days(3)};
}

void UpdateHarness::start() {
  launch(false);
}

// A new agent process: the machine starts from the saved state, then reads the result file.
void UpdateHarness::launch(bool crashed) {
  ++process_;
  if (machine_) ++restarts_;
  pending_.clear();
  forced_ = false;
  update::UpdateMachineConfig c;
  c.running_version = running_;
  c.channel = "stable";
  c.update_dir = dir_;
  c.check_interval = 2h;
  c.check_jitter = 10min;
  c.first_check_jitter = 2min;
  c.retry_initial = 1min;
  c.operation_timeout = 10min;
  c.result_timeout = 1h;
  c.report_retry_initial = 1min;
  c.report_retry_max = 10min;
  c.report_attempts = 30;
  update::UpdateDecisions d{[this](std::string_view m, TimePoint now) { return verify(m, now); },
                            [this](TimePoint now) -> core::Result<void> {
                              if (window_open(now)) return {};
                              return core::make_error(update::errc::outside_window);
                            },
                            [](TimePoint now) -> std::optional<TimePoint> {
                              const TimePoint midnight = std::chrono::floor<std::chrono::days>(now);
                              const TimePoint start = midnight + kWindowStart;
                              return now < start ? start : start + std::chrono::days(1);
                            }};
  machine_ = std::make_unique<update::UpdateMachine>(c, std::move(d), [this] { return rng_(); });
  core::Result<std::optional<update::UpdateState>> saved = std::optional<update::UpdateState>{};
  if (saved_state_) {
    auto decoded = update::decode_update_state(*saved_state_);
    if (!decoded) violation("the saved state does not decode: " + decoded.error().message());
    if (decoded) saved = std::optional<update::UpdateState>{*decoded};
  }
  (void)crashed;
  perform(machine_->start(saved, now_));
  if (result_file_) deliver(update::UpdaterResultSeen{*result_file_});
  // The executor's first rotation, a moment later (the updater's health gate waits for it).
  later(update::RotationSucceeded{});
}

void UpdateHarness::deliver(UpdateEvent e) {
  perform(machine_->handle(std::move(e), now_));
}

void UpdateHarness::later(UpdateEvent e) {
  pending_.push_back({process_, now_ + o_.step, std::move(e)});
}

void UpdateHarness::perform(const std::vector<UpdateAction>& actions) {
  for (const UpdateAction& a : actions)
    perform(a);
}

void UpdateHarness::perform(const UpdateAction& action) {
  using namespace update;
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, FetchManifest>) {
          if (chance(o_.fetch_failure) || published_.empty()) {
            later(FetchFailed{a.op, core::make_error(errc::malformed_manifest, "network")});
          } else {
            const std::string& v = published_.back();
            later(ManifestFetched{a.op, (chance(o_.forged_manifest) ? "forged " : "signed ") + v});
          }
        } else if constexpr (std::is_same_v<T, DownloadPackage>) {
          if (a.destination.parent_path() != dir_) violation("download outside the update dir");
          // The file name names the version: pqbranch-agent_<version>_amd64.deb.
          std::string version = a.file_name.substr(15);
          version = version.substr(0, version.size() - 10);
          if (chance(o_.download_failure)) {
            disk_[a.destination] = "partial";
            later(DownloadFailed{a.op, core::make_error(errc::package_truncated, "reset")});
          } else {
            const std::string sha =
                chance(o_.download_corrupt) ? sha_of("corrupt") : sha_of(version);
            disk_[a.destination] = sha;
            later(PackageDownloaded{a.op, a.destination, a.max_size, sha});
          }
        } else if constexpr (std::is_same_v<T, DeleteFile>) {
          disk_.erase(a.path);
        } else if constexpr (std::is_same_v<T, ClearUpdaterResult>) {
          result_file_.reset();
        } else if constexpr (std::is_same_v<T, WriteInstallRequest>) {
          const InstallRequest& r = a.request;
          if (request_file_ || updater_) violation("a second install request outstanding");
          if (!window_open(now_) && !forced_) violation("an install request outside a window");
          if (paused_) violation("an install request while paused");
          if (std::ranges::find(published_, r.version) == published_.end() ||
              r.sha256 != sha_of(r.version) || r.package != dir_ / package_of(r.version)) {
            violation("an install request for an unverified release " + r.version);
          }
          if (failed_.contains(r.version)) violation("an install request for failed " + r.version);
          forced_ = false;
          if (chance(o_.request_write_failure)) {
            later(RequestWritten{a.op, core::make_error(errc::bad_install_request, "disk full")});
          } else {
            ++requests_;
            request_file_ = r;
            later(RequestWritten{a.op, {}});
          }
        } else if constexpr (std::is_same_v<T, WithdrawInstallRequest>) {
          request_file_.reset();
        } else if constexpr (std::is_same_v<T, SendReport>) {
          auto it = verdict_of_.find(a.version);
          if (it == verdict_of_.end() || it->second != to_string(a.outcome)) {
            violation(
                fmt::format("report {} {} names no such verdict", a.version, to_string(a.outcome)));
          }
          if (chance(o_.report_failure)) {
            later(ReportFailed{a.op, core::make_error(errc::malformed_manifest, "edge down")});
          } else {
            reports_.emplace_back(a.version, std::string(to_string(a.outcome)));
            later(ReportSent{a.op});
          }
        } else if constexpr (std::is_same_v<T, SaveUpdateState>) {
          saved_state_ = encode(a.state);
        } else {
          // WakeAt, Note, Count: the simulation ticks every step anyway.
        }
      },
      action);
}

// The root updater: takes a request, checks the package, and ends some steps later with a
// verdict, restarting the agent unless it refused.
void UpdateHarness::run_updater() {
  using update::UpdaterStep;
  if (!updater_ && request_file_ && now_ >= updater_silent_until_) {
    if (chance(o_.updater_silent)) {
      updater_silent_until_ = now_ + 6h;
      return;
    }
    Busy b{*request_file_, now_ + std::chrono::minutes(1 + rng_() % 5), UpdaterStep::done};
    request_file_.reset();
    auto file = disk_.find(b.request.package);
    if (file == disk_.end() || file->second != b.request.sha256) {
      b.verdict = UpdaterStep::refused;
    } else {
      const auto& w = o_.verdicts;
      std::discrete_distribution<int> pick(
          {double(w[0]), double(w[1]), double(w[2]), double(w[3])});
      constexpr std::array steps{UpdaterStep::done, UpdaterStep::rolled_back, UpdaterStep::failed,
                                 UpdaterStep::refused};
      b.verdict = steps.at(static_cast<std::size_t>(pick(rng_)));
    }
    updater_ = b;
    return;
  }
  if (!updater_ || now_ < updater_->finish) return;
  const Busy b = *updater_;
  updater_.reset();
  update::UpdaterResult r{b.verdict, b.request.version, std::nullopt, "simulated"};
  switch (b.verdict) {
    case UpdaterStep::done:
      running_ = b.request.version;
      break;
    case UpdaterStep::rolled_back:
      r.failed_version = b.request.version;
      failed_.insert(b.request.version);
      break;
    case UpdaterStep::failed:
      failed_.insert(b.request.version);
      break;
    case UpdaterStep::refused:
      break;
  }
  verdict_of_[b.request.version] = std::string(
      update::to_string(b.verdict == UpdaterStep::done          ? update::ReportOutcome::installed
                        : b.verdict == UpdaterStep::rolled_back ? update::ReportOutcome::rolled_back
                        : b.verdict == UpdaterStep::failed      ? update::ReportOutcome::failed
                                                                : update::ReportOutcome::refused));
  result_file_ = r;
  if (b.verdict == UpdaterStep::refused) {
    forced_ = false;
    deliver(update::UpdaterResultSeen{r});  // the executor sees the file change
  } else {
    launch(false);  // the updater restarted the agent
  }
}

void UpdateHarness::step() {
  now_ += o_.step;
  // Results due now, of this process only (a crash lost the others).
  std::deque<Pending> due;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->at <= now_) {
      due.push_back(std::move(*it));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (Pending& p : due) {
    if (p.process == process_) deliver(std::move(p.event));
  }
  deliver(update::Tick{});
  run_updater();
  if (chance(o_.agent_crash)) launch(true);
}

void UpdateHarness::run_for(Duration d) {
  const TimePoint end = now_ + d;
  while (now_ < end)
    step();
}

void UpdateHarness::publish(const std::string& version) {
  published_.push_back(version);
}

void UpdateHarness::update_now() {
  if (!paused_) forced_ = true;
  deliver(update::UpdateNow{});
}

void UpdateHarness::pause() {
  paused_ = true;
  forced_ = false;
  deliver(update::Pause{});
}

void UpdateHarness::resume() {
  paused_ = false;
  deliver(update::Resume{});
}

void UpdateHarness::calm() {
  o_.fetch_failure = o_.forged_manifest = o_.download_failure = o_.download_corrupt = 0;
  o_.request_write_failure = o_.report_failure = o_.agent_crash = o_.updater_silent = 0;
  o_.verdicts = {1, 0, 0, 0};
}

void UpdateHarness::violation(const std::string& what) {
  violations_.push_back(
      fmt::format("{:%FT%R}: {}", std::chrono::floor<std::chrono::minutes>(now_), what));
}

std::string UpdateHarness::describe() const {
  const update::UpdateStatus s = machine_->status();
  std::string out = fmt::format(
      "running {}, machine '{}', staged {}, requested {}, failed {}, requests {}, restarts {}, "
      "reports {}, last refusal '{}', last result '{}'",
      running_, s.state, s.staged_version.value_or("-"), s.requested_version.value_or("-"),
      failed_.size(), requests_, restarts_, reports_.size(), s.last_refusal, s.last_result);
  for (const std::string& v : violations_)
    out += "\n  " + v;
  return out;
}

}  // namespace pqbranch::test
