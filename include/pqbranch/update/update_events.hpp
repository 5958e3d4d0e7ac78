#pragma once
// What the executor feeds the agent's update machine, each with the (wall-clock) time it
// happened.

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/update_actions.hpp"
#include "pqbranch/update/updater_files.hpp"

namespace pqbranch::update {

// The WakeAt timer fired (or any moment the executor wants the machine to look at time).
struct Tick {};

// --- operation results ---
struct ManifestFetched {
  OpId op = 0;
  std::string bytes;  // untrusted: the machine has them verified
};
struct FetchFailed {
  OpId op = 0;
  core::Error error;
};
// The file is complete at `path`; size and SHA-256 (lowercase hex) as the executor measured.
struct PackageDownloaded {
  OpId op = 0;
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::string sha256;
};
struct DownloadFailed {
  OpId op = 0;
  core::Error error;  // errc::package_too_large when the edge sent more than max_size
};
struct RequestWritten {
  OpId op = 0;
  core::Result<void> result;
};
// The updater's result file, read at start and whenever it changes (read_updater_result);
// an unreadable or malformed file comes as its error.
struct UpdaterResultSeen {
  core::Result<UpdaterResult> result;
};
struct ReportSent {
  OpId op = 0;
};
struct ReportFailed {
  OpId op = 0;
  core::Error error;
};

// --- this process ---
// A key rotation of this process succeeded (the first one is what matters: it proves the
// edge reachable and this version working). Reports wait for it.
struct RotationSucceeded {};

// --- the operator ---
// Install the staged release now, inside a window or not (signature checks, the failed
// versions, pause and pin still apply); with nothing staged, check at once.
struct UpdateNow {};
struct Pause {};
struct Resume {};
struct Pin {
  std::string version;  // only this version is staged or installed
};
struct Unpin {};

using UpdateEvent =
    std::variant<Tick, ManifestFetched, FetchFailed, PackageDownloaded, DownloadFailed,
                 RequestWritten, UpdaterResultSeen, ReportSent, ReportFailed, RotationSucceeded,
                 UpdateNow, Pause, Resume, Pin, Unpin>;

}  // namespace pqbranch::update
