#pragma once
// A line a pure state machine (rotation, update) asks its executor to log: the machines
// decide what is said and how loud, the executor only writes it. Never key material.

#include <cstdint>
#include <string>

#include <spdlog/common.h>

namespace pqbranch::core {

enum class NoteLevel : std::uint8_t { debug, info, warn, error };

struct Note {
  NoteLevel level = NoteLevel::info;
  std::string text;
};

[[nodiscard]] constexpr spdlog::level::level_enum log_level(NoteLevel l) noexcept {
  switch (l) {
    case NoteLevel::debug:
      return spdlog::level::debug;
    case NoteLevel::info:
      return spdlog::level::info;
    case NoteLevel::warn:
      return spdlog::level::warn;
    case NoteLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace pqbranch::core
