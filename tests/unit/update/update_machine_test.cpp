// UpdateMachine on its own: the exact actions for each event, with a manual clock.

#include "pqbranch/update/update_machine.hpp"

#include <gtest/gtest.h>

#include "update_machine_fixture.hpp"

namespace pqbranch::update {
namespace {

using namespace testing;

using UpdateMachineTest = UpdateMachineFixture;

// --- checks ---

TEST_F(UpdateMachineTest, FirstCheckComesWithinTheFirstCheckJitterOfStart) {
  start();
  EXPECT_EQ(first_of<FetchManifest>(last_), nullptr);
  ASSERT_TRUE(machine_.next_wake());
  EXPECT_LE(*machine_.next_wake(), kT0 + 2min);
  wake();
  EXPECT_NE(first_of<FetchManifest>(last_), nullptr);
  EXPECT_EQ(machine_.status().state, "checking");
}

TEST_F(UpdateMachineTest, RefusedManifestIsNotedCountedWithItsReasonAndStagesNothing) {
  const OpId op = until_fetch();
  decide_.verdict = core::make_error(errc::signature_invalid, "ML-DSA-65");
  feed(ManifestFetched{op, "forged"});
  EXPECT_EQ(decide_.manifests_seen.back(), "forged");
  EXPECT_TRUE(noted(last_, "ML-DSA-65"));
  EXPECT_TRUE(counted(last_, "update_refused_total", "signature_invalid"));
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  const UpdateStatus s = machine_.status();
  EXPECT_EQ(s.running_version, "0.1.0");
  EXPECT_FALSE(s.staged_version);
  EXPECT_TRUE(s.last_refusal.starts_with("signature_invalid: "));
  EXPECT_FALSE(machine_.saved_state().staged);
}

TEST_F(UpdateMachineTest, AfterARefusalTheNextCheckIsOneIntervalPlusJitterLater) {
  const OpId op = until_fetch();
  const TimePoint checked = now_;
  feed(ManifestFetched{op, "expired"});
  ASSERT_TRUE(machine_.next_wake());
  EXPECT_GE(*machine_.next_wake(), checked + 6h);
  EXPECT_LE(*machine_.next_wake(), checked + 6h + 10min);
  EXPECT_EQ(machine_.status().next_check, machine_.next_wake());
}

TEST_F(UpdateMachineTest, FetchFailureRetriesWithGrowingBackoffBeforeTheRegularCheck) {
  OpId op = until_fetch();
  feed(FetchFailed{op, core::make_error(errc::malformed_manifest, "connection reset")});
  EXPECT_TRUE(counted(last_, "update_fetch_failures_total"));
  ASSERT_TRUE(machine_.next_wake());
  EXPECT_GE(*machine_.next_wake(), now_ + 30s);
  EXPECT_LE(*machine_.next_wake(), now_ + 1min);
  wake();
  op = first_of<FetchManifest>(last_)->op;
  feed(FetchFailed{op, core::make_error(errc::malformed_manifest, "again")});
  EXPECT_GE(*machine_.next_wake(), now_ + 1min);
  EXPECT_LE(*machine_.next_wake(), now_ + 2min);
}

TEST_F(UpdateMachineTest, AFetchWithoutAnswerTimesOutAndItsLateResultIsIgnored) {
  const OpId op = until_fetch();
  at(now_ + 15min);
  EXPECT_EQ(machine_.status().state, "idle");
  decide_.verdict = release("0.2.0");
  feed(ManifestFetched{op, "late"});
  EXPECT_TRUE(decide_.manifests_seen.empty());
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
}

// --- download ---

TEST_F(UpdateMachineTest, VerifiedReleaseIsDownloadedIntoTheUpdateDirectoryBoundedByItsSize) {
  const OpId op = until_fetch();
  decide_.verdict = release("0.2.0");
  feed(ManifestFetched{op, "manifest"});
  const DownloadPackage* d = first_of<DownloadPackage>(last_);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->file_name, "pqbranch-agent_0.2.0_amd64.deb");
  EXPECT_EQ(d->max_size, 4096U);
  EXPECT_EQ(d->destination, kDir / "pqbranch-agent_0.2.0_amd64.deb");
  EXPECT_EQ(machine_.status().state, "downloading");
  feed(PackageDownloaded{d->op, kDir / "pqbranch-agent_0.2.0_amd64.deb", 4096,
                         std::string(64, 'a')});
  ASSERT_NE(first_of<SaveUpdateState>(last_), nullptr);
  EXPECT_EQ(saved_.staged, release("0.2.0"));
  EXPECT_EQ(machine_.status().staged_version, "0.2.0");
}

TEST_F(UpdateMachineTest, PackageWithAnotherHashIsRefusedAndDeleted) {
  const OpId op = until_fetch();
  decide_.verdict = release("0.2.0");
  feed(ManifestFetched{op, "manifest"});
  const DownloadPackage* d = first_of<DownloadPackage>(last_);
  feed(PackageDownloaded{d->op, d->destination, 4096, std::string(64, 'b')});
  EXPECT_TRUE(counted(last_, "update_refused_total", "hash_mismatch"));
  ASSERT_NE(first_of<DeleteFile>(last_), nullptr);
  EXPECT_EQ(first_of<DeleteFile>(last_)->path, kDir / "pqbranch-agent_0.2.0_amd64.deb");
  EXPECT_FALSE(machine_.saved_state().staged);
  EXPECT_EQ(machine_.status().running_version, "0.1.0");
}

TEST_F(UpdateMachineTest, PackageShorterOrLongerThanAnnouncedIsRefusedAndDeleted) {
  for (const auto& [size, reason] :
       {std::pair<std::uint64_t, const char*>{4000, "package_truncated"},
        {5000, "package_too_large"}}) {
    SCOPED_TRACE(reason);
    const OpId op = until_fetch();
    decide_.verdict = release("0.2.0");
    feed(ManifestFetched{op, "manifest"});
    const DownloadPackage* d = first_of<DownloadPackage>(last_);
    ASSERT_NE(d, nullptr);
    feed(PackageDownloaded{d->op, d->destination, size, std::string(64, 'a')});
    EXPECT_TRUE(counted(last_, "update_refused_total", reason));
    EXPECT_NE(first_of<DeleteFile>(last_), nullptr);
    EXPECT_FALSE(machine_.saved_state().staged);
  }
}

TEST_F(UpdateMachineTest, FailedDownloadDeletesThePartialFileAndRetriesSoon) {
  const OpId op = until_fetch();
  decide_.verdict = release("0.2.0");
  feed(ManifestFetched{op, "manifest"});
  const DownloadPackage* d = first_of<DownloadPackage>(last_);
  feed(DownloadFailed{d->op, core::make_error(errc::malformed_manifest, "reset")});
  EXPECT_NE(first_of<DeleteFile>(last_), nullptr);
  EXPECT_TRUE(counted(last_, "update_download_failures_total"));
  EXPECT_LE(*machine_.next_wake(), now_ + 1min);
  wake();
  EXPECT_NE(first_of<FetchManifest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, ReleaseWithAPathInItsFileNameIsRefusedBeforeDownload) {
  const OpId op = until_fetch();
  ReleaseCandidate r = release("0.2.0");
  r.package = "../../etc/evil.deb";
  decide_.verdict = r;
  feed(ManifestFetched{op, "manifest"});
  EXPECT_TRUE(counted(last_, "update_refused_total", "malformed_manifest"));
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
}

TEST_F(UpdateMachineTest, ReleaseOverThePackageBoundIsRefusedBeforeDownload) {
  const OpId op = until_fetch();
  decide_.verdict = release("0.2.0", 'a', std::uint64_t{1} << 30);
  feed(ManifestFetched{op, "manifest"});
  EXPECT_TRUE(counted(last_, "update_refused_total", "package_too_large"));
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
}

TEST_F(UpdateMachineTest, ReleaseOfTheRunningVersionIsNeverStaged) {
  const OpId op = until_fetch();
  decide_.verdict = release("0.1.0");
  feed(ManifestFetched{op, "manifest"});
  EXPECT_TRUE(counted(last_, "update_refused_total", "downgrade"));
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
}

TEST_F(UpdateMachineTest, SameReleaseVerifiedAgainIsNotDownloadedAgain) {
  stage(release("0.2.0"));
  for (int i = 0; i < 3 && first_of<FetchManifest>(last_) == nullptr; ++i)
    wake();
  const FetchManifest* f = first_of<FetchManifest>(last_);
  ASSERT_NE(f, nullptr);
  feed(ManifestFetched{f->op, "manifest"});
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
  EXPECT_EQ(machine_.status().staged_version, "0.2.0");
}

TEST_F(UpdateMachineTest, NewerReleaseReplacesTheStagedOneAndDeletesItsFile) {
  stage(release("0.2.0"));
  for (int i = 0; i < 3 && first_of<FetchManifest>(last_) == nullptr; ++i)
    wake();
  const FetchManifest* f = first_of<FetchManifest>(last_);
  ASSERT_NE(f, nullptr);
  decide_.verdict = release("0.3.0", 'c');
  feed(ManifestFetched{f->op, "manifest"});
  ASSERT_NE(first_of<DeleteFile>(last_), nullptr);
  EXPECT_EQ(first_of<DeleteFile>(last_)->path, kDir / "pqbranch-agent_0.2.0_amd64.deb");
  EXPECT_LT(index_of<DeleteFile>(last_), index_of<DownloadPackage>(last_));
  EXPECT_EQ(first_of<DownloadPackage>(last_)->file_name, "pqbranch-agent_0.3.0_amd64.deb");
}

// --- windows and the operator ---

TEST_F(UpdateMachineTest, StagedReleaseWaitsOutsideTheWindowAndWakesAtTheNextOpportunity) {
  decide_.next_open = kT0 + 3h;
  stage(release("0.2.0"));
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_EQ(machine_.next_wake(), kT0 + 3h);
  const UpdateStatus s = machine_.status();
  EXPECT_EQ(s.state, "staged");
  EXPECT_EQ(s.next_window, kT0 + 3h);
  EXPECT_TRUE(s.held.starts_with("outside_window"));
  // Ticks before the window change nothing.
  at(kT0 + 2h);
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  decide_.open_window();
  wake();
  EXPECT_EQ(now_, kT0 + 3h);
  EXPECT_NE(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, RequestIsSavedThenTheOldResultClearedThenTheRequestWritten) {
  decide_.open_window();
  stage(release("0.2.0"));
  const WriteInstallRequest* w = first_of<WriteInstallRequest>(last_);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->request.version, "0.2.0");
  EXPECT_EQ(w->request.package, kDir / "pqbranch-agent_0.2.0_amd64.deb");
  EXPECT_EQ(w->request.sha256, std::string(64, 'a'));
  const std::size_t save = index_of<SaveUpdateState>(last_);
  EXPECT_LT(save, index_of<ClearUpdaterResult>(last_));
  EXPECT_LT(index_of<ClearUpdaterResult>(last_), index_of<WriteInstallRequest>(last_));
  ASSERT_TRUE(saved_.requested);
  EXPECT_EQ(saved_.requested->version, "0.2.0");
  feed(RequestWritten{w->op, {}});
  EXPECT_TRUE(counted(last_, "update_install_requests_total"));
  EXPECT_EQ(machine_.status().state, "waiting for the updater");
  EXPECT_EQ(machine_.status().requested_version, "0.2.0");
}

TEST_F(UpdateMachineTest, WhileARequestIsOutstandingNoCheckAndNoSecondRequest) {
  request(release("0.2.0"));
  for (int i = 0; i < 10; ++i) {
    at(now_ + 5min);
    EXPECT_EQ(first_of<FetchManifest>(last_), nullptr);
    EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  }
  feed(UpdateNow{});
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, UpdateNowInstallsTheStagedReleaseOutsideTheWindow) {
  stage(release("0.2.0"));
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  feed(UpdateNow{});
  ASSERT_NE(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_TRUE(noted(last_, "update now"));
}

TEST_F(UpdateMachineTest, UpdateNowWithNothingStagedChecksAtOnceButStillVerifies) {
  start();
  feed(UpdateNow{});
  const FetchManifest* f = first_of<FetchManifest>(last_);
  ASSERT_NE(f, nullptr);
  decide_.verdict = core::make_error(errc::signature_missing, "Ed25519");
  feed(ManifestFetched{f->op, "unsigned"});
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_TRUE(counted(last_, "update_refused_total", "signature_missing"));
}

TEST_F(UpdateMachineTest, UpdateNowWithNothingStagedInstallsWhatTheCheckStagesOutsideTheWindow) {
  start();
  feed(UpdateNow{});
  const FetchManifest* f = first_of<FetchManifest>(last_);
  ASSERT_NE(f, nullptr);
  decide_.verdict = release("0.2.0");
  feed(ManifestFetched{f->op, "manifest"});
  const DownloadPackage* d = first_of<DownloadPackage>(last_);
  ASSERT_NE(d, nullptr);
  feed(PackageDownloaded{d->op, d->destination, 4096, std::string(64, 'a')});
  EXPECT_NE(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, PauseHoldsTheStagedReleaseEvenOnUpdateNowUntilResumed) {
  start();
  feed(Pause{});
  EXPECT_TRUE(saved_.paused);
  decide_.open_window();
  stage(release("0.2.0"));
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_TRUE(machine_.status().held.starts_with("paused"));
  feed(UpdateNow{});
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_TRUE(counted(last_, "update_refused_total", "paused"));
  feed(Resume{});
  EXPECT_FALSE(saved_.paused);
  EXPECT_NE(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, PinToAnotherVersionHoldsTheStagedReleaseAndRefusesOthers) {
  decide_.open_window();
  start();
  feed(Pin{"0.2.0"});
  const OpId op = until_fetch();
  decide_.verdict = release("0.3.0");
  feed(ManifestFetched{op, "manifest"});
  EXPECT_TRUE(counted(last_, "update_refused_total", "pinned"));
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
  feed(Unpin{});
  feed(UpdateNow{});  // check at once
  decide_.close_window();
  const FetchManifest* f = first_of<FetchManifest>(last_);
  ASSERT_NE(f, nullptr);
  feed(ManifestFetched{f->op, "manifest"});
  ASSERT_NE(first_of<DownloadPackage>(last_), nullptr);
  const DownloadPackage d = *first_of<DownloadPackage>(last_);
  feed(Pin{"0.2.0"});
  feed(PackageDownloaded{d.op, d.destination, 4096, std::string(64, 'a')});
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  EXPECT_TRUE(machine_.status().held.starts_with("pinned"));
  EXPECT_EQ(machine_.status().pinned, "0.2.0");
}

TEST_F(UpdateMachineTest, StagedReleaseWhoseManifestExpiredIsNeverRequested) {
  ReleaseCandidate r = release("0.2.0");
  r.expires = kT0 + 2h;
  decide_.next_open = kT0 + 3h;
  stage(r);
  EXPECT_EQ(machine_.next_wake(), kT0 + 2h);
  wake();
  EXPECT_TRUE(counted(last_, "update_refused_total", "expired"));
  EXPECT_FALSE(machine_.saved_state().staged);
  decide_.open_window();
  at(kT0 + 3h);
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, FailedRequestWriteForgetsTheRequestAndRetriesAfterBackoff) {
  decide_.open_window();
  stage(release("0.2.0"));
  const WriteInstallRequest* w = first_of<WriteInstallRequest>(last_);
  ASSERT_NE(w, nullptr);
  feed(RequestWritten{w->op, core::make_error(errc::bad_install_request, "disk full")});
  EXPECT_FALSE(saved_.requested);
  EXPECT_TRUE(counted(last_, "update_request_write_failures_total"));
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  wake();
  EXPECT_NE(first_of<WriteInstallRequest>(last_), nullptr);
}

// --- the updater's result and the report ---

TEST_F(UpdateMachineTest, RolledBackVersionJoinsTheFailedSetAndIsReportedAfterARotation) {
  request(release("0.2.0"));
  feed(UpdaterResultSeen{result(UpdaterStep::rolled_back, "0.2.0", "0.2.0")});
  EXPECT_EQ(saved_.failed_versions, std::vector<std::string>{"0.2.0"});
  EXPECT_FALSE(saved_.requested);
  EXPECT_FALSE(saved_.staged);
  ASSERT_TRUE(saved_.report);
  EXPECT_EQ(saved_.report->outcome, ReportOutcome::rolled_back);
  EXPECT_NE(first_of<DeleteFile>(last_), nullptr);
  EXPECT_NE(first_of<ClearUpdaterResult>(last_), nullptr);
  EXPECT_EQ(first_of<SendReport>(last_), nullptr);  // no rotation yet in this process
  feed(RotationSucceeded{});
  const SendReport* r = first_of<SendReport>(last_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->version, "0.2.0");
  EXPECT_EQ(r->outcome, ReportOutcome::rolled_back);
  EXPECT_EQ(to_string(r->outcome), "rolled-back");
  feed(ReportSent{r->op});
  EXPECT_FALSE(saved_.report);
  EXPECT_TRUE(machine_.status().last_result.starts_with("rolled-back 0.2.0"));
}

TEST_F(UpdateMachineTest, VersionThatFailedHereIsNeverStagedAgain) {
  request(release("0.2.0"));
  feed(UpdaterResultSeen{result(UpdaterStep::rolled_back, "0.2.0", "0.2.0")});
  feed(UpdateNow{});
  const FetchManifest* f = first_of<FetchManifest>(last_);
  ASSERT_NE(f, nullptr);
  feed(ManifestFetched{f->op, "the same manifest"});
  EXPECT_TRUE(counted(last_, "update_refused_total", "failed_before"));
  EXPECT_EQ(first_of<DownloadPackage>(last_), nullptr);
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, FailedResultAlsoJoinsTheFailedSetAndReportsFailed) {
  request(release("0.2.0"));
  feed(RotationSucceeded{});
  feed(UpdaterResultSeen{result(UpdaterStep::failed, "0.2.0")});
  EXPECT_EQ(saved_.failed_versions, std::vector<std::string>{"0.2.0"});
  ASSERT_NE(first_of<SendReport>(last_), nullptr);
  EXPECT_EQ(first_of<SendReport>(last_)->outcome, ReportOutcome::failed);
}

TEST_F(UpdateMachineTest, RefusedResultReportsRefusedAndDoesNotMarkTheVersionFailed) {
  request(release("0.2.0"));
  feed(RotationSucceeded{});
  feed(UpdaterResultSeen{UpdaterResult{UpdaterStep::refused, "", std::nullopt, "no kept package"}});
  EXPECT_TRUE(saved_.failed_versions.empty());
  ASSERT_NE(first_of<SendReport>(last_), nullptr);
  EXPECT_EQ(first_of<SendReport>(last_)->outcome, ReportOutcome::refused);
  EXPECT_EQ(first_of<SendReport>(last_)->detail, "no kept package");
  EXPECT_FALSE(saved_.staged);
}

TEST_F(UpdateMachineTest, ResultForAnotherVersionDoesNotEndTheWait) {
  request(release("0.2.0"));
  feed(UpdaterResultSeen{result(UpdaterStep::done, "0.1.5")});
  EXPECT_EQ(machine_.status().state, "waiting for the updater");
  EXPECT_TRUE(saved_.requested);
}

TEST_F(UpdateMachineTest, MalformedResultIsNotedAndTheWaitGoesOn) {
  request(release("0.2.0"));
  feed(UpdaterResultSeen{core::make_error(errc::malformed_updater_result, "line 1")});
  EXPECT_TRUE(noted(last_, "line 1"));
  EXPECT_TRUE(counted(last_, "update_bad_results_total"));
  EXPECT_EQ(machine_.status().state, "waiting for the updater");
}

TEST_F(UpdateMachineTest, NoResultInTimeWithdrawsTheRequestAndKeepsTheStage) {
  request(release("0.2.0"));
  const TimePoint written = now_;
  wake();
  EXPECT_EQ(now_, written + 1h);
  EXPECT_NE(first_of<WithdrawInstallRequest>(last_), nullptr);
  EXPECT_FALSE(saved_.requested);
  EXPECT_TRUE(saved_.staged);
  EXPECT_TRUE(counted(last_, "update_requests_withdrawn_total"));
  // Not asked again before another result timeout, window or not.
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  at(now_ + 59min);
  EXPECT_EQ(first_of<WriteInstallRequest>(last_), nullptr);
  at(now_ + 1min);
  EXPECT_NE(first_of<WriteInstallRequest>(last_), nullptr);
}

TEST_F(UpdateMachineTest, ReportIsRetriedWithBackoffUntilAcknowledged) {
  request(release("0.2.0"));
  feed(RotationSucceeded{});
  feed(UpdaterResultSeen{result(UpdaterStep::rolled_back, "0.2.0", "0.2.0")});
  const SendReport* r = first_of<SendReport>(last_);
  ASSERT_NE(r, nullptr);
  feed(ReportFailed{r->op, core::make_error(errc::malformed_manifest, "edge down")});
  EXPECT_EQ(first_of<SendReport>(last_), nullptr);
  ASSERT_TRUE(saved_.report);
  EXPECT_EQ(saved_.report->attempts, 1U);
  const TimePoint failed_at = now_;
  wake();
  EXPECT_GE(now_, failed_at + 15s);
  r = first_of<SendReport>(last_);
  ASSERT_NE(r, nullptr);
  feed(ReportFailed{r->op, core::make_error(errc::malformed_manifest, "edge down")});
  wake();
  r = first_of<SendReport>(last_);
  ASSERT_NE(r, nullptr);
  feed(ReportSent{r->op});
  EXPECT_FALSE(saved_.report);
  EXPECT_FALSE(machine_.status().pending_report);
}

TEST_F(UpdateMachineTest, ReportIsDroppedAfterTheBoundOfAttempts) {
  request(release("0.2.0"));
  feed(RotationSucceeded{});
  feed(UpdaterResultSeen{result(UpdaterStep::rolled_back, "0.2.0", "0.2.0")});
  int sent = 0;
  for (int i = 0; i < 10; ++i) {
    const SendReport* r = first_of<SendReport>(last_);
    if (r == nullptr) {
      if (!saved_.report) break;
      wake();
      continue;
    }
    ++sent;
    feed(ReportFailed{r->op, core::make_error(errc::malformed_manifest, "edge down")});
  }
  EXPECT_EQ(sent, 5);  // report_attempts
  EXPECT_FALSE(saved_.report);
  EXPECT_TRUE(counted(last_, "update_reports_dropped_total"));
}

TEST_F(UpdateMachineTest, AReportWithoutAnswerCountsAsAFailedAttempt) {
  request(release("0.2.0"));
  feed(RotationSucceeded{});
  feed(UpdaterResultSeen{result(UpdaterStep::failed, "0.2.0")});
  ASSERT_NE(first_of<SendReport>(last_), nullptr);
  at(now_ + 15min);
  ASSERT_TRUE(saved_.report);
  EXPECT_EQ(saved_.report->attempts, 1U);
}

TEST_F(UpdateMachineTest, FailedSetKeepsOnlyTheNewest32Versions) {
  UpdateState s;
  for (int i = 0; i < 32; ++i)
    s.failed_versions.push_back("0.0." + std::to_string(i));
  start(std::optional<UpdateState>{s});
  request(release("0.2.0"));
  feed(UpdaterResultSeen{result(UpdaterStep::rolled_back, "0.2.0", "0.2.0")});
  ASSERT_EQ(saved_.failed_versions.size(), kMaxFailedVersions);
  EXPECT_EQ(saved_.failed_versions.front(), "0.0.1");
  EXPECT_EQ(saved_.failed_versions.back(), "0.2.0");
}

TEST_F(UpdateMachineTest, EventsBeforeStartAreIgnoredWithANote) {
  feed(UpdateNow{});
  EXPECT_TRUE(noted(last_, "before start"));
  EXPECT_EQ(first_of<FetchManifest>(last_), nullptr);
}

}  // namespace
}  // namespace pqbranch::update
