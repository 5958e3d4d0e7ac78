#include "pqbranch/app/update_executor.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <random>
#include <system_error>
#include <utility>
#include <variant>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/keysvc/errc.hpp"
#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/manifest.hpp"
#include "pqbranch/update/package_check.hpp"
#include "pqbranch/update/release_keys.hpp"
#include "pqbranch/update/release_verify.hpp"
#include "pqbranch/update/update_machine.hpp"
#include "pqbranch/update/updater_files.hpp"
#include "pqbranch/update/utc_time.hpp"
#include "pqbranch/update/version.hpp"
#include "pqbranch/update/window_schedule.hpp"

namespace pqbranch::app {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kMaxVersionFileBytes = 256;
// The report's body is tiny; the edge's answer too.
constexpr std::uint64_t kMaxReportAnswerBytes = 4096;

update::TimePoint wall_now() {
  return std::chrono::system_clock::now();
}

update::WallTime wall(update::TimePoint t) {
  return std::chrono::floor<std::chrono::milliseconds>(t);
}

void remove_file(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) spdlog::warn("update: remove {}: {}", path.string(), ec.message());
}

// A package file staged in the update directory, and its digest as the machine wants it.
core::Result<update::PackageDownloaded> measured(update::OpId op, const fs::path& path) {
  auto digest = update::digest_package(path);
  if (!digest) return digest.error();
  return update::PackageDownloaded{op, path, digest->size, update::sha256_hex(digest->sha256)};
}

// The edge sent more than the manifest announced: a refusal of the package, not bad luck.
core::Error download_error(const core::Error& e) {
  if (e == keysvc::errc::release_too_large) {
    return core::make_error(update::errc::package_too_large, e.detail);
  }
  if (e == keysvc::errc::release_truncated) {
    return core::make_error(update::errc::package_truncated, e.detail);
  }
  return e;
}

// The wire knows three outcomes; a request the updater refused did not install.
wire::ReleaseResult release_result(update::ReportOutcome o) {
  switch (o) {
    case update::ReportOutcome::installed:
      return wire::ReleaseResult::installed;
    case update::ReportOutcome::rolled_back:
      return wire::ReleaseResult::rolled_back;
    case update::ReportOutcome::failed:
    case update::ReportOutcome::refused:
      break;
  }
  return wire::ReleaseResult::failed;
}

struct UpdateParts {
  update::ReleaseKeys keys;
  update::WindowSchedule schedule;
};

core::Result<UpdateParts> load_parts(const config::UpdateSettings& settings) {
  auto keys = update::load_release_keys(settings.ml_dsa_65_key, settings.ed25519_key);
  if (!keys) return core::prefixed(keys.error(), "update: release keys");
  auto schedule = update::WindowSchedule::create(settings);
  if (!schedule) return core::prefixed(schedule.error(), "update: windows");
  return UpdateParts{std::move(*keys), std::move(*schedule)};
}

core::Error invalid(std::string what) {
  return core::Error{boost::system::errc::make_error_code(boost::system::errc::invalid_argument),
                     std::move(what)};
}

}  // namespace

std::string running_package_version(const fs::path& version_file) {
  std::ifstream in(version_file);
  std::string line;
  if (in && std::getline(in, line) && line.size() <= kMaxVersionFileBytes &&
      update::parse_version(line)) {
    return line;
  }
  return PQB_VERSION;
}

core::Result<void> check_update_settings(const config::UpdateSettings& settings) {
  auto parts = load_parts(settings);
  if (!parts) return parts.error();
  return {};
}

struct UpdateExecutor::Impl : std::enable_shared_from_this<UpdateExecutor::Impl> {
  Impl(asio::io_context& context, UpdateExecutorOptions o, std::string channel_name,
       update::UpdateMachineConfig machine_config, update::UpdateDecisions decisions,
       std::string tzdb, keysvc::AgentClient& c, core::Metrics& m, Rotations r)
      : io(context),
        options(std::move(o)),
        channel(std::move(channel_name)),
        tz_database(std::move(tzdb)),
        client(c),
        metrics(m),
        rotations(std::move(r)),
        machine(std::move(machine_config), std::move(decisions), [this] { return rng(); }),
        wake_timer(context),
        watch_timer(context) {}

  asio::io_context& io;
  UpdateExecutorOptions options;
  std::string channel;
  std::string tz_database;
  keysvc::AgentClient& client;
  core::Metrics& metrics;
  Rotations rotations;
  std::mt19937_64 rng{std::random_device{}()};
  update::UpdateMachine machine;
  asio::system_timer wake_timer;
  asio::steady_timer watch_timer;
  std::size_t endpoint = 0;
  bool rotation_seen = false;
  bool stopped = false;
  // The updater's result as last fed (or its error's text), so a change is fed once.
  std::optional<std::string> result_seen;

  void run(const std::vector<update::UpdateAction>& actions) {
    for (const auto& a : actions)
      std::visit([this](const auto& x) { perform(x); }, a);
  }
  void feed(update::UpdateEvent e) {
    if (stopped) return;
    run(machine.handle(std::move(e), wall_now()));
  }
  // An operation's result, delivered as a step of its own.
  void later(update::UpdateEvent e) {
    asio::post(io, [weak = weak_from_this(), e = std::move(e)]() mutable {
      if (auto self = weak.lock()) self->feed(std::move(e));
    });
  }
  keysvc::ReleaseTransfer transfer(std::uint64_t max_bytes) const {
    keysvc::ReleaseTransfer t;
    t.endpoint = endpoint % std::max<std::size_t>(options.endpoints, 1);
    t.max_bytes = max_bytes;
    return t;
  }
  // The next transfer tries the next endpoint.
  void failed_over() { ++endpoint; }

  void perform(const update::FetchManifest& f) {
    client.fetch_release_manifest(
        channel, transfer(update::kMaxManifestBytes),
        [weak = weak_from_this(), op = f.op](keysvc::ReleaseReply<std::string> r) {
          auto self = weak.lock();
          if (!self) return;
          if (!r.value) {
            self->failed_over();
            self->feed(update::FetchFailed{op, r.value.error()});
            return;
          }
          self->feed(update::ManifestFetched{op, std::move(*r.value)});
        });
  }
  void perform(const update::DownloadPackage& d) {
    client.download_release_package(
        channel, d.destination.filename().string(), d.destination.parent_path(),
        transfer(d.max_size),
        [weak = weak_from_this(), op = d.op](keysvc::ReleaseReply<keysvc::DownloadedPackage> r) {
          auto self = weak.lock();
          if (!self) return;
          if (!r.value) {
            self->failed_over();
            self->feed(update::DownloadFailed{op, download_error(r.value.error())});
            return;
          }
          auto m = measured(op, r.value->path);
          if (!m) {
            self->feed(update::DownloadFailed{op, m.error()});
            return;
          }
          self->feed(std::move(*m));
        });
  }
  void perform(const update::DeleteFile& d) { remove_file(d.path); }
  void perform(const update::ClearUpdaterResult& /*c*/) {
    remove_file(options.update_dir / update::kResultFile);
    result_seen.reset();
  }
  void perform(const update::WriteInstallRequest& w) {
    later(
        update::RequestWritten{w.op, update::write_install_request(options.update_dir, w.request)});
  }
  void perform(const update::WithdrawInstallRequest& /*w*/) {
    remove_file(options.update_dir / update::kRequestFile);
  }
  void perform(const update::SendReport& s) {
    client.send_release_report(channel, wire::ReleaseReport{s.version, release_result(s.outcome)},
                               transfer(kMaxReportAnswerBytes),
                               [weak = weak_from_this(), op = s.op](keysvc::ReleaseReply<void> r) {
                                 auto self = weak.lock();
                                 if (!self) return;
                                 if (!r.value) {
                                   self->failed_over();
                                   self->feed(update::ReportFailed{op, r.value.error()});
                                   return;
                                 }
                                 self->feed(update::ReportSent{op});
                               });
  }
  void perform(const update::SaveUpdateState& s) {
    if (auto r = update::save_update_state(options.update_dir, s.state); !r) {
      // The next save tries again; what is lost meanwhile is at most one retry.
      spdlog::error("update: save state: {}", r.error().message());
      metrics.add("update_state_save_failures_total");
    }
  }
  void perform(const update::WakeAt& w) {
    wake_timer.expires_at(w.at);
    wake_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->feed(update::Tick{});
    });
  }
  void perform(const update::Note& n) {
    spdlog::log(core::log_level(n.level), "update: {}", n.text);
  }
  void perform(const update::Count& c) {
    metrics.add(c.name, 1,
                c.reason.empty() ? std::string() : fmt::format("reason=\"{}\"", c.reason));
  }

  void watch() {
    if (stopped) return;
    if (!rotation_seen && rotations && rotations() > 0) {
      rotation_seen = true;
      feed(update::RotationSucceeded{});
    }
    look_at_result();
    if (auto at = machine.next_wake(); at && *at <= wall_now()) feed(update::Tick{});
    watch_timer.expires_after(options.watch_interval);
    watch_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->watch();
    });
  }
  void look_at_result() {
    auto r = update::read_updater_result(options.update_dir);
    if (r && !*r) {
      result_seen.reset();
      return;
    }
    const std::string seen =
        r ? fmt::format("{}|{}|{}|{}", update::to_string((*r)->step), (*r)->version,
                        (*r)->failed_version.value_or(""), (*r)->detail)
          : "error: " + r.error().message();
    if (result_seen == seen) return;
    result_seen = seen;
    if (r) {
      feed(update::UpdaterResultSeen{**r});
    } else {
      feed(update::UpdaterResultSeen{r.error()});
    }
  }
};

UpdateExecutor::UpdateExecutor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

UpdateExecutor::~UpdateExecutor() {
  stop();
}

core::Result<std::unique_ptr<UpdateExecutor>> UpdateExecutor::create(
    asio::io_context& io, const config::UpdateSettings& settings, UpdateExecutorOptions options,
    keysvc::AgentClient& client, core::Metrics& metrics, Rotations rotations) {
  auto parts = load_parts(settings);
  if (!parts) return parts.error();
  auto running = update::parse_version(options.running_version);
  if (!running) {
    return invalid("running version '" + options.running_version + "' is not a release version");
  }
  update::UpdateMachineConfig mc;
  mc.running_version = options.running_version;
  mc.channel = settings.channel;
  mc.update_dir = options.update_dir;
  mc.check_interval = settings.check_interval;
  // Jitter spreads a fleet's checks; a short interval (a test, a lab) gets a short one.
  mc.check_jitter =
      std::min<update::Duration>(std::chrono::minutes(30), settings.check_interval / 4);
  mc.first_check_jitter =
      std::min<update::Duration>(std::chrono::minutes(2), settings.check_interval / 4);
  if (options.machine) options.machine(mc);

  const std::string tzdb = parts->schedule.tz_database_version();
  update::UpdateDecisions decisions;
  decisions.verify_manifest = [keys = std::make_shared<update::ReleaseKeys>(std::move(parts->keys)),
                               running = *running, channel = settings.channel](
                                  std::string_view bytes,
                                  update::TimePoint now) -> core::Result<update::ReleaseCandidate> {
    auto signed_manifest = update::parse_signed_manifest(bytes);
    if (!signed_manifest) return signed_manifest.error();
    auto m = update::verify_release(*signed_manifest, *keys, running, channel, now);
    if (!m) return m.error();
    return update::ReleaseCandidate{update::to_string(m->version), m->package, m->size,
                                    update::sha256_hex(m->sha256), m->expires};
  };
  auto shared_schedule = std::make_shared<update::WindowSchedule>(std::move(parts->schedule));
  decisions.may_start_install = [shared_schedule, install = settings.install_time](
                                    update::TimePoint now) -> core::Result<void> {
    auto opening = shared_schedule->can_start_install(wall(now), install);
    if (!opening) return opening.error();
    return {};
  };
  decisions.next_opportunity = [shared_schedule, install = settings.install_time](
                                   update::TimePoint now) -> std::optional<update::TimePoint> {
    auto at = shared_schedule->next_opportunity(wall(now), install);
    if (!at) return std::nullopt;
    return update::TimePoint(*at);
  };
  const std::string channel = settings.channel;
  auto impl =
      std::make_shared<Impl>(io, std::move(options), channel, std::move(mc), std::move(decisions),
                             tzdb, client, metrics, std::move(rotations));
  return std::unique_ptr<UpdateExecutor>(new UpdateExecutor(std::move(impl)));
}

void UpdateExecutor::start() {
  Impl& i = *impl_;
  std::error_code ec;
  fs::create_directories(i.options.update_dir, ec);
  if (ec) spdlog::error("update: create {}: {}", i.options.update_dir.string(), ec.message());
  fs::permissions(i.options.update_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  spdlog::info("update: interrupt windows evaluated with tz database {}", i.tz_database);
  i.run(i.machine.start(update::load_update_state(i.options.update_dir), wall_now()));
  i.watch();
}

void UpdateExecutor::stop() {
  impl_->stopped = true;
  impl_->wake_timer.cancel();
  impl_->watch_timer.cancel();
}

core::Result<std::string> UpdateExecutor::operate(const OperatorCommand& command) {
  Impl& i = *impl_;
  if (std::holds_alternative<update::UpdateNow>(command) && i.machine.status().paused) {
    return core::make_error(update::errc::paused, "updates are paused; resume them first");
  }
  i.feed(std::visit([](const auto& c) -> update::UpdateEvent { return c; }, command));
  const update::UpdateStatus s = i.machine.status();
  return std::visit(
      [&s](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, update::UpdateNow>) {
          return s.staged_version ? "installing staged " + *s.staged_version + " now"
                                  : "checking for a release now (" + s.state + ")";
        } else if constexpr (std::is_same_v<T, update::Pause>) {
          return "updates paused";
        } else if constexpr (std::is_same_v<T, update::Resume>) {
          return "updates resumed";
        } else if constexpr (std::is_same_v<T, update::Pin>) {
          return "updates pinned to " + c.version;
        } else if constexpr (std::is_same_v<T, update::Unpin>) {
          return "updates unpinned";
        } else {
          return s.state;
        }
      },
      command);
}

update::UpdateStatus UpdateExecutor::status() const {
  return impl_->machine.status();
}

const std::string& UpdateExecutor::tz_database() const {
  return impl_->tz_database;
}

}  // namespace pqbranch::app
