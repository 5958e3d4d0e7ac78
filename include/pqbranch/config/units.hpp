#pragma once
// Durations ("250ms", "30s", "1h30m", "2d") and sizes ("4096", "64KiB", "500MB") as written
// in config files. Strict on purpose: a typo must be an error, not a surprising value.
//
// Duration: one or more <digits><unit> parts, units ms, s, m, h, d from largest to smallest,
// each at most once. No sign, no spaces, no fractions ("1h30m", not "1.5h"), and no bare
// numbers: "30" could mean seconds or milliseconds, so a unit is always required.
// Size: <digits> (bytes) or <digits><unit> with B, KiB, MiB, GiB, TiB, PiB (powers of 1024)
// or kB/KB, MB, GB, TB, PB (powers of 1000, SI). No sign, no spaces, no fractions.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "pqbranch/config/errc.hpp"
#include "pqbranch/core/error.hpp"

namespace pqbranch::config {

using Duration = std::chrono::milliseconds;

// errc::bad_duration on anything else, the detail quoting the text and saying why.
core::Result<Duration> parse_duration(std::string_view text);
// errc::bad_size on anything else (including values above 2^64-1 bytes).
core::Result<std::uint64_t> parse_size(std::string_view text);

// The shortest canonical spelling that parses back to the same value: "1h30m", "0s".
std::string format_duration(Duration d);
// "64KiB", "500MB" or plain bytes "4097": exact, never rounded.
std::string format_size(std::uint64_t bytes);

}  // namespace pqbranch::config
