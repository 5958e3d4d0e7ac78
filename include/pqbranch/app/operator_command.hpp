#pragma once
// The operator's update commands as they arrive on the control socket, one line each:
//   update now | update pause | update resume | update pin <version> | update unpin
// Parsed into the update machine's own events; the line is untrusted (any local root client).

#include <string_view>
#include <variant>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/update_events.hpp"

namespace pqbranch::app {

using OperatorCommand =
    std::variant<update::UpdateNow, update::Pause, update::Resume, update::Pin, update::Unpin>;

// `line` without its '\n'. Words are separated by single spaces, exactly as written above.
// Errors: errc::unknown_command, errc::bad_version (update::parse_version's rule).
core::Result<OperatorCommand> parse_operator_command(std::string_view line);

}  // namespace pqbranch::app
