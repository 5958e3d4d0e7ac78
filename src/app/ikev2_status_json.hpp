#pragma once
// The "ikev2" array of the agent's status document (docs/operations.md, "Status") and its
// lines in `pqbranch-agent status`.

#include <vector>

#include <boost/json.hpp>

#include "pqbranch/app/ikev2_status.hpp"

#include "update_status_json.hpp"

namespace pqbranch::app::detail {

boost::json::array ikev2_status_json(const std::vector<Ikev2PeerReport>& peers,
                                     std::chrono::system_clock::time_point now);
void render_ikev2_status(const boost::json::array& peers, const LineWriter& line);

}  // namespace pqbranch::app::detail
