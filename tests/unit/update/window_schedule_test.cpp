#include "pqbranch/update/window_schedule.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/config/time_zone.hpp"
#include "pqbranch/update/errc.hpp"

// Expected instants are written by hand as UTC from each zone's documented offsets (the
// comment beside each gives the local time and offset), never computed by the code under test.
namespace pqbranch::update {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr config::Duration kInstall = 10min;

WallTime utc(year_month_day day, hours h, minutes m = 0min, seconds s = 0s) {
  return sys_days{day} + h + m + s;
}

config::UpdateWindowSettings window(std::vector<weekday> days, std::uint8_t start_hour,
                                    config::Duration duration, const char* zone) {
  return {.days = std::move(days),
          .start_hour = start_hour,
          .duration = duration,
          .time_zone = config::find_time_zone(zone).value()};
}

WindowSchedule schedule(std::vector<config::UpdateWindowSettings> windows,
                        std::vector<year_month_day> embargo = {}) {
  config::UpdateSettings settings;
  settings.enabled = true;
  settings.windows = std::move(windows);
  settings.embargo_dates = std::move(embargo);
  return WindowSchedule::create(settings).value();
}

void expect_opens(const WindowSchedule& s, WallTime now, const WindowOpening& expected,
                  config::Duration install = kInstall) {
  const auto r = s.can_start_install(now, install);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, expected);
}

void expect_refused(const WindowSchedule& s, WallTime now, errc why,
                    config::Duration install = kInstall) {
  const auto r = s.can_start_install(now, install);
  ASSERT_FALSE(r.has_value()) << "opened at " << now.time_since_epoch().count();
  EXPECT_EQ(r.error().code, why) << r.error().message();
}

// Mondays 02:00 Europe/Berlin for 4 h. On Monday 2026-12-07 Berlin is on CET (+01:00):
// 02:00 CET = 01:00 UTC, the window ends 06:00 CET = 05:00 UTC.
const year_month_day kMonday = 2026y / December / 7;

TEST(WindowSchedule, InstallStartsExactlyAtTheWindowStart) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  expect_opens(s, utc(kMonday, 1h),
               {.window = 0, .start = utc(kMonday, 1h), .end = utc(kMonday, 5h)});
}

TEST(WindowSchedule, OneSecondBeforeTheStartIsOutsideTheWindow) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  expect_refused(s, utc(kMonday, 0h, 59min, 59s), errc::outside_window);
}

TEST(WindowSchedule, InstallStartsWhenItEndsExactlyAtTheWindowEnd) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  // 05:00 UTC - 10 min = 04:50 UTC
  expect_opens(s, utc(kMonday, 4h, 50min),
               {.window = 0, .start = utc(kMonday, 1h), .end = utc(kMonday, 5h)});
}

TEST(WindowSchedule, InstallThatWouldOverrunTheWindowByOneSecondDoesNotStart) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  expect_refused(s, utc(kMonday, 4h, 50min, 1s), errc::outside_window);
  // A shorter install still fits at that instant.
  expect_opens(s, utc(kMonday, 4h, 50min, 1s),
               {.window = 0, .start = utc(kMonday, 1h), .end = utc(kMonday, 5h)}, 5min);
}

TEST(WindowSchedule, OtherWeekdaysAndHoursAreOutsideTheWindow) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  expect_refused(s, utc(2026y / December / 8, 1h), errc::outside_window);  // Tuesday
  expect_refused(s, utc(kMonday, 12h), errc::outside_window);
}

TEST(WindowSchedule, StartHourInTheSpringGapMovesToTheEndOfTheGap) {
  // Berlin, Sunday 2026-03-29: at 01:00 UTC clocks jump from 02:00 CET to 03:00 CEST, so
  // 02:00 local does not exist; the window opens at 03:00 CEST = 01:00 UTC.
  const auto s = schedule({window({Sunday}, 2, 4h, "Europe/Berlin")});
  const auto day = 2026y / March / 29;
  const WindowOpening expected{.window = 0, .start = utc(day, 1h), .end = utc(day, 5h)};
  expect_refused(s, utc(day, 0h, 59min, 59s), errc::outside_window);
  expect_opens(s, utc(day, 1h), expected);
  // 4 elapsed hours: ends 05:00 UTC (07:00 CEST); the last start is 04:50 UTC.
  expect_opens(s, utc(day, 4h, 50min), expected);
  expect_refused(s, utc(day, 4h, 50min, 1s), errc::outside_window);
}

TEST(WindowSchedule, AmbiguousStartHourInTheAutumnOverlapTakesTheEarlierInstant) {
  // Berlin, Sunday 2026-10-25: at 01:00 UTC clocks go back from 03:00 CEST to 02:00 CET, so
  // 02:00 local happens twice; the earlier is 02:00 CEST (+02:00) = 00:00 UTC. A 4 h window
  // lasts 4 real hours: it ends 04:00 UTC (05:00 CET), not at 06:00 CET.
  const auto s = schedule({window({Sunday}, 2, 4h, "Europe/Berlin")});
  const auto day = 2026y / October / 25;
  const WindowOpening expected{.window = 0, .start = utc(day, 0h), .end = utc(day, 4h)};
  expect_refused(s, utc(2026y / October / 24, 23h, 59min, 59s), errc::outside_window);
  expect_opens(s, utc(day, 0h), expected);
  expect_opens(s, utc(day, 3h, 50min), expected);
  expect_refused(s, utc(day, 3h, 50min, 1s), errc::outside_window);
}

TEST(WindowSchedule, LordHoweHalfHourSpringGapMovesToTheEndOfTheGap) {
  // Lord Howe, Sunday 2026-10-04: at 02:00 +10:30 (15:30 UTC on the 3rd) clocks jump to
  // 02:30 +11:00, so 02:00 local does not exist; the window opens at 02:30 +11 = 15:30 UTC.
  const auto s = schedule({window({Sunday}, 2, 2h, "Australia/Lord_Howe")});
  const auto eve = 2026y / October / 3;
  const WindowOpening expected{
      .window = 0, .start = utc(eve, 15h, 30min), .end = utc(eve, 17h, 30min)};
  expect_refused(s, utc(eve, 15h, 29min, 59s), errc::outside_window);
  expect_opens(s, utc(eve, 15h, 30min), expected);
}

TEST(WindowSchedule, LordHoweWindowAcrossTheHalfHourFallBackLastsItsElapsedDuration) {
  // Lord Howe, Sunday 2026-04-05: 01:00 local is still +11:00 (14:00 UTC on the 4th); at
  // 02:00 +11 (15:00 UTC) clocks go back to 01:30 +10:30. A 2 h window ends at 16:00 UTC
  // (02:30 +10:30), 2 real hours after it opened.
  const auto s = schedule({window({Sunday}, 1, 2h, "Australia/Lord_Howe")});
  const auto eve = 2026y / April / 4;
  const WindowOpening expected{.window = 0, .start = utc(eve, 14h), .end = utc(eve, 16h)};
  expect_opens(s, utc(eve, 14h), expected);
  expect_opens(s, utc(eve, 15h, 50min), expected);
  expect_refused(s, utc(eve, 15h, 50min, 1s), errc::outside_window);
}

TEST(WindowSchedule, KathmanduQuarterHourOffsetPutsTheStartOnTheDayBeforeInUtc) {
  // Kathmandu is +05:45 all year: Monday 2026-12-07 02:00 local = Sunday 2026-12-06 20:15 UTC.
  const auto s = schedule({window({Monday}, 2, 1h, "Asia/Kathmandu")});
  const auto sunday = 2026y / December / 6;
  const WindowOpening expected{
      .window = 0, .start = utc(sunday, 20h, 15min), .end = utc(sunday, 21h, 15min)};
  expect_refused(s, utc(sunday, 20h, 14min, 59s), errc::outside_window);
  expect_opens(s, utc(sunday, 20h, 15min), expected);
  expect_opens(s, utc(sunday, 21h, 5min), expected);
  expect_refused(s, utc(sunday, 21h, 5min, 1s), errc::outside_window);
}

TEST(WindowSchedule, StJohnsSpringGapWithHalfHourOffsets) {
  // St. John's, Sunday 2026-03-08: at 02:00 NST (-03:30) = 05:30 UTC clocks jump to 03:00 NDT
  // (-02:30); the window opens at 03:00 NDT = 05:30 UTC.
  const auto s = schedule({window({Sunday}, 2, 1h, "America/St_Johns")});
  const auto day = 2026y / March / 8;
  expect_opens(s, utc(day, 5h, 30min),
               {.window = 0, .start = utc(day, 5h, 30min), .end = utc(day, 6h, 30min)});
  expect_refused(s, utc(day, 5h, 29min, 59s), errc::outside_window);
}

TEST(WindowSchedule, WindowCrossingMidnightBelongsToTheDayItStarts) {
  // Saturday 2026-12-05 22:00 CET = 21:00 UTC, 4 h: until Sunday 02:00 CET = 01:00 UTC.
  const auto saturday = 2026y / December / 5;
  const auto sunday = 2026y / December / 6;
  const WindowOpening expected{.window = 0, .start = utc(saturday, 21h), .end = utc(sunday, 1h)};
  const auto on_saturday = schedule({window({Saturday}, 22, 4h, "Europe/Berlin")});
  // Sunday 01:30 CET, after midnight in the window that began on Saturday.
  expect_opens(on_saturday, utc(sunday, 0h, 30min), expected);
  // A window on Sundays at 22:00 is not open at Sunday 01:30.
  const auto on_sunday = schedule({window({Sunday}, 22, 4h, "Europe/Berlin")});
  expect_refused(on_sunday, utc(sunday, 0h, 30min), errc::outside_window);
}

TEST(WindowSchedule, AnyOpenWindowOfSeveralSuffices) {
  // Window 0: Mondays 02:00 Berlin (01:00-05:00 UTC on 2026-12-07).
  // Window 1: Tuesdays 02:00 Kathmandu, 2 h (Tuesday 2026-12-08 02:00 +05:45 = 12-07 20:15 UTC).
  const auto s = schedule(
      {window({Monday}, 2, 4h, "Europe/Berlin"), window({Tuesday}, 2, 2h, "Asia/Kathmandu")});
  expect_opens(s, utc(kMonday, 2h),
               {.window = 0, .start = utc(kMonday, 1h), .end = utc(kMonday, 5h)});
  expect_opens(s, utc(kMonday, 21h),
               {.window = 1, .start = utc(kMonday, 20h, 15min), .end = utc(kMonday, 22h, 15min)});
  expect_refused(s, utc(kMonday, 12h), errc::outside_window);
}

TEST(WindowSchedule, OverlappingWindowsUseTheFirstThatHasRoom) {
  // Both open Monday 01:00 UTC; window 0 ends 02:00 UTC, window 1 at 05:00 UTC.
  const auto s = schedule(
      {window({Monday}, 2, 1h, "Europe/Berlin"), window({Monday}, 2, 4h, "Europe/Berlin")});
  expect_opens(s, utc(kMonday, 1h),
               {.window = 0, .start = utc(kMonday, 1h), .end = utc(kMonday, 2h)});
  expect_opens(s, utc(kMonday, 1h, 55min),
               {.window = 1, .start = utc(kMonday, 1h), .end = utc(kMonday, 5h)});
}

TEST(WindowSchedule, NoInstallStartsOnAnEmbargoDate) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")}, {kMonday});
  expect_refused(s, utc(kMonday, 1h), errc::embargoed);
  expect_refused(s, utc(kMonday, 4h, 50min), errc::embargoed);
  // Outside the window it is still "outside_window": the embargo forbade nothing.
  expect_refused(s, utc(kMonday, 12h), errc::outside_window);
  // The Monday after is not embargoed (02:00 CET = 01:00 UTC).
  const auto next = 2026y / December / 14;
  expect_opens(s, utc(next, 1h), {.window = 0, .start = utc(next, 1h), .end = utc(next, 5h)});
}

TEST(WindowSchedule, EmbargoDatesAreLocalDatesInTheWindowsZone) {
  // Kathmandu's Monday 2026-12-07 02:00 is Sunday 2026-12-06 20:15 UTC.
  const auto sunday = 2026y / December / 6;
  const auto local_monday_embargoed =
      schedule({window({Monday}, 2, 1h, "Asia/Kathmandu")}, {kMonday});
  expect_refused(local_monday_embargoed, utc(sunday, 20h, 15min), errc::embargoed);
  // The UTC date (Sunday) as embargo date forbids nothing there.
  const auto utc_sunday_embargoed = schedule({window({Monday}, 2, 1h, "Asia/Kathmandu")}, {sunday});
  expect_opens(utc_sunday_embargoed, utc(sunday, 20h, 15min),
               {.window = 0, .start = utc(sunday, 20h, 15min), .end = utc(sunday, 21h, 15min)});
}

TEST(WindowSchedule, EmbargoBeginningInsideAWindowCrossingMidnightStopsInstallsThatWouldTouchIt) {
  // Saturday 2026-12-05 22:00 CET (21:00 UTC) for 4 h; Sunday 2026-12-06 is embargoed.
  const auto saturday = 2026y / December / 5;
  const auto sunday = 2026y / December / 6;
  const auto s = schedule({window({Saturday}, 22, 4h, "Europe/Berlin")}, {sunday});
  const WindowOpening expected{.window = 0, .start = utc(saturday, 21h), .end = utc(sunday, 1h)};
  expect_opens(s, utc(saturday, 21h), expected);
  // 23:49:59 CET + 10 min ends 23:59:59 Saturday: allowed.
  expect_opens(s, utc(saturday, 22h, 49min, 59s), expected);
  // 23:50 CET + 10 min reaches 00:00 Sunday: it touches the embargo date.
  expect_refused(s, utc(saturday, 22h, 50min), errc::embargoed);
  // Sunday 01:00 CET, inside the window, on the embargo date.
  expect_refused(s, utc(sunday, 0h), errc::embargoed);
}

TEST(WindowSchedule, WithoutWindowsNothingInstallsByItself) {
  const auto s = schedule({});
  EXPECT_FALSE(s.has_windows());
  expect_refused(s, utc(kMonday, 1h), errc::outside_window);
  EXPECT_EQ(s.next_opportunity(utc(kMonday, 1h), kInstall), std::nullopt);
}

TEST(WindowSchedule, WindowWithoutTimeZoneIsRefused) {
  config::UpdateSettings settings;
  settings.windows.push_back({.days = {Monday}, .start_hour = 2, .duration = 4h});
  const auto r = WindowSchedule::create(settings);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::bad_time_zone);
}

TEST(WindowSchedule, NextOpportunityIsNowInsideAWindowWithRoom) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  EXPECT_EQ(s.next_opportunity(utc(kMonday, 3h, 7min, 5s), kInstall), utc(kMonday, 3h, 7min, 5s));
}

TEST(WindowSchedule, NextOpportunityLooksAcrossTheWeek) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  // Tuesday 2026-12-08 10:00 UTC: the next Monday 2026-12-14 02:00 CET = 01:00 UTC.
  EXPECT_EQ(s.next_opportunity(utc(2026y / December / 8, 10h), kInstall),
            utc(2026y / December / 14, 1h));
  // Inside the window but with too little left: also the next Monday.
  EXPECT_EQ(s.next_opportunity(utc(kMonday, 4h, 55min), kInstall), utc(2026y / December / 14, 1h));
}

TEST(WindowSchedule, NextOpportunityPicksTheEarliestOfSeveralWindows) {
  // From Monday 2026-12-07 06:00 UTC: the Berlin window next opens Monday 12-14 01:00 UTC,
  // the Kathmandu Tuesday window on 12-07 20:15 UTC.
  const auto s = schedule(
      {window({Monday}, 2, 4h, "Europe/Berlin"), window({Tuesday}, 2, 2h, "Asia/Kathmandu")});
  EXPECT_EQ(s.next_opportunity(utc(kMonday, 6h), kInstall), utc(kMonday, 20h, 15min));
}

TEST(WindowSchedule, NextOpportunitySkipsAnEmbargoedWindow) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")}, {kMonday});
  EXPECT_EQ(s.next_opportunity(utc(2026y / December / 6, 12h), kInstall),
            utc(2026y / December / 14, 1h));
}

TEST(WindowSchedule, NextOpportunityInsideAWindowWaitsUntilTheEmbargoDateHasPassed) {
  // Friday 2026-12-04 22:00 CET (21:00 UTC) for 24 h, until Saturday 21:00 UTC; Saturday
  // 2026-12-05 is embargoed. From Friday 23:55 CET (22:55 UTC) every install would touch
  // Saturday, and Sunday 00:00 CET is past the window's end: the next start is the
  // Friday after, 2026-12-11 22:00 CET = 21:00 UTC.
  const auto friday = 2026y / December / 4;
  const auto s = schedule({window({Friday}, 22, 24h, "Europe/Berlin")}, {2026y / December / 5});
  EXPECT_EQ(s.next_opportunity(utc(friday, 22h, 55min), kInstall), utc(2026y / December / 11, 21h));
  // Until 23:50 CET the install ends on Friday: allowed at once.
  EXPECT_EQ(s.next_opportunity(utc(friday, 22h, 40min), kInstall), utc(friday, 22h, 40min));
}

TEST(WindowSchedule, NextOpportunityResumesAfterAnEmbargoDateInsideALongWindow) {
  // Saturday 2026-12-05 12:00 CET (11:00 UTC) for 24 h, Saturday embargoed: the first start
  // is Sunday 00:00 CET = Saturday 23:00 UTC, still inside the window (until Sunday 11:00 UTC).
  const auto saturday = 2026y / December / 5;
  const auto s = schedule({window({Saturday}, 12, 24h, "Europe/Berlin")}, {saturday});
  EXPECT_EQ(s.next_opportunity(utc(saturday, 11h), kInstall), utc(saturday, 23h));
  expect_opens(s, utc(saturday, 23h),
               {.window = 0, .start = utc(saturday, 11h), .end = utc(2026y / December / 6, 11h)});
  expect_refused(s, utc(saturday, 22h, 59min, 59s), errc::embargoed);
}

TEST(WindowSchedule, NextOpportunityIsNoneWhenEveryOpeningInTheHorizonIsEmbargoed) {
  // Every Monday from 2026-12-07 for 60 weeks (past the 400-day horizon) is embargoed.
  std::vector<year_month_day> mondays;
  for (int week = 0; week < 60; ++week)
    mondays.emplace_back(sys_days{kMonday} + weeks{week});
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")}, mondays);
  EXPECT_EQ(s.next_opportunity(utc(kMonday, 0h), kInstall), std::nullopt);
}

TEST(WindowSchedule, ReportsTheTimeZoneDatabaseVersion) {
  const auto s = schedule({window({Monday}, 2, 4h, "Europe/Berlin")});
  // IANA versions are a year and a letter: "2025b".
  ASSERT_EQ(s.tz_database_version().size(), 5U) << s.tz_database_version();
  EXPECT_TRUE(s.tz_database_version().starts_with("20")) << s.tz_database_version();
}

}  // namespace
}  // namespace pqbranch::update
