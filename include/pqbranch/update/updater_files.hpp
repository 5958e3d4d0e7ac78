#pragma once
// The agent's side of the files it shares with the root updater (packaging/pqbranch-update;
// docs/updates.md, "Root updater"), both in the agent's update directory
// (<state_directory>/update): the install request the agent writes, and the result the
// updater publishes when it ends. The updater checks the request again on its own copy of
// the package; the agent parses the result as untrusted bytes.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"

namespace pqbranch::update {

inline constexpr std::string_view kRequestFile = "request";
inline constexpr std::string_view kResultFile = "result";

struct InstallRequest {
  std::string version;            // the package's Version:
  std::filesystem::path package;  // an absolute path inside the update directory
  std::string sha256;             // 64 lowercase hex digits
};

// The request's bytes: `version=`, `package=`, `sha256=` lines, exactly as the updater
// accepts them (errc::bad_install_request for a value it would refuse).
core::Result<std::string> format_install_request(const InstallRequest& r,
                                                 const std::filesystem::path& update_dir);
// Formats and writes the request atomically (mode 0600); the updater's path unit starts it.
core::Result<void> write_install_request(const std::filesystem::path& update_dir,
                                         const InstallRequest& r);

// Where the updater stopped: done (the new version passed its health gate), rolled back
// (it failed; the previous version runs again), failed (the previous version is unhealthy
// too), refused (the request was not acted on).
enum class UpdaterStep { done, rolled_back, failed, refused };

struct UpdaterResult {
  UpdaterStep step = UpdaterStep::done;
  std::string version;                        // the version the request asked for
  std::optional<std::string> failed_version;  // rolled back: never to be retried
  std::string detail;                         // the updater's words, for logs and status
};

[[nodiscard]] std::string_view to_string(UpdaterStep s) noexcept;

// Strict: the four keys once each, known steps only, a failed_version exactly when rolled
// back (errc::malformed_updater_result otherwise).
core::Result<UpdaterResult> parse_updater_result(std::string_view bytes);
// The result file, nullopt when the updater has published none.
core::Result<std::optional<UpdaterResult>> read_updater_result(
    const std::filesystem::path& update_dir);

}  // namespace pqbranch::update
