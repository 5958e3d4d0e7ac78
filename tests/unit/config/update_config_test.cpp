#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/config/agent_config.hpp"

#include "minimal_agent_toml.hpp"

namespace pqbranch::config {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr const char* kMinimalUpdate = fixtures::kMinimalAgentToml;

// [update] with its two keys (lines 12-14), then `lines`.
std::string with_update(const std::string& lines) {
  return std::string(kMinimalUpdate) +
         "[update]\nml_dsa_65_key = \"/etc/pqbranch/release-mldsa.pem\"\n"
         "ed25519_key = \"/etc/pqbranch/release-ed25519.pem\"\n" +
         lines;
}

// A valid window (its header is at the first line of `lines`).
constexpr const char* kWindow =
    "[[update.window]]\ndays = [\"sat\"]\nstart_hour = 1\nduration = \"4h\"\n"
    "time_zone = \"Europe/Berlin\"\n";

TEST(UpdateConfig, AbsentSectionMeansUpdatesDisabled) {
  const auto c = parse_agent_config(kMinimalUpdate, "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_FALSE(c->update.enabled);
  EXPECT_EQ(c->update.channel, "stable");
  EXPECT_TRUE(c->update.windows.empty());
}

TEST(UpdateConfig, PresentSectionEnablesUpdatesWithTheDocumentedDefaults) {
  const auto c = parse_agent_config(with_update(""), "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_TRUE(c->update.enabled);
  EXPECT_EQ(c->update.channel, "stable");
  EXPECT_EQ(c->update.ml_dsa_65_key, "/etc/pqbranch/release-mldsa.pem");
  EXPECT_EQ(c->update.ed25519_key, "/etc/pqbranch/release-ed25519.pem");
  EXPECT_EQ(c->update.check_interval, 1h);
  EXPECT_EQ(c->update.install_time, 10min);
  EXPECT_TRUE(c->update.embargo_dates.empty());
  EXPECT_TRUE(c->update.windows.empty());
}

TEST(UpdateConfig, DisabledSectionNeedsNoKeys) {
  const auto c =
      parse_agent_config(std::string(kMinimalUpdate) + "[update]\nenabled = false\n", "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_FALSE(c->update.enabled);
}

TEST(UpdateConfig, ReadsEverySetting) {
  const auto c = parse_agent_config(with_update(R"(enabled = true
channel = "edge-2"
check_interval = "15m"
install_time = "20m"
embargo_dates = ["2026-12-24", 2026-12-31, "2028-02-29"]
[[update.window]]
days = ["sat", "sun"]
start_hour = 23
duration = "5h"
time_zone = "Asia/Kathmandu"
[[update.window]]
days = ["mon"]
start_hour = 0
duration = "24h"
time_zone = "UTC"
)"),
                                    "agent.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  const auto& u = c->update;
  EXPECT_TRUE(u.enabled);
  EXPECT_EQ(u.channel, "edge-2");
  EXPECT_EQ(u.check_interval, 15min);
  EXPECT_EQ(u.install_time, 20min);
  EXPECT_EQ(u.embargo_dates,
            (std::vector<year_month_day>{2026y / December / 24, 2026y / December / 31,
                                         2028y / February / 29}));
  ASSERT_EQ(u.windows.size(), 2U);
  EXPECT_EQ(u.windows[0].days, (std::vector<weekday>{Saturday, Sunday}));
  EXPECT_EQ(u.windows[0].start_hour, 23);
  EXPECT_EQ(u.windows[0].duration, 5h);
  ASSERT_NE(u.windows[0].time_zone, nullptr);
  EXPECT_EQ(u.windows[0].time_zone->name(), "Asia/Kathmandu");
  EXPECT_EQ(u.windows[1].days, std::vector<weekday>{Monday});
  EXPECT_EQ(u.windows[1].duration, 24h);
}

struct UpdateBadCase {
  const char* name;
  std::string text;
  errc code;
  std::string detail;
};

void PrintTo(const UpdateBadCase& c, std::ostream* os) {
  *os << c.name;
}

class UpdateConfigRejects : public testing::TestWithParam<UpdateBadCase> {};

TEST_P(UpdateConfigRejects, NamingThePlace) {
  const auto& c = GetParam();
  const auto r = parse_agent_config(c.text, "agent.toml");
  ASSERT_FALSE(r.has_value()) << c.text;
  EXPECT_EQ(r.error().code, c.code) << r.error().detail;
  EXPECT_EQ(r.error().detail, c.detail);
}

std::string window_with(const std::string& from, const std::string& to) {
  std::string text = kWindow;
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return with_update(text.replace(at, from.size(), to));
}

std::string repeated(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i)
    out += text;
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UpdateConfigRejects,
    testing::Values(
        UpdateBadCase{
            "unknown_time_zone", window_with("Europe/Berlin", "Europe/Berlim"),
            errc::unknown_time_zone,
            "agent.toml:19:13: update.window[0].time_zone: unknown time zone \"Europe/Berlim\" "
            "(not "
            "in the tz database; use an IANA name such as \"Europe/Berlin\")"},
        UpdateBadCase{
            "time_zone_abbreviation", window_with("Europe/Berlin", "CEST"), errc::unknown_time_zone,
            "agent.toml:19:13: update.window[0].time_zone: unknown time zone \"CEST\" (not in the "
            "tz database; use an IANA name such as \"Europe/Berlin\")"},
        UpdateBadCase{
            "day_not_a_weekday", window_with("\"sat\"", "\"saturday\""), errc::bad_choice,
            "agent.toml:16:9: update.window[0].days[0]: expected one of \"mon\", \"tue\", \"wed\", "
            "\"thu\", \"fri\", \"sat\", \"sun\""},
        UpdateBadCase{"day_listed_twice", window_with("\"sat\"", "\"sat\", \"sun\", \"sat\""),
                      errc::invalid_value,
                      "agent.toml:16:23: update.window[0].days[2]: is listed twice"},
        UpdateBadCase{"no_days", window_with("\"sat\"", ""), errc::invalid_value,
                      "agent.toml:16:8: update.window[0].days: must not be empty"},
        UpdateBadCase{"missing_time_zone", window_with("time_zone = \"Europe/Berlin\"\n", ""),
                      errc::missing_key,
                      "agent.toml:15:1: update.window[0]: missing required key \"time_zone\""},
        UpdateBadCase{"start_hour_24", window_with("start_hour = 1", "start_hour = 24"),
                      errc::out_of_range,
                      "agent.toml:17:14: update.window[0].start_hour: 24 is out of range (0..23)"},
        UpdateBadCase{"window_under_an_hour", window_with("\"4h\"", "\"30m\""), errc::out_of_range,
                      "agent.toml:18:12: update.window[0].duration: must be at least 1h"},
        UpdateBadCase{"window_over_a_day", window_with("\"4h\"", "\"24h1s\""), errc::out_of_range,
                      "agent.toml:18:12: update.window[0].duration: must be at most 1d"},
        UpdateBadCase{
            "window_shorter_than_the_install",
            with_update("install_time = \"2h\"\n" +
                        std::string(kWindow).replace(std::string(kWindow).find("\"4h\""), 4,
                                                     "\"1h\"")),
            errc::invalid_value,
            "agent.toml:19:12: update.window[0].duration: must be at least update.install_time "
            "(1h < 2h)"},
        UpdateBadCase{"unknown_window_key",
                      with_update(std::string(kWindow) + "start_minute = 30\n"), errc::unknown_key,
                      "agent.toml:20:1: update.window[0].start_minute: unknown key"},
        UpdateBadCase{"too_many_windows", with_update(repeated(kWindow, 17)), errc::invalid_value,
                      "agent.toml:15:1: update.window: must list at most 16 windows"},
        UpdateBadCase{
            "not_a_calendar_date", with_update("embargo_dates = [\"2026-02-29\"]\n"),
            errc::bad_date,
            "agent.toml:15:18: update.embargo_dates[0]: date \"2026-02-29\" is not a calendar "
            "date"},
        UpdateBadCase{
            "date_not_iso", with_update("embargo_dates = [\"24.12.2026\"]\n"), errc::bad_date,
            "agent.toml:15:18: update.embargo_dates[0]: date \"24.12.2026\" is not YYYY-MM-DD"},
        UpdateBadCase{"too_many_embargo_dates",
                      with_update("embargo_dates = [" + repeated("\"2026-12-24\",", 65) + "]\n"),
                      errc::invalid_value,
                      "agent.toml:15:17: update.embargo_dates: must list at most 64 dates"},
        UpdateBadCase{
            "channel_with_capitals", with_update("channel = \"Stable\"\n"), errc::invalid_value,
            "agent.toml:15:11: update.channel: must be 1..32 characters of a-z, 0-9 and '-'"},
        UpdateBadCase{
            "channel_too_long", with_update("channel = \"" + std::string(33, 'a') + "\"\n"),
            errc::invalid_value,
            "agent.toml:15:11: update.channel: must be 1..32 characters of a-z, 0-9 and '-'"},
        UpdateBadCase{"check_interval_too_short", with_update("check_interval = \"30s\"\n"),
                      errc::out_of_range,
                      "agent.toml:15:18: update.check_interval: must be at least 1m"},
        UpdateBadCase{"install_time_too_long", with_update("install_time = \"4h1m\"\n"),
                      errc::out_of_range,
                      "agent.toml:15:16: update.install_time: must be at most 4h"},
        UpdateBadCase{
            "enabled_without_keys", std::string(kMinimalUpdate) + "[update]\nchannel = \"beta\"\n",
            errc::invalid_value,
            "agent.toml:12:1: update.ml_dsa_65_key: must be set (the pinned ML-DSA-65 release key) "
            "when updates are enabled\n"
            "agent.toml:12:1: update.ed25519_key: must be set (the pinned Ed25519 release key) "
            "when updates are enabled"}),
    [](const testing::TestParamInfo<UpdateBadCase>& param) {
      return std::string(param.param.name);
    });

}  // namespace
}  // namespace pqbranch::config
