#include "pqbranch/config/time_zone.hpp"
#include "pqbranch/config/update_config.hpp"

#include "section_readers.hpp"

namespace pqbranch::config::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "YYYY-MM-DD" exactly, and a day the calendar has (no 2026-02-29).
core::Result<std::chrono::year_month_day> parse_date(std::string_view s) {
  const auto bad = [&](const char* why) {
    return core::make_error(errc::bad_date, "date \"" + std::string(s) + "\" " + why);
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return bad("is not YYYY-MM-DD");
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (std::size_t p = 0; p < 3; ++p) {
    for (std::size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (!is_digit(s[i])) return bad("is not YYYY-MM-DD");
      parts[p] = parts[p] * 10 + (s[i] - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year{parts[0]},
                                         std::chrono::month{static_cast<unsigned>(parts[1])},
                                         std::chrono::day{static_cast<unsigned>(parts[2])}};
  if (!date.ok()) return bad("is not a calendar date");
  return date;
}

// A date as a string "2026-12-24" or as a TOML local date (2026-12-24, unquoted).
struct DateKind {
  using value_type = std::chrono::year_month_day;
  [[nodiscard]] core::Result<value_type> parse(const toml::node& node) const {
    if (const auto* d = node.as_date()) {
      const auto v = d->get();
      return parse_date(fmt::format("{:04}-{:02}-{:02}", v.year, v.month, v.day));
    }
    const auto* s = node.as_string();
    if (s == nullptr) return wrong_type("a date \"YYYY-MM-DD\"", node);
    return parse_date(s->get());
  }
};

struct TimeZoneKind {  // an IANA name the tz database has
  using value_type = const std::chrono::time_zone*;
  [[nodiscard]] core::Result<value_type> parse(const toml::node& node) const {
    const auto* s = node.as_string();
    if (s == nullptr) return wrong_type("a time zone name, e.g. \"Europe/Berlin\"", node);
    return find_time_zone(s->get());
  }
};

kind::Choice<std::chrono::weekday> weekday_kind() {
  return {{{"mon", std::chrono::Monday},
           {"tue", std::chrono::Tuesday},
           {"wed", std::chrono::Wednesday},
           {"thu", std::chrono::Thursday},
           {"fri", std::chrono::Friday},
           {"sat", std::chrono::Saturday},
           {"sun", std::chrono::Sunday}}};
}

UpdateWindowSettings read_window(TableReader t) {
  using std::chrono::hours;
  UpdateWindowSettings w;
  w.days = t.required_array("days", weekday_kind());
  w.start_hour = t.required("start_hour", kind::Integer<std::uint8_t>{.min = 0, .max = 23});
  w.duration = t.required("duration", kind::Duration{.min = hours{1}, .max = hours{24}});
  w.time_zone = t.required("time_zone", TimeZoneKind{});
  return w;
}

}  // namespace

UpdateSettings read_update(TableReader table) {
  using std::chrono::hours;
  using std::chrono::minutes;
  UpdateSettings u;
  u.enabled = table.get("enabled", kind::Boolean{}, table.present());
  u.channel = table.get("channel", kind::Text{}, u.channel);
  u.ml_dsa_65_key = table.get("ml_dsa_65_key", kind::Path{}, u.ml_dsa_65_key);
  u.ed25519_key = table.get("ed25519_key", kind::Path{}, u.ed25519_key);
  u.check_interval = table.get(
      "check_interval", kind::Duration{.min = minutes{1}, .max = hours{24}}, u.check_interval);
  u.install_time =
      table.get("install_time", kind::Duration{.min = minutes{1}, .max = hours{4}}, u.install_time);
  u.embargo_dates = table.array("embargo_dates", DateKind{});
  for (auto& window : table.tables("window"))
    u.windows.push_back(read_window(window));
  return u;
}

}  // namespace pqbranch::config::detail
