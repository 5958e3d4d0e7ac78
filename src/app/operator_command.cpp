#include "pqbranch/app/operator_command.hpp"

#include <string>

#include "pqbranch/app/errc.hpp"
#include "pqbranch/core/log_text.hpp"
#include "pqbranch/update/version.hpp"

namespace pqbranch::app {
namespace {

// The client's text echoed in an error: what it sent, minus anything a terminal or a log
// would interpret.
std::string shown(std::string_view text) {
  return "\"" + core::log_safe(text) + "\"";
}

}  // namespace

core::Result<OperatorCommand> parse_operator_command(std::string_view line) {
  constexpr std::string_view kPin = "update pin ";
  if (line == "update now") return update::UpdateNow{};
  if (line == "update pause") return update::Pause{};
  if (line == "update resume") return update::Resume{};
  if (line == "update unpin") return update::Unpin{};
  if (line.starts_with(kPin)) {
    const std::string_view version = line.substr(kPin.size());
    if (!update::parse_version(version)) {
      return core::make_error(errc::bad_version, shown(version));
    }
    return update::Pin{std::string(version)};
  }
  return core::make_error(
      errc::unknown_command,
      shown(line) + " (expected update now|pause|resume|pin VERSION|unpin, or status)");
}

}  // namespace pqbranch::app
