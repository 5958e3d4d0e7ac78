#pragma once
// Every rule between settings, in one place, on the plain structs: a config built in code
// (tests, tools) is checked exactly like one read from a file. Empty result: valid.

#include <vector>

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/config/problem.hpp"

namespace pqbranch::config {

[[nodiscard]] std::vector<Problem> validate(const AgentConfig& config);
[[nodiscard]] std::vector<Problem> validate(const EdgeConfig& config);

}  // namespace pqbranch::config
