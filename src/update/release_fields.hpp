#pragma once
// The shapes of a release's fields wherever the update module writes or reads them (the
// install request, the updater's result, the agent's update state): the root updater's own
// patterns (packaging/pqbranch-update, take_request), so a value the agent accepts is never
// one the updater refuses. Internal to update.

#include <cstddef>
#include <string_view>

namespace pqbranch::update::detail {

// The updater's words about its last step (its result's detail, kept in the agent's state).
constexpr std::size_t kMaxDetailBytes = 1024;

// A Debian version as the updater accepts it: a digit, then up to 63 of [A-Za-z0-9.+~-].
bool valid_version(std::string_view v);
// 64 lowercase hex digits.
bool valid_sha256(std::string_view h);
// A package file name inside the update directory: no directory part, no "..", a .deb.
bool valid_package_name(std::string_view name);
// An absolute package path inside `dir` as the updater accepts it.
bool valid_package_path(std::string_view path, std::string_view dir);

}  // namespace pqbranch::update::detail
