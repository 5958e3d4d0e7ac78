// UpdateMachine across restarts: the updater restarts the agent in the middle of an update,
// so a new process starts with the saved state (as the executor stored it: encoded, then
// decoded) and reads the updater's result.

#include <gtest/gtest.h>

#include "pqbranch/update/update_machine.hpp"

#include "update_machine_fixture.hpp"

namespace pqbranch::update {
namespace {

using namespace testing;

// The state as the previous process saved it, through the file format.
core::Result<std::optional<UpdateState>> through_file(const UpdateState& s) {
  auto decoded = decode_update_state(encode(s));
  if (!decoded) return decoded.error();
  return std::optional<UpdateState>{*decoded};
}

UpdateMachineConfig running(const std::string& version) {
  UpdateMachineConfig c = machine_config();
  c.running_version = version;
  return c;
}

// The process the updater started after installing 0.2.0.
class NewVersion : public UpdateMachineFixture {
 protected:
  NewVersion() : UpdateMachineFixture(running("0.2.0")) {}
};
// The previous version, started again by the updater's rollback.
class OldVersion : public UpdateMachineFixture {
 protected:
  OldVersion() : UpdateMachineFixture(running("0.1.0")) {}
};
using Restart = UpdateMachineFixture;

UpdateState with_request(const std::string& version, TimePoint written) {
  const ReleaseCandidate r = release(version);
  UpdateState s;
  s.staged = r;
  s.requested = OutstandingRequest{r.version, r.package, r.sha256, written};
  return s;
}

TEST_F(NewVersion, StartsWithTheRequestAndTheDoneResultAndReportsInstalledAfterItsFirstRotation) {
  start(through_file(with_request("0.2.0", kT0 - 2min)));
  EXPECT_EQ(machine_.status().state, "waiting for the updater");
  EXPECT_EQ(first_of<FetchManifest>(last_), nullptr);
  feed(UpdaterResultSeen{result(UpdaterStep::done, "0.2.0")});
  EXPECT_FALSE(saved_.requested);
  EXPECT_FALSE(saved_.staged);
  EXPECT_TRUE(saved_.failed_versions.empty());
  ASSERT_TRUE(saved_.report);
  EXPECT_EQ(first_of<SendReport>(last_), nullptr);
  feed(RotationSucceeded{});
  const SendReport* r = first_of<SendReport>(last_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->version, "0.2.0");
  EXPECT_EQ(r->outcome, ReportOutcome::installed);
  EXPECT_EQ(machine_.status().running_version, "0.2.0");
}

TEST_F(NewVersion, ARotationBeforeTheResultLetsTheReportGoAtOnce) {
  start(through_file(with_request("0.2.0", kT0 - 2min)));
  feed(RotationSucceeded{});
  EXPECT_EQ(first_of<SendReport>(last_), nullptr);
  feed(UpdaterResultSeen{result(UpdaterStep::done, "0.2.0")});
  ASSERT_NE(first_of<SendReport>(last_), nullptr);
}

TEST_F(NewVersion, StartedBeforeTheGateEndsWaitsForTheResultWithoutChecking) {
  start(through_file(with_request("0.2.0", kT0 - 1min)));
  for (int i = 0; i < 5; ++i) {
    at(now_ + 10min);
    EXPECT_EQ(first_of<FetchManifest>(last_), nullptr);
  }
  EXPECT_EQ(machine_.status().requested_version, "0.2.0");
  feed(UpdaterResultSeen{result(UpdaterStep::done, "0.2.0")});
  EXPECT_NE(first_of<FetchManifest>(last_), nullptr);  // the first check was due long ago
}

TEST_F(OldVersion, RestartedByARollbackNeverRetriesTheFailedVersion) {
  start(through_file(with_request("0.2.0", kT0 - 5min)));
  feed(UpdaterResultSeen{result(UpdaterStep::rolled_back, "0.2.0", "0.2.0")});
  EXPECT_EQ(saved_.failed_versions, std::vector<std::string>{"0.2.0"});
  feed(RotationSucceeded{});
  ASSERT_NE(first_of<SendReport>(last_), nullptr);
  EXPECT_EQ(first_of<SendReport>(last_)->outcome, ReportOutcome::rolled_back);
  // A later process of the same version, from what this one saved.
  const UpdateState kept = saved_;
  SteeredDecisions decide;
  decide.verdict = release("0.2.0");
  decide.open_window();
  UpdateMachine next(running("0.1.0"), decide.bind(), [] { return 0U; });
  TimePoint t = now_;
  auto out = next.start(through_file(kept), t);
  for (int i = 0; i < 3 && first_of<FetchManifest>(out) == nullptr; ++i) {
    t = *next.next_wake();
    out = next.handle(Tick{}, t);
  }
  const FetchManifest* f = first_of<FetchManifest>(out);
  ASSERT_NE(f, nullptr);
  out = next.handle(ManifestFetched{f->op, "manifest"}, t);
  EXPECT_TRUE(counted(out, "update_refused_total", "failed_before"));
  EXPECT_EQ(first_of<DownloadPackage>(out), nullptr);
  EXPECT_EQ(first_of<WriteInstallRequest>(out), nullptr);
}

TEST_F(Restart, PendingReportIsSentAgainByTheNextProcess) {
  UpdateState s;
  s.report = PendingReport{"0.2.0", ReportOutcome::rolled_back, 2, "rolled back to 0.1.0"};
  s.failed_versions = {"0.2.0"};
  start(through_file(s));
  feed(RotationSucceeded{});
  const SendReport* r = first_of<SendReport>(last_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->detail, "rolled back to 0.1.0");
  feed(ReportFailed{r->op, core::make_error(errc::malformed_manifest, "edge down")});
  EXPECT_EQ(saved_.report->attempts, 3U);  // counted across processes
}

TEST_F(Restart, StagedReleaseSurvivesARestartAndIsRequestedInTheNextWindow) {
  UpdateState s;
  s.staged = release("0.2.0");
  decide_.next_open = kT0 + 1h;
  start(through_file(s));
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_EQ(machine_.status().staged_version, "0.2.0");
  EXPECT_EQ(machine_.status().next_window, kT0 + 1h);
  // The first check falls before the window: the same release again changes nothing.
  wake();
  const FetchManifest* f = first_of<FetchManifest>(last_);
  ASSERT_NE(f, nullptr);
  decide_.verdict = release("0.2.0");
  feed(ManifestFetched{f->op, "manifest"});
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
  decide_.open_window();
  wake();
  EXPECT_EQ(now_, kT0 + 1h);
  ASSERT_NE(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(Restart, CorruptStateFileIsNotedCountedAndReplacedByAnEmptyState) {
  start(decode_update_state("format=1\npaused=maybe\n").error());
  EXPECT_TRUE(noted(last_, "update state unreadable"));
  EXPECT_TRUE(counted(last_, "update_state_replaced_total", "bad_update_state"));
  ASSERT_NE(first_of<SaveUpdateState>(last_), nullptr);
  EXPECT_EQ(first_of<SaveUpdateState>(last_)->state, UpdateState{});
  wake();
  EXPECT_NE(first_of<FetchManifest>(last_), nullptr);  // and carries on
}

TEST_F(Restart, AnOldResultWithNoRequestOutstandingChangesNothingButTheFailedSet) {
  start();
  feed(UpdaterResultSeen{result(UpdaterStep::done, "0.1.0")});
  EXPECT_EQ(first_of<SaveUpdateState>(last_), nullptr);
  EXPECT_EQ(first_of<SendReport>(last_), nullptr);
  feed(UpdaterResultSeen{result(UpdaterStep::rolled_back, "0.0.9", "0.0.9")});
  EXPECT_EQ(saved_.failed_versions, std::vector<std::string>{"0.0.9"});
  EXPECT_FALSE(saved_.report);
}

TEST_F(Restart, AStagedReleaseOfTheRunningVersionIsDroppedAtStart) {
  UpdateState s;
  s.staged = release("0.1.0");
  start(through_file(s));
  EXPECT_FALSE(saved_.staged);
  ASSERT_NE(first_of<DeleteFile>(last_), nullptr);
  EXPECT_EQ(first_of<DeleteFile>(last_)->path, kDir / "pqbranch-agent_0.1.0_amd64.deb");
}

TEST_F(Restart, PauseAndPinSurviveARestart) {
  UpdateState s;
  s.paused = true;
  s.pinned = "0.2.0";
  s.staged = release("0.2.0");
  decide_.open_window();
  start(through_file(s));
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_TRUE(machine_.status().paused);
  EXPECT_EQ(machine_.status().pinned, "0.2.0");
  feed(Resume{});
  EXPECT_NE(first_of<WriteInstallRequest>(last_), nullptr);
}

}  // namespace
}  // namespace pqbranch::update
