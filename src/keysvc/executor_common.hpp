#pragma once
// Pieces both executors (agent_executor.cpp, edge_executor.cpp) share: how a saved state
// file is read back (missing = no state).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

#include "pqbranch/core/atomic_file.hpp"

namespace pqbranch::keysvc::detail {

// Reads `file` (at most `max_bytes`) and decodes it with `decode`; nullopt when the file does
// not exist. A decode error names the file.
template <class State, class Decode>
core::Result<std::optional<State>> load_state_file(const std::filesystem::path& file,
                                                   std::size_t max_bytes, Decode decode) {
  auto text = core::read_small_file(file, max_bytes);
  if (!text) return text.error();
  if (!*text) return std::optional<State>{};
  auto state = decode(std::string_view(**text));
  if (!state) {
    core::Error e = state.error();
    e.detail = file.string() + ": " + e.detail;
    return e;
  }
  return std::optional<State>{std::move(*state)};
}

}  // namespace pqbranch::keysvc::detail
