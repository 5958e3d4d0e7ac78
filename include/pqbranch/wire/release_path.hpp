#pragma once
// The release routes of the key service (docs/key-service.md §9): the names in
// /v1/releases/<channel>/manifest, /v1/releases/<channel>/<package file> and
// /v1/releases/<channel>/report, checked character by character before anything touches a
// file system. There is no percent-decoding: '%' is simply not a name character, so
// "%2e%2e" is refused like "..".

#include <cstdint>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/release_names.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {

inline constexpr std::string_view kReleasesPrefix = "/v1/releases/";
inline constexpr std::string_view kManifestName = "manifest";
inline constexpr std::string_view kReportName = "report";

// Names and bounds of a release, shared with the agent's checks (core/release_names.hpp);
// and the bound of a report body.
using core::is_channel_name;
using core::kMaxChannelBytes;
using core::kMaxManifestBytes;
using core::kMaxPackageBytes;
using core::kMaxPackageNameBytes;
inline constexpr std::size_t kMaxReportBodyBytes = 256;
[[nodiscard]] inline bool is_package_name(std::string_view name) noexcept {
  return core::is_package_file_name(name);
}

enum class ReleaseResource : std::uint8_t { manifest, package, report };

struct ReleaseTarget {
  std::string channel;
  ReleaseResource resource = ReleaseResource::manifest;
  std::string file;  // the package file name (resource == package), else empty
  friend bool operator==(const ReleaseTarget&, const ReleaseTarget&) = default;
};

// Whether `target` is under kReleasesPrefix (then parse_release_target decides the rest).
[[nodiscard]] bool is_release_target(std::string_view target) noexcept;
// "/v1/releases/<channel>/<manifest|report|file>" exactly: no query, no further segment.
// errc::bad_value naming the part that is wrong (printable, cut short).
[[nodiscard]] core::Result<ReleaseTarget> parse_release_target(std::string_view target);
// The target for `t` (its names are not checked: the caller built them from checked ones).
[[nodiscard]] std::string release_target(const ReleaseTarget& t);

}  // namespace pqbranch::wire
