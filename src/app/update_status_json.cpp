#include "update_status_json.hpp"

#include <fmt/format.h>

#include "pqbranch/update/utc_time.hpp"

#include "json_fields.hpp"

namespace pqbranch::app::detail {
namespace json = boost::json;

namespace {

json::value or_null(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}
json::value or_null(const std::optional<update::TimePoint>& t) {
  if (!t) return nullptr;
  return json::value(update::format_utc_time(std::chrono::floor<std::chrono::seconds>(*t)));
}
std::string or_dash(std::string s) {
  return s.empty() ? std::string("-") : s;
}

}  // namespace

json::object update_status_json(const update::UpdateStatus& s, const std::string& tz_database) {
  json::object o;
  o["state"] = s.state;
  o["running_version"] = s.running_version;
  o["channel"] = s.channel;
  o["staged_version"] = or_null(s.staged_version);
  o["held"] = s.held;
  o["next_window"] = or_null(s.next_window);
  o["next_check"] = or_null(s.next_check);
  o["requested_version"] = or_null(s.requested_version);
  o["last_result"] = s.last_result;
  o["last_refusal"] = s.last_refusal;
  o["paused"] = s.paused;
  o["pinned"] = or_null(s.pinned);
  o["failed_versions"] = s.failed_versions;
  o["pending_report"] = or_null(s.pending_report);
  o["tz_database"] = tz_database;
  return o;
}

void render_update_status(const json::object& u, const LineWriter& line) {
  line("update", fmt::format("{} on channel {}, {}", str(u, "running_version"), str(u, "channel"),
                             str(u, "state")));
  std::string staged = opt_str(u, "staged_version").value_or("none");
  if (const std::string held = str(u, "held"); !held.empty()) staged += " (held: " + held + ")";
  line("staged", staged);
  line("next window", opt_str(u, "next_window").value_or("-"));
  const auto pinned = opt_str(u, "pinned");
  line("operator", fmt::format("{}, {}", flag(u, "paused") ? "PAUSED" : "not paused",
                               pinned ? "pinned to " + *pinned : std::string("not pinned")));
  line("last result", or_dash(str(u, "last_result")));
  line("last refusal", or_dash(str(u, "last_refusal")));
}

}  // namespace pqbranch::app::detail
