#pragma once
// What the agent's update machine asks its executor to do, in the order returned. An
// operation (it carries an OpId) has a result the executor feeds back as an event with the
// same id; a result with another id is stale (the machine gave up on it) and is ignored.
// At most one of FetchManifest, DownloadPackage, WriteInstallRequest is outstanding, and at
// most one SendReport. Everything else is fire-and-forget.

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>

#include "pqbranch/core/note.hpp"
#include "pqbranch/update/update_decisions.hpp"
#include "pqbranch/update/update_state.hpp"
#include "pqbranch/update/updater_files.hpp"

namespace pqbranch::update {

using OpId = std::uint64_t;

// Fetch the release manifest of the agent's channel from the edge (over the key service's
// mutual-TLS connection) -> ManifestFetched / FetchFailed.
struct FetchManifest {
  OpId op = 0;
};
// Download `file_name` from the edge to `destination` (in the update directory, replacing
// what is there, mode 0600), reading at most `max_size` bytes (more: fail with
// errc::package_too_large), and compute its SHA-256 -> PackageDownloaded / DownloadFailed.
struct DownloadPackage {
  OpId op = 0;
  std::string file_name;
  std::uint64_t max_size = 0;
  std::filesystem::path destination;
};
// Remove a package file (refused, replaced or handed over); a missing file is fine.
struct DeleteFile {
  std::filesystem::path path;
};
// Remove the updater's result file (update_dir/result) so that a result seen later is the
// answer to the next request; a missing file is fine.
struct ClearUpdaterResult {};
// update::write_install_request(update_dir, request) -> RequestWritten.
struct WriteInstallRequest {
  OpId op = 0;
  InstallRequest request;
};
// Remove update_dir/request if the updater has not taken it (no answer in time).
struct WithdrawInstallRequest {};
// Tell the edge what became of an update (keysvc report) -> ReportSent / ReportFailed.
struct SendReport {
  OpId op = 0;
  std::string version;
  ReportOutcome outcome = ReportOutcome::installed;
  std::string detail;
};
// update::save_update_state(update_dir, state), before performing the next action.
struct SaveUpdateState {
  UpdateState state;
};
// (Re)arm the machine's single timer (wall clock): deliver Tick at `at`. Replaces any
// earlier WakeAt.
struct WakeAt {
  TimePoint at;
};
// A line for the log (core/note.hpp).
using core::Note;
using core::NoteLevel;
// Add one to the counter `name`, labelled reason="<reason>" unless reason is empty
// (refusals: "update_refused_total" with reason_label of the error).
struct Count {
  std::string name;
  std::string reason;
};

using UpdateAction = std::variant<FetchManifest, DownloadPackage, DeleteFile, ClearUpdaterResult,
                                  WriteInstallRequest, WithdrawInstallRequest, SendReport,
                                  SaveUpdateState, WakeAt, Note, Count>;

}  // namespace pqbranch::update
