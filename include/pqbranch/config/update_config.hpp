#pragma once
// [update] and [[update.window]] in agent.toml: whether and when the agent installs signed
// releases (reference: docs/config.md, "[update]"; how it works: docs/updates.md).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pqbranch/config/units.hpp"

namespace pqbranch::config {

inline constexpr std::size_t kMaxUpdateWindows = 16;
inline constexpr std::size_t kMaxEmbargoDates = 64;
inline constexpr std::size_t kMaxChannelBytes = 32;

// [[update.window]]: an interrupt window, opening at start_hour (local time in time_zone) on
// each of `days` and lasting `duration` of elapsed time. A window that crosses midnight
// belongs to the day it starts.
struct UpdateWindowSettings {
  std::vector<std::chrono::weekday> days;  // required, non-empty, no repeats
  std::uint8_t start_hour = 0;             // required, 0..23
  Duration duration{0};                    // required, 1h..24h
  // Required; from the tz database (config/time_zone.hpp), so it lives as long as the program.
  const std::chrono::time_zone* time_zone = nullptr;
  friend bool operator==(const UpdateWindowSettings&, const UpdateWindowSettings&) = default;
};

struct UpdateSettings {
  bool enabled = false;  // absent section: false; present: true unless set
  std::string channel = "stable";
  std::filesystem::path ml_dsa_65_key;  // pinned release-signing public keys (PEM),
  std::filesystem::path ed25519_key;    // both required when enabled
  Duration check_interval = std::chrono::hours{1};
  Duration install_time = std::chrono::minutes{10};        // an install starts only if it fits
  std::vector<std::chrono::year_month_day> embargo_dates;  // local dates in each window's zone
  // None: nothing installs by itself, only the operator's "update now".
  std::vector<UpdateWindowSettings> windows;
  friend bool operator==(const UpdateSettings&, const UpdateSettings&) = default;
};

}  // namespace pqbranch::config
