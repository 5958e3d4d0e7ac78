#pragma once
// What the agent's update machine keeps across restarts (the updater restarts the agent in
// the middle of an update, so the new process must know what was asked): the versions that
// failed their health gate here, the staged release, the outstanding install request, the
// report not yet acknowledged, and the operator's holds.
//
// Encoding: `key=value` lines in a fixed order, decoded strictly (an unknown, missing,
// repeated or malformed line is errc::bad_update_state), at most 8 KiB:
//   format=1
//   paused=no|yes
//   pinned=[<version>]
//   failed=<version>                                         (0 to 32 lines, oldest first)
//   staged=[<version> <package> <size> <sha256> <expires, Unix seconds>]
//   requested=[<version> <package> <sha256> <written at, Unix seconds>]
//   report=[<version> <outcome> <attempts> <detail to the end of the line>]

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/update_decisions.hpp"

namespace pqbranch::update {

inline constexpr std::size_t kMaxFailedVersions = 32;
inline constexpr std::string_view kAgentStateFile = "agent-state";

// The install request the agent wrote and has not seen the result of.
struct OutstandingRequest {
  std::string version;
  std::string package;  // file name inside the update directory
  std::string sha256;
  TimePoint written;

  friend bool operator==(const OutstandingRequest&, const OutstandingRequest&) = default;
};

// What the agent tells the edge about an update it asked for.
enum class ReportOutcome { installed, rolled_back, failed, refused };
[[nodiscard]] std::string_view to_string(ReportOutcome o) noexcept;

struct PendingReport {
  std::string version;
  ReportOutcome outcome = ReportOutcome::installed;
  unsigned attempts = 0;  // sent and not acknowledged so far
  std::string detail;     // the updater's words (printable, at most 1024 bytes)

  friend bool operator==(const PendingReport&, const PendingReport&) = default;
};

struct UpdateState {
  bool paused = false;
  std::optional<std::string> pinned;
  std::vector<std::string> failed_versions;  // oldest first, at most kMaxFailedVersions
  std::optional<ReleaseCandidate> staged;
  std::optional<OutstandingRequest> requested;
  std::optional<PendingReport> report;

  friend bool operator==(const UpdateState&, const UpdateState&) = default;
};

std::string encode(const UpdateState& s);
core::Result<UpdateState> decode_update_state(std::string_view text);

// The state file in `update_dir` (kAgentStateFile): written atomically, mode 0600; read as
// untrusted bytes (nullopt when there is none).
core::Result<void> save_update_state(const std::filesystem::path& update_dir, const UpdateState& s);
core::Result<std::optional<UpdateState>> load_update_state(const std::filesystem::path& update_dir);

}  // namespace pqbranch::update
