#pragma once
// The "health" object of the agent's status document (docs/operations.md, "Tunnel health")
// and its line in `pqbranch-agent status`.

#include <boost/json.hpp>

#include "pqbranch/app/agent_status.hpp"

#include "update_status_json.hpp"

namespace pqbranch::app::detail {

boost::json::object health_status_json(const HealthStatusReport& report);
void render_health_status(const boost::json::object& health, const LineWriter& line);

}  // namespace pqbranch::app::detail
