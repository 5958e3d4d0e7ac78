#include "pqbranch/update/update_machine.hpp"

#include <algorithm>
#include <utility>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/refusal_reason.hpp"

#include "release_fields.hpp"

namespace pqbranch::update {
namespace {

void note(std::vector<UpdateAction>& out, NoteLevel level, std::string text) {
  out.emplace_back(Note{level, std::move(text)});
}

// A hold is noted when its reason changes, not at every re-evaluation.
bool same_reason(const std::optional<core::Error>& a, const core::Error& b) {
  return a && a->code == b.code;
}

}  // namespace

UpdateMachine::UpdateMachine(UpdateMachineConfig config, UpdateDecisions decisions,
                             RandomSource random)
    : config_(std::move(config)), decisions_(std::move(decisions)), random_(std::move(random)) {}

std::vector<UpdateAction> UpdateMachine::start(
    const core::Result<std::optional<UpdateState>>& saved, TimePoint now) {
  Out out;
  if (started_) {
    note(out, NoteLevel::warn, "update machine already started");
    return out;
  }
  started_ = true;
  if (!saved) {
    // Losing the state costs at most one more try of a version that failed here (the
    // updater rolls it back again); refusing to run would stop updates for good.
    note(out, NoteLevel::warn,
         "update state unreadable, starting with an empty one: " + saved.error().message());
    out.emplace_back(
        Count{"update_state_replaced_total", std::string(reason_label(saved.error()))});
    save(out);
  } else if (*saved) {
    state_ = **saved;
  }
  if (state_.staged && !state_.requested &&
      (state_.staged->version == config_.running_version || failed_here(state_.staged->version))) {
    note(out, NoteLevel::info,
         fmt::format("staged {} is running or failed here; dropped", state_.staged->version));
    drop_staged(out);
    save(out);
  }
  if (state_.requested) {
    phase_ = Phase::awaiting_result;
    note(out, NoteLevel::info,
         fmt::format("running {}, waiting for the updater's result for {}", config_.running_version,
                     state_.requested->version));
  } else {
    note(out, NoteLevel::info,
         fmt::format("running {} on channel '{}', {} version(s) failed here{}",
                     config_.running_version, config_.channel, state_.failed_versions.size(),
                     state_.staged ? ", staged " + state_.staged->version : std::string()));
  }
  next_check_ = now + random_up_to(config_.first_check_jitter);
  report_at_ = now;
  pump(now, out);
  return out;
}

std::vector<UpdateAction> UpdateMachine::handle(UpdateEvent event, TimePoint now) {
  Out out;
  if (!started_) {
    note(out, NoteLevel::warn, "update event before start ignored");
    return out;
  }
  std::visit([&](const auto& e) { on(e, now, out); }, event);
  pump(now, out);
  return out;
}

// --- events ---

void UpdateMachine::on(const Tick& /*e*/, TimePoint /*now*/, Out& /*out*/) {}

void UpdateMachine::on(const ManifestFetched& e, TimePoint now, Out& out) {
  if (phase_ != Phase::fetching || e.op != op_) return;
  phase_ = Phase::idle;
  failures_ = 0;
  auto c = decisions_.verify_manifest(e.bytes, now);
  if (!c) {
    refuse(c.error(), "release manifest", out);
    return;
  }
  accept(std::move(*c), now, out);
}

void UpdateMachine::on(const FetchFailed& e, TimePoint now, Out& out) {
  if (phase_ != Phase::fetching || e.op != op_) return;
  phase_ = Phase::idle;
  out.emplace_back(Count{"update_fetch_failures_total", {}});
  fetch_or_download_failed(core::prefixed(e.error, "fetch manifest"), now, out);
}

void UpdateMachine::on(const PackageDownloaded& e, TimePoint /*now*/, Out& out) {
  if (phase_ != Phase::downloading || e.op != op_ || !downloading_) {
    // A download the machine gave up on: its file is not staged.
    if (!state_.staged || e.path != package_path(state_.staged->package)) {
      out.emplace_back(DeleteFile{e.path});
    }
    return;
  }
  phase_ = Phase::idle;
  ReleaseCandidate c = std::move(*downloading_);
  downloading_.reset();
  const std::filesystem::path path = package_path(c.package);
  std::optional<core::Error> wrong;
  if (e.path != path) {
    wrong =
        core::make_error(errc::bad_install_request,
                         fmt::format("downloaded to {}, not {}", e.path.string(), path.string()));
  } else if (e.size < c.size) {
    wrong = core::make_error(errc::package_truncated,
                             fmt::format("{} bytes, the manifest says {}", e.size, c.size));
  } else if (e.size > c.size) {
    wrong = core::make_error(errc::package_too_large,
                             fmt::format("{} bytes, the manifest says {}", e.size, c.size));
  } else if (e.sha256 != c.sha256) {
    wrong = core::make_error(errc::hash_mismatch,
                             fmt::format("SHA-256 {}, the manifest says {}", e.sha256, c.sha256));
  }
  if (wrong) {
    out.emplace_back(DeleteFile{path});
    if (e.path != path) out.emplace_back(DeleteFile{e.path});
    refuse(*wrong, "package " + c.package, out);
    return;
  }
  failures_ = 0;
  note(out, NoteLevel::info,
       fmt::format("release {} staged ({}, {} bytes)", c.version, c.package, c.size));
  out.emplace_back(Count{"update_staged_total", {}});
  state_.staged = std::move(c);
  hold_.reset();
  save(out);
}

void UpdateMachine::on(const DownloadFailed& e, TimePoint now, Out& out) {
  if (phase_ != Phase::downloading || e.op != op_ || !downloading_) return;
  phase_ = Phase::idle;
  const ReleaseCandidate c = std::move(*downloading_);
  downloading_.reset();
  out.emplace_back(DeleteFile{package_path(c.package)});
  const core::Error error = core::prefixed(e.error, "download " + c.package);
  // The edge sent more or less than the manifest announced: a refusal, not bad luck.
  if (e.error == errc::package_too_large || e.error == errc::package_truncated) {
    refuse(error, "package " + c.package, out);
    return;
  }
  out.emplace_back(Count{"update_download_failures_total", {}});
  fetch_or_download_failed(error, now, out);
}

void UpdateMachine::on(const RequestWritten& e, TimePoint now, Out& out) {
  if (phase_ != Phase::writing_request || e.op != op_) return;
  if (!e.result) {
    request_write_failed(e.result.error(), now, out);
    return;
  }
  phase_ = Phase::awaiting_result;
  failures_ = 0;
  out.emplace_back(Count{"update_install_requests_total", {}});
  note(out, NoteLevel::info,
       fmt::format("install request for {} written; waiting for the updater",
                   state_.requested->version));
}

void UpdateMachine::on(const UpdaterResultSeen& e, TimePoint now, Out& out) {
  if (!e.result) {
    // The updater may still rewrite it; the result timeout bounds the wait.
    note(out, NoteLevel::warn, "updater result unreadable: " + e.result.error().message());
    out.emplace_back(Count{"update_bad_results_total", {}});
    return;
  }
  const UpdaterResult& r = *e.result;
  const bool ours = state_.requested && (r.version == state_.requested->version ||
                                         (r.step == UpdaterStep::refused && r.version.empty()));
  if (!ours) {
    // An old result (handled before, or of a request this state no longer knows of). A
    // version it says failed is still never tried again.
    bool changed = false;
    if (r.step == UpdaterStep::rolled_back && r.failed_version && !failed_here(*r.failed_version)) {
      add_failed(*r.failed_version);
      changed = true;
    }
    if (r.step == UpdaterStep::failed && !r.version.empty() && !failed_here(r.version)) {
      add_failed(r.version);
      changed = true;
    }
    note(out, NoteLevel::debug,
         fmt::format("updater result '{} {}' answers no outstanding request", to_string(r.step),
                     r.version));
    if (changed) save(out);
    return;
  }
  const OutstandingRequest req = *state_.requested;
  state_.requested.reset();
  if (phase_ == Phase::writing_request || phase_ == Phase::awaiting_result) phase_ = Phase::idle;
  out.emplace_back(DeleteFile{package_path(req.package)});
  if (state_.staged && state_.staged->version == req.version) state_.staged.reset();
  forced_ = false;
  hold_.reset();
  next_window_.reset();
  last_result_ = fmt::format("{} {}: {}", to_string(r.step), req.version, r.detail);
  out.emplace_back(Count{"update_results_total", std::string(to_string(r.step))});
  switch (r.step) {
    case UpdaterStep::done:
      if (req.version != config_.running_version) {
        note(out, NoteLevel::warn,
             fmt::format("the updater installed {} but this process runs {}", req.version,
                         config_.running_version));
      }
      note(out, NoteLevel::info, fmt::format("updated to {}: {}", req.version, r.detail));
      queue_report(req.version, r.detail, ReportOutcome::installed, now);
      break;
    case UpdaterStep::rolled_back:
      add_failed(r.failed_version.value_or(req.version));
      note(out, NoteLevel::warn,
           fmt::format("{} failed its health gate and was rolled back ({}); never again",
                       req.version, r.detail));
      queue_report(req.version, r.detail, ReportOutcome::rolled_back, now);
      break;
    case UpdaterStep::failed:
      add_failed(req.version);
      note(out, NoteLevel::error,
           fmt::format("{} failed and so did the rollback: {}", req.version, r.detail));
      queue_report(req.version, r.detail, ReportOutcome::failed, now);
      break;
    case UpdaterStep::refused:
      note(out, NoteLevel::warn,
           fmt::format("the updater refused the request for {}: {}", req.version, r.detail));
      queue_report(req.version, r.detail, ReportOutcome::refused, now);
      break;
  }
  save(out);
  out.emplace_back(ClearUpdaterResult{});
}

void UpdateMachine::on(const ReportSent& e, TimePoint /*now*/, Out& out) {
  if (!report_op_ || e.op != *report_op_) return;
  report_op_.reset();
  if (!state_.report) return;
  note(out, NoteLevel::info,
       fmt::format("reported {} {} to the edge", state_.report->version,
                   to_string(state_.report->outcome)));
  state_.report.reset();
  save(out);
}

void UpdateMachine::on(const ReportFailed& e, TimePoint now, Out& out) {
  if (!report_op_ || e.op != *report_op_) return;
  report_failed(e.error.message(), now, out);
}

void UpdateMachine::on(const RotationSucceeded& /*e*/, TimePoint /*now*/, Out& /*out*/) {
  rotated_ = true;
}

void UpdateMachine::on(const UpdateNow& /*e*/, TimePoint now, Out& out) {
  if (state_.paused) {
    refuse(core::make_error(errc::paused, "resume first"), "update now", out);
    return;
  }
  forced_ = true;
  if (state_.staged || phase_ != Phase::idle) {
    note(out, NoteLevel::info, "update now: the next staged release skips the window");
    return;
  }
  note(out, NoteLevel::info, "update now: checking for a release at once");
  next_check_ = now;
}

void UpdateMachine::on(const Pause& /*e*/, TimePoint /*now*/, Out& out) {
  if (state_.paused) return;
  state_.paused = true;
  forced_ = false;
  note(out, NoteLevel::info, "updates paused by the operator");
  save(out);
}

void UpdateMachine::on(const Resume& /*e*/, TimePoint /*now*/, Out& out) {
  if (!state_.paused) return;
  state_.paused = false;
  note(out, NoteLevel::info, "updates resumed by the operator");
  save(out);
}

void UpdateMachine::on(const Pin& e, TimePoint /*now*/, Out& out) {
  if (!detail::valid_version(e.version)) {
    note(out, NoteLevel::warn, fmt::format("pin to '{}' ignored: not a version", e.version));
    return;
  }
  state_.pinned = e.version;
  note(out, NoteLevel::info, "updates pinned to " + e.version);
  save(out);
}

void UpdateMachine::on(const Unpin& /*e*/, TimePoint /*now*/, Out& out) {
  if (!state_.pinned) return;
  state_.pinned.reset();
  note(out, NoteLevel::info, "updates unpinned");
  save(out);
}

// --- driving ---

void UpdateMachine::pump(TimePoint now, Out& out) {
  if ((phase_ == Phase::fetching || phase_ == Phase::downloading) && now >= op_deadline_) {
    const bool fetching = phase_ == Phase::fetching;
    phase_ = Phase::idle;
    if (!fetching && downloading_) {
      out.emplace_back(DeleteFile{package_path(downloading_->package)});
      downloading_.reset();
    }
    fetch_or_download_failed(
        core::Error{boost::system::errc::make_error_code(boost::system::errc::timed_out),
                    fetching ? "fetch manifest" : "download package"},
        now, out);
  }
  if (phase_ == Phase::writing_request && now >= op_deadline_) {
    // The request may be on disk: wait for a result as if it were (the result timeout
    // withdraws it).
    note(out, NoteLevel::warn, "no answer to the install request write; waiting for a result");
    phase_ = Phase::awaiting_result;
  }
  if (phase_ == Phase::awaiting_result && state_.requested &&
      now >= state_.requested->written + config_.result_timeout) {
    note(out, NoteLevel::warn,
         fmt::format("no result from the updater for {} in time; request withdrawn",
                     state_.requested->version));
    out.emplace_back(Count{"update_requests_withdrawn_total", {}});
    out.emplace_back(WithdrawInstallRequest{});
    state_.requested.reset();
    phase_ = Phase::idle;
    // An updater that does not answer is not asked again at once.
    no_request_before_ = now + config_.result_timeout;
    save(out);
  }
  pump_report(now, out);
  if (phase_ == Phase::idle && state_.staged) evaluate_install(now, out);
  if (phase_ == Phase::idle && now >= next_check_) begin_check(now, out);
  arm(now, out);
}

void UpdateMachine::begin_check(TimePoint now, Out& out) {
  phase_ = Phase::fetching;
  op_ = next_op_++;
  op_deadline_ = now + config_.operation_timeout;
  next_check_ = now + config_.check_interval + random_up_to(config_.check_jitter);
  out.emplace_back(FetchManifest{op_});
}

void UpdateMachine::accept(ReleaseCandidate c, TimePoint now, Out& out) {
  const std::string what = "release " + c.version;
  if (!detail::valid_version(c.version) || !detail::valid_package_name(c.package) ||
      !detail::valid_sha256(c.sha256) || c.size == 0) {
    refuse(core::make_error(errc::malformed_manifest,
                            fmt::format("version '{}', package '{}', size {}, sha256 '{}'",
                                        c.version, c.package, c.size, c.sha256)),
           "release", out);
    return;
  }
  if (c.size > config_.max_package_bytes) {
    refuse(
        core::make_error(errc::package_too_large, fmt::format("{} bytes, the bound is {}", c.size,
                                                              config_.max_package_bytes)),
        what, out);
    return;
  }
  if (c.expires <= now) {
    refuse(core::make_error(errc::expired), what, out);
    return;
  }
  if (c.version == config_.running_version) {
    refuse(core::make_error(errc::downgrade, "already running"), what, out);
    return;
  }
  if (failed_here(c.version)) {
    refuse(core::make_error(errc::failed_before), what, out);
    return;
  }
  if (state_.pinned && *state_.pinned != c.version) {
    refuse(core::make_error(errc::pinned, "pinned to " + *state_.pinned), what, out);
    return;
  }
  if (state_.staged) {
    ReleaseCandidate& s = *state_.staged;
    if (s.version == c.version && s.package == c.package && s.size == c.size &&
        s.sha256 == c.sha256) {
      // The same release, verified again: its newer expiry counts.
      if (s.expires != c.expires) {
        s.expires = c.expires;
        save(out);
      }
      return;
    }
    note(out, NoteLevel::info, fmt::format("release {} replaces staged {}", c.version, s.version));
    drop_staged(out);
    save(out);
  }
  note(out, NoteLevel::info,
       fmt::format("release {} verified; downloading {}", c.version, c.package));
  phase_ = Phase::downloading;
  op_ = next_op_++;
  op_deadline_ = now + config_.operation_timeout;
  out.emplace_back(DownloadPackage{op_, c.package, c.size, package_path(c.package)});
  downloading_ = std::move(c);
}

void UpdateMachine::evaluate_install(TimePoint now, Out& out) {
  const ReleaseCandidate& s = *state_.staged;
  if (s.expires <= now) {
    refuse(core::make_error(errc::expired, "the manifest of the staged release"),
           "release " + s.version, out);
    drop_staged(out);
    save(out);
    next_check_ = std::min(next_check_, now);  // a fresh manifest may re-stage it
    return;
  }
  if (now < no_request_before_) return;
  std::optional<core::Error> hold;
  bool window = false;
  if (state_.paused) {
    hold = core::make_error(errc::paused);
  } else if (state_.pinned && *state_.pinned != s.version) {
    hold = core::make_error(errc::pinned, "pinned to " + *state_.pinned);
  } else if (!forced_) {
    if (auto r = decisions_.may_start_install(now); !r) {
      hold = r.error();
      window = true;
    }
  }
  if (!hold) {
    request_install(now, out);
    return;
  }
  next_window_ = window ? decisions_.next_opportunity(now) : std::nullopt;
  if (!same_reason(hold_, *hold)) {
    note(out, NoteLevel::info,
         fmt::format("staged {} waits: {}{}", s.version, hold->message(),
                     next_window_
                         ? fmt::format(" (next opportunity {:%FT%TZ})",
                                       std::chrono::floor<std::chrono::seconds>(*next_window_))
                         : std::string()));
    hold_ = std::move(hold);
  }
}

void UpdateMachine::request_install(TimePoint now, Out& out) {
  const ReleaseCandidate& s = *state_.staged;
  InstallRequest request{s.version, package_path(s.package), s.sha256};
  // The same check the writer makes, before anything is saved.
  if (auto bytes = format_install_request(request, config_.update_dir); !bytes) {
    refuse(bytes.error(), "release " + s.version, out);
    drop_staged(out);
    save(out);
    return;
  }
  note(out, NoteLevel::info,
       fmt::format("installing {}{}", s.version, forced_ ? " (update now)" : " (window open)"));
  // Saved first: a crash after the write still knows a request is out.
  state_.requested = OutstandingRequest{s.version, s.package, s.sha256, now};
  save(out);
  out.emplace_back(ClearUpdaterResult{});
  phase_ = Phase::writing_request;
  op_ = next_op_++;
  op_deadline_ = now + config_.operation_timeout;
  out.emplace_back(WriteInstallRequest{op_, std::move(request)});
  forced_ = false;
  hold_.reset();
  next_window_.reset();
}

void UpdateMachine::fetch_or_download_failed(const core::Error& error, TimePoint now, Out& out) {
  ++failures_;
  const TimePoint retry = now + backoff(failures_, config_.retry_initial, config_.check_interval);
  next_check_ = std::min(next_check_, retry);
  note(out, NoteLevel::warn,
       fmt::format("{}; next check in {} s", error.message(),
                   std::chrono::floor<std::chrono::seconds>(next_check_ - now).count()));
}

void UpdateMachine::request_write_failed(const core::Error& error, TimePoint now, Out& out) {
  ++failures_;
  state_.requested.reset();
  phase_ = Phase::idle;
  no_request_before_ = now + backoff(failures_, config_.retry_initial, config_.check_interval);
  out.emplace_back(Count{"update_request_write_failures_total", {}});
  note(out, NoteLevel::error, "writing the install request failed: " + error.message());
  save(out);
}

void UpdateMachine::refuse(const core::Error& error, const std::string& what, Out& out) {
  const std::string_view reason = reason_label(error);
  last_refusal_ = fmt::format("{}: {}", reason, error.message());
  note(out, NoteLevel::warn, fmt::format("{} refused: {}", what, error.message()));
  out.emplace_back(Count{"update_refused_total", std::string(reason)});
}

void UpdateMachine::drop_staged(Out& out) {
  if (!state_.staged) return;
  out.emplace_back(DeleteFile{package_path(state_.staged->package)});
  state_.staged.reset();
  hold_.reset();
  next_window_.reset();
}

void UpdateMachine::add_failed(const std::string& version) {
  if (failed_here(version)) return;
  state_.failed_versions.push_back(version);
  if (state_.failed_versions.size() > kMaxFailedVersions) {
    state_.failed_versions.erase(state_.failed_versions.begin());
  }
}

void UpdateMachine::queue_report(const std::string& version, const std::string& detail,
                                 ReportOutcome outcome, TimePoint now) {
  // One report at a time: a newer outcome supersedes one never acknowledged.
  state_.report = PendingReport{version, outcome, 0, detail};
  report_op_.reset();
  report_at_ = now;
}

void UpdateMachine::pump_report(TimePoint now, Out& out) {
  if (!state_.report) return;
  if (report_op_) {
    if (now >= report_deadline_) report_failed("no answer in time", now, out);
    return;
  }
  // Reports travel the key service's connection: a completed rotation proves it works (and,
  // after an update, that the new version does).
  if (!rotated_ || now < report_at_) return;
  report_op_ = next_op_++;
  report_deadline_ = now + config_.operation_timeout;
  const PendingReport& r = *state_.report;
  out.emplace_back(SendReport{*report_op_, r.version, r.outcome, r.detail});
}

void UpdateMachine::report_failed(const std::string& why, TimePoint now, Out& out) {
  report_op_.reset();
  if (!state_.report) return;
  PendingReport& r = *state_.report;
  ++r.attempts;
  if (r.attempts >= config_.report_attempts) {
    note(out, NoteLevel::error,
         fmt::format("report {} {} dropped after {} attempts: {}", r.version, to_string(r.outcome),
                     r.attempts, why));
    out.emplace_back(Count{"update_reports_dropped_total", {}});
    state_.report.reset();
  } else {
    report_at_ = now + backoff(r.attempts, config_.report_retry_initial, config_.report_retry_max);
    note(out, NoteLevel::warn,
         fmt::format("report {} {} failed ({}), attempt {}; retrying", r.version,
                     to_string(r.outcome), why, r.attempts));
  }
  save(out);
}

void UpdateMachine::save(Out& out) const {
  out.emplace_back(SaveUpdateState{state_});
}

void UpdateMachine::arm(TimePoint now, Out& out) {
  std::optional<TimePoint> next;
  auto consider = [&](std::optional<TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  switch (phase_) {
    case Phase::idle:
      consider(next_check_);
      if (state_.staged) {
        consider(state_.staged->expires);
        consider(next_window_);
        if (no_request_before_ > now) consider(no_request_before_);
      }
      break;
    case Phase::fetching:
    case Phase::downloading:
    case Phase::writing_request:
      consider(op_deadline_);
      break;
    case Phase::awaiting_result:
      if (state_.requested) consider(state_.requested->written + config_.result_timeout);
      break;
  }
  if (state_.report && rotated_) consider(report_op_ ? report_deadline_ : report_at_);
  if (!next) return;
  const TimePoint at = std::max(*next, now + std::chrono::milliseconds(1));
  if (armed_ != at) {
    armed_ = at;
    out.emplace_back(WakeAt{at});
  }
}

std::filesystem::path UpdateMachine::package_path(const std::string& file_name) const {
  return config_.update_dir / file_name;
}

// initial * 2^(n-1) capped at max, then a uniform pick in [half, whole].
Duration UpdateMachine::backoff(unsigned failures, Duration initial, Duration max) {
  Duration delay = initial;
  for (unsigned i = 1; i < failures && delay < max; ++i)
    delay *= 2;
  delay = std::min(delay, max);
  return delay / 2 + random_up_to(delay - delay / 2);
}

Duration UpdateMachine::random_up_to(Duration max) {
  if (max.count() <= 0 || !random_) return Duration::zero();
  const auto span = static_cast<std::uint64_t>(max.count()) + 1;
  return Duration(static_cast<Duration::rep>(random_() % span));
}

bool UpdateMachine::failed_here(const std::string& version) const {
  return std::ranges::find(state_.failed_versions, version) != state_.failed_versions.end();
}

const char* UpdateMachine::phase_name() const noexcept {
  switch (phase_) {
    case Phase::idle:
      return state_.staged ? "staged" : "idle";
    case Phase::fetching:
      return "checking";
    case Phase::downloading:
      return "downloading";
    case Phase::writing_request:
      return "writing install request";
    case Phase::awaiting_result:
      return "waiting for the updater";
  }
  return "?";
}

UpdateStatus UpdateMachine::status() const {
  UpdateStatus s;
  s.state = phase_name();
  s.running_version = config_.running_version;
  s.channel = config_.channel;
  if (state_.staged) s.staged_version = state_.staged->version;
  if (hold_ && phase_ == Phase::idle && state_.staged) {
    s.held = fmt::format("{}: {}", reason_label(*hold_), hold_->message());
    s.next_window = next_window_;
  }
  if (phase_ != Phase::awaiting_result && phase_ != Phase::writing_request) {
    s.next_check = next_check_;
  }
  if (state_.requested) s.requested_version = state_.requested->version;
  s.last_result = last_result_;
  s.last_refusal = last_refusal_;
  s.paused = state_.paused;
  s.pinned = state_.pinned;
  s.failed_versions = state_.failed_versions.size();
  if (state_.report) {
    s.pending_report =
        fmt::format("{} {}", state_.report->version, to_string(state_.report->outcome));
  }
  return s;
}

}  // namespace pqbranch::update
