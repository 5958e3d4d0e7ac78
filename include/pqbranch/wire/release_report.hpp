#pragma once
// POST /v1/releases/<channel>/report (docs/key-service.md §9): what the root updater did
// with a release, as the agent tells the edge afterwards:
//   {"version":"0.2.0","result":"rolled-back"}
// Unlike the key-service messages, "version" here is the package version (a string), not
// the protocol version. Strict: both fields required, nothing else, at most
// kMaxReportBodyBytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {

inline constexpr std::size_t kMaxReleaseVersionBytes = 64;

enum class ReleaseResult : std::uint8_t { installed, rolled_back, failed };
[[nodiscard]] std::string_view to_string(ReleaseResult r) noexcept;

// A Debian version's characters: [0-9A-Za-z.+~:-], starting with a digit, 1..64 bytes.
[[nodiscard]] bool is_release_version(std::string_view version) noexcept;

struct ReleaseReport {
  std::string version;
  ReleaseResult result = ReleaseResult::installed;
  friend bool operator==(const ReleaseReport&, const ReleaseReport&) = default;
};

[[nodiscard]] std::string encode(const ReleaseReport& report);
[[nodiscard]] core::Result<ReleaseReport> decode_release_report(std::string_view body);

}  // namespace pqbranch::wire
