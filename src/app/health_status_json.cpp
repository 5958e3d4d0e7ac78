#include "health_status_json.hpp"

#include <fmt/format.h>

#include "json_fields.hpp"

namespace pqbranch::app::detail {
namespace json = boost::json;

json::object health_status_json(const HealthStatusReport& r) {
  const health::HealthStatus& s = r.status;
  json::object o;
  o["state"] = r.error.empty() ? health::to_string(s.state) : "unavailable";
  o["error"] = r.error;
  o["target"] = r.target;
  o["source"] = r.source;
  o["in_state_seconds"] = r.in_state.count();
  o["probes_sent"] = s.probes_sent;
  o["probes_answered"] = s.probes_answered;
  o["probes_lost"] = s.probes_lost;
  o["window_probes"] = s.window_resolved;
  o["window_lost"] = s.window_lost;
  o["window_loss_ratio"] = s.window_loss_ratio;
  return o;
}

void render_health_status(const json::object& h, const LineWriter& line) {
  const std::string state = str(h, "state");
  if (state == "unavailable") {
    line("health", "UNAVAILABLE: " + str(h, "error"));
    return;
  }
  const json::value* ratio = field(h, "window_loss_ratio");
  const double loss = ratio != nullptr && ratio->is_double() ? ratio->get_double() : 0.0;
  line("health",
       fmt::format("{} for {} s; probes to {} from {}: {} sent, {} lost; {} of {} "
                   "({:.2f} %) lost in the last 5 min",
                   state == "healthy" ? state : "TUNNEL " + state, num(h, "in_state_seconds"),
                   str(h, "target"), str(h, "source"), num(h, "probes_sent"), num(h, "probes_lost"),
                   num(h, "window_lost"), num(h, "window_probes"), loss * 100.0));
}

}  // namespace pqbranch::app::detail
