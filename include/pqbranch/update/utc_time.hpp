#pragma once
// Instants in release manifests: RFC 3339 in UTC with the "Z" suffix and whole seconds,
// exactly "YYYY-MM-DDTHH:MM:SSZ" (no offsets, no fractions, no leap second 60), so each
// instant has one spelling and a signed text means one time.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pqbranch::update {

using UtcSeconds = std::chrono::sys_seconds;

[[nodiscard]] std::optional<UtcSeconds> parse_utc_time(std::string_view text) noexcept;
// Years 0000 to 9999 (what the format can spell).
[[nodiscard]] std::string format_utc_time(UtcSeconds t);

}  // namespace pqbranch::update
