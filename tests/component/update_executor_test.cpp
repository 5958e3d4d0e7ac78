// The agent's update executor against the real edge serving releases over mutual TLS: a
// signed release is fetched, downloaded, checked and staged; the install request is written
// only inside an interrupt window (or on the operator's "update now"); the updater's result
// is reported to the edge once a key rotation succeeded; a forged manifest is refused.
#include "pqbranch/app/update_executor.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/update/release_keys.hpp"
#include "pqbranch/update/release_signature.hpp"
#include "pqbranch/update/update_state.hpp"
#include "pqbranch/update/updater_files.hpp"

#include "edge_fixture.hpp"
#include "fakes/release_samples.hpp"

namespace pqbranch::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr const char* kChannel = "stable";

void write_bytes(const fs::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),  // NOLINT
            static_cast<std::streamsize>(bytes.size()));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class UpdateExecutorTest : public EdgeFixture {
 protected:
  void SetUp() override {
    EdgeFixture::SetUp();
    keys_dir_ = pki_->dir() / "release-keys";
    ASSERT_TRUE(update::generate_release_keys(keys_dir_).has_value());
    fs::create_directories(pki_->dir() / "releases" / kChannel);
    update_dir_ = pki_->dir() / "agent-update";
    config_.releases.directory = pki_->dir() / "releases";
    settings_.channel = kChannel;
    settings_.ml_dsa_65_key = keys_dir_ / update::kMlDsaPublicFile;
    settings_.ed25519_key = keys_dir_ / update::kEd25519PublicFile;
    settings_.check_interval = std::chrono::minutes(1);
    settings_.install_time = std::chrono::minutes(1);
  }
  void TearDown() override {
    updates_.reset();
    client_.reset();
    EdgeFixture::TearDown();
  }

  // Every day, from the current UTC hour for a whole day: open now.
  void window_open_now() {
    const auto now = std::chrono::system_clock::now();
    const auto hour =
        std::chrono::floor<std::chrono::hours>(now - std::chrono::floor<std::chrono::days>(now));
    config::UpdateWindowSettings w;
    for (unsigned d = 0; d < 7; ++d)
      w.days.emplace_back(d);
    w.start_hour = static_cast<std::uint8_t>(hour.count());
    w.duration = std::chrono::hours(24);
    w.time_zone = std::chrono::locate_zone("UTC");
    settings_.windows = {w};
  }

  // Publishes `version` signed with `keys` (the release keys unless given), valid from an
  // hour ago for a day.
  void publish(const std::string& version, const fs::path& keys = {}) {
    update::Manifest m = sample_manifest();
    m.version = *update::parse_version(version);
    m.package = "pqbranch-agent_" + version + "_amd64.deb";
    const auto now = std::chrono::floor<seconds>(std::chrono::system_clock::now());
    m.not_before = now - std::chrono::hours(1);
    m.expires = now + std::chrono::hours(24);
    auto signing = update::load_release_signing_keys(keys.empty() ? keys_dir_ : keys);
    ASSERT_TRUE(signing.has_value());
    auto file = update::sign_manifest(m, *signing);
    ASSERT_TRUE(file.has_value()) << file.error().message();
    const fs::path dir = pki_->dir() / "releases" / kChannel;
    std::ofstream(dir / "manifest", std::ios::binary) << *file;
    write_bytes(dir / m.package, sample_package());
  }

  void run_agent() {
    keysvc::AgentClientOptions o;
    o.endpoints = {config::EdgeEndpoint{config::Endpoint{"127.0.0.1", port()}, "edge.test"}};
    o.tls = pki_->tls_options(branch1_);
    o.bypass_tunnel = false;
    o.connect_timeout = seconds(3);
    auto c = keysvc::AgentClient::create(io_agent_, o, agent_metrics_);
    ASSERT_TRUE(c.has_value()) << c.error().message();
    client_ = std::move(*c);
    app::UpdateExecutorOptions u;
    u.update_dir = update_dir_;
    u.running_version = "0.1.0";
    u.watch_interval = std::chrono::milliseconds(50);
    u.machine = [](update::UpdateMachineConfig& mc) { mc.first_check_jitter = {}; };
    auto e = app::UpdateExecutor::create(io_agent_, settings_, u, *client_, agent_metrics_,
                                         [this] { return rotations_; });
    ASSERT_TRUE(e.has_value()) << e.error().message();
    updates_ = std::move(*e);
    updates_->start();
  }

  // Runs the agent's io_context until `done` (at most 30 s).
  bool run_until(const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + seconds(30);
    while (!done() && std::chrono::steady_clock::now() < limit) {
      io_agent_.restart();
      io_agent_.run_one_for(std::chrono::milliseconds(100));
    }
    return done();
  }

  [[nodiscard]] bool staged(const std::string& v) const {
    return updates_->status().staged_version == v;
  }
  // The request is on disk and the machine knows it was written.
  [[nodiscard]] bool requested() const {
    return fs::exists(update_dir_ / update::kRequestFile) &&
           agent_metric("update_install_requests_total") == 1;
  }
  std::int64_t agent_metric(const std::string& name, const std::string& labels = {}) const {
    return agent_metrics_.value(name, labels);
  }

  fs::path keys_dir_;
  fs::path update_dir_;
  config::UpdateSettings settings_;
  boost::asio::io_context io_agent_;
  core::Metrics agent_metrics_;
  std::uint64_t rotations_ = 0;
  std::unique_ptr<keysvc::AgentClient> client_;
  std::unique_ptr<app::UpdateExecutor> updates_;
};

TEST_F(UpdateExecutorTest, InsideAWindowASignedReleaseIsStagedAndItsInstallRequested) {
  window_open_now();
  publish("0.2.0");
  start();
  run_agent();
  ASSERT_TRUE(run_until([&] { return requested(); })) << updates_->status().state;
  const std::string request = read_text(update_dir_ / update::kRequestFile);
  const fs::path package = update_dir_ / "pqbranch-agent_0.2.0_amd64.deb";
  EXPECT_NE(request.find("version=0.2.0\n"), std::string::npos) << request;
  EXPECT_NE(request.find("package=" + package.string() + "\n"), std::string::npos) << request;
  EXPECT_EQ(read_text(package).size(), sample_package().size());
  EXPECT_EQ(updates_->status().requested_version, "0.2.0");
  EXPECT_EQ(agent_metric("update_install_requests_total"), 1);
  // Saved, so the process the updater starts knows what it asked for.
  auto saved = update::load_update_state(update_dir_);
  ASSERT_TRUE(saved && *saved);
  ASSERT_TRUE((*saved)->requested.has_value());
  EXPECT_EQ((*saved)->requested->version, "0.2.0");
}

TEST_F(UpdateExecutorTest, WithoutAWindowTheReleaseWaitsStagedUntilTheOperatorSaysUpdateNow) {
  publish("0.2.0");
  start();
  run_agent();
  ASSERT_TRUE(run_until([&] { return staged("0.2.0"); }));
  // Held, and said why.
  EXPECT_FALSE(requested());
  EXPECT_NE(updates_->status().held.find("outside_window"), std::string::npos)
      << updates_->status().held;
  EXPECT_EQ(agent_metric("update_staged_total"), 1);

  ASSERT_TRUE(updates_->operate(update::Pause{}).has_value());
  EXPECT_FALSE(updates_->operate(update::UpdateNow{}).has_value());
  ASSERT_TRUE(updates_->operate(update::Resume{}).has_value());
  auto now = updates_->operate(update::UpdateNow{});
  ASSERT_TRUE(now.has_value());
  EXPECT_NE(now->find("0.2.0"), std::string::npos) << *now;
  EXPECT_TRUE(run_until([&] { return requested(); }));
}

TEST_F(UpdateExecutorTest, TheUpdatersVerdictIsReportedToTheEdgeOnceKeysRotated) {
  window_open_now();
  publish("0.2.0");
  start();
  run_agent();
  ASSERT_TRUE(run_until([&] { return requested(); }));
  // The updater takes the request and rolls the version back.
  fs::remove(update_dir_ / update::kRequestFile);
  std::ofstream(update_dir_ / update::kResultFile)
      << "step=rolled-back\nversion=0.2.0\nfailed_version=0.2.0\n"
         "result=health gate failed within 30 s\n";
  ASSERT_TRUE(run_until([&] { return updates_->status().failed_versions == 1; }));
  EXPECT_FALSE(fs::exists(update_dir_ / update::kResultFile));
  // No report before this process rotated keys.
  EXPECT_EQ(metric("edge_release_reports_total", R"(result="rolled-back")"), 0);
  rotations_ = 1;
  ASSERT_TRUE(run_until([&] { return !updates_->status().pending_report.has_value(); }));
  EXPECT_EQ(metric("edge_release_reports_total", R"(result="rolled-back")"), 1);
  // The same release is never requested again.
  EXPECT_FALSE(requested());
  EXPECT_FALSE(staged("0.2.0"));
}

TEST_F(UpdateExecutorTest, AManifestSignedWithOtherKeysIsRefusedAndNothingIsDownloaded) {
  window_open_now();
  const fs::path other = pki_->dir() / "other-keys";
  ASSERT_TRUE(update::generate_release_keys(other).has_value());
  publish("0.2.0", other);
  start();
  run_agent();
  ASSERT_TRUE(run_until(
      [&] { return agent_metric("update_refused_total", R"(reason="signature_invalid")") == 1; }));
  EXPECT_FALSE(updates_->status().staged_version.has_value());
  EXPECT_FALSE(fs::exists(update_dir_ / "pqbranch-agent_0.2.0_amd64.deb"));
  EXPECT_FALSE(requested());
  EXPECT_EQ(metric("edge_release_requests_total", R"(kind="package",status="200")"), 0);
}

TEST(RunningPackageVersion, TheInstalledPackagesVersionWinsOverTheCompiledOne) {
  const fs::path dir = fs::temp_directory_path() / ("pqb-version-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "version") << "7.8.9\n";
  EXPECT_EQ(app::running_package_version(dir / "version"), "7.8.9");
  std::ofstream(dir / "version") << "not a version\n";
  EXPECT_EQ(app::running_package_version(dir / "version"), PQB_VERSION);
  EXPECT_EQ(app::running_package_version(dir / "missing"), PQB_VERSION);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pqbranch::test
