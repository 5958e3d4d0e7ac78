#include "pqbranch/config/units.hpp"

#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace pqbranch::config {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsUnitsFromLargestToSmallest) {
  const struct {
    const char* text;
    milliseconds want;
  } cases[] = {
      {"250ms", milliseconds{250}},      {"30s", milliseconds{30'000}},
      {"10m", milliseconds{600'000}},    {"1h30m", milliseconds{5'400'000}},
      {"2d", milliseconds{172'800'000}}, {"1d2h3m4s5ms", milliseconds{93'784'005}},
      {"0s", milliseconds{0}},           {"90m", milliseconds{5'400'000}},
  };
  for (const auto& c : cases) {
    const auto d = parse_duration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text << ": " << d.error().message();
    EXPECT_EQ(*d, c.want) << c.text;
  }
}

TEST(ParseDuration, RejectsWithReason) {
  const struct {
    const char* text;
    const char* detail;
  } cases[] = {
      {"", "duration is empty"},
      {"-5s", "duration \"-5s\" is negative (e.g. \"30s\", \"10m\", \"1h30m\")"},
      {"30", "duration \"30\" lacks a unit (ms, s, m, h or d), e.g. \"30s\""},
      {"0", "duration \"0\" lacks a unit (ms, s, m, h or d), e.g. \"30s\""},
      {"1h30", "duration \"1h30\" lacks a unit (ms, s, m, h or d), e.g. \"30s\""},
      {"10x", "duration \"10x\" has unknown unit \"x\" (use ms, s, m, h or d)"},
      {"10S", "duration \"10S\" has unknown unit \"S\" (use ms, s, m, h or d)"},
      {"1.5h",
       "duration \"1.5h\" has a fraction (not supported) (e.g. \"30s\", \"10m\", \"1h30m\")"},
      {"30m1h", "duration \"30m1h\" must list units from largest to smallest, each once"},
      {"1m1m", "duration \"1m1m\" must list units from largest to smallest, each once"},
      {"10 s",
       "duration \"10 s\" contains a character that is not a digit or unit (e.g. \"30s\", "
       "\"10m\", \"1h30m\")"},
      {"h", "duration \"h\" does not start with a number (e.g. \"30s\", \"10m\", \"1h30m\")"},
      {"99999999999999999999s", "duration \"99999999999999999999s\" is too large"},
      {"9223372036854775808ms", "duration \"9223372036854775808ms\" is too large"},
      // 2^63-1 ms is 106751991167 days and about 7.2 hours.
      {"106751991168d", "duration \"106751991168d\" is too large"},
      {"106751991167d8h", "duration \"106751991167d8h\" is too large"},
  };
  for (const auto& c : cases) {
    const auto d = parse_duration(c.text);
    ASSERT_FALSE(d.has_value()) << c.text;
    EXPECT_EQ(d.error().code, errc::bad_duration) << c.text;
    EXPECT_EQ(d.error().detail, c.detail);
  }
}

TEST(ParseDuration, LargestValueFitsExactly) {
  const auto max = std::numeric_limits<milliseconds::rep>::max();
  const auto d = parse_duration(std::to_string(max) + "ms");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->count(), max);
  EXPECT_TRUE(parse_duration("106751991167d7h").has_value());
}

TEST(FormatDuration, RoundTrips) {
  for (const char* text : {"0s", "250ms", "1h30m", "2d", "1d2h3m4s5ms", "59s999ms"}) {
    const auto d = parse_duration(text);
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_EQ(format_duration(*d), text);
  }
  EXPECT_EQ(format_duration(milliseconds{5'400'000}), "1h30m");
}

TEST(ParseSize, AcceptsBytesBinaryAndSiUnits) {
  const struct {
    const char* text;
    std::uint64_t want;
  } cases[] = {
      {"4096", 4096},
      {"0", 0},
      {"12B", 12},
      {"64KiB", 65'536},
      {"1GiB", 1'073'741'824},
      {"2TiB", 2'199'023'255'552},
      {"500MB", 500'000'000},
      {"3kB", 3'000},
      {"3KB", 3'000},
      {"1PiB", 1'125'899'906'842'624},
      {"18446744073709551615", 18'446'744'073'709'551'615U},
  };
  for (const auto& c : cases) {
    const auto s = parse_size(c.text);
    ASSERT_TRUE(s.has_value()) << c.text << ": " << s.error().message();
    EXPECT_EQ(*s, c.want) << c.text;
  }
}

TEST(ParseSize, RejectsWithReason) {
  const struct {
    const char* text;
    const char* detail;
  } cases[] = {
      {"", "size is empty"},
      {"-1", "size \"-1\" is negative (e.g. \"4096\", \"64KiB\", \"500MB\")"},
      {"1.5GiB",
       "size \"1.5GiB\" has a fraction (not supported) (e.g. \"4096\", \"64KiB\", "
       "\"500MB\")"},
      {"64kib",
       "size \"64kib\" has unknown unit \"kib\" (use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)"},
      {"15EB", "size \"15EB\" has unknown unit \"EB\" (use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)"},
      {"64K", "size \"64K\" has unknown unit \"K\" (use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)"},
      {"1MiB1KiB",
       "size \"1MiB1KiB\" has unknown unit \"MiB1KiB\" (use B, KiB, MiB, GiB, TiB, "
       "kB, MB, GB, TB)"},
      {"GiB", "size \"GiB\" does not start with a number (e.g. \"4096\", \"64KiB\", \"500MB\")"},
      {"18446744073709551616", "size \"18446744073709551616\" is too large"},
      {"16384PiB", "size \"16384PiB\" is too large"},
      {"64 KiB",
       "size \"64 KiB\" contains a character that is not a digit or unit (e.g. "
       "\"4096\", \"64KiB\", \"500MB\")"},
  };
  for (const auto& c : cases) {
    const auto s = parse_size(c.text);
    ASSERT_FALSE(s.has_value()) << c.text;
    EXPECT_EQ(s.error().code, errc::bad_size) << c.text;
    EXPECT_EQ(s.error().detail, c.detail);
  }
}

TEST(FormatSize, IsExact) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(4097), "4097");
  EXPECT_EQ(format_size(65'536), "64KiB");
  EXPECT_EQ(format_size(500'000'000), "500MB");
  EXPECT_EQ(format_size(3'000), "3kB");
  for (const std::uint64_t v : {1ULL, 1000ULL, 1024ULL, 123'456'789ULL, 1ULL << 40}) {
    EXPECT_EQ(parse_size(format_size(v)).value(), v);
  }
}

}  // namespace
}  // namespace pqbranch::config
