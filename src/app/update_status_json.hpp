#pragma once
// The "update" object of the agent's status document (docs/updates.md, "Operator
// commands") and its lines in `pqbranch-agent status`.

#include <functional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "pqbranch/update/update_status.hpp"

namespace pqbranch::app::detail {

boost::json::object update_status_json(const update::UpdateStatus& status,
                                       const std::string& tz_database);

using LineWriter = std::function<void(std::string_view label, const std::string& value)>;
void render_update_status(const boost::json::object& update, const LineWriter& line);

}  // namespace pqbranch::app::detail
