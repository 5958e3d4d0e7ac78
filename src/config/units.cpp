#include "pqbranch/config/units.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <memory>

#include "quoting.hpp"

namespace pqbranch::config {
namespace {

using detail::in_quotes;

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

// Largest first: durations must list their parts in this order.
constexpr std::array<Unit, 5> kDurationUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

constexpr std::uint64_t kKi = 1024;
constexpr std::array<Unit, 12> kSizeUnits{{
    {"PiB", kKi* kKi* kKi* kKi* kKi},
    {"TiB", kKi* kKi* kKi* kKi},
    {"GiB", kKi* kKi* kKi},
    {"MiB", kKi* kKi},
    {"KiB", kKi},
    {"PB", 1'000'000'000'000'000},
    {"TB", 1'000'000'000'000},
    {"GB", 1'000'000'000},
    {"MB", 1'000'000},
    {"kB", 1'000},
    {"KB", 1'000},
    {"B", 1},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Reads the digits at the front of `rest`; false on overflow.
bool take_number(std::string_view& rest, std::uint64_t& out) {
  const char* first = std::to_address(rest.begin());
  const auto [ptr, ec] = std::from_chars(first, std::to_address(rest.end()), out);
  if (ec != std::errc()) return false;
  rest.remove_prefix(static_cast<std::size_t>(ptr - first));
  return true;
}

std::string_view take_letters(std::string_view& rest) {
  std::size_t n = 0;
  while (n < rest.size() && is_letter(rest[n]))
    ++n;
  const auto word = rest.substr(0, n);
  rest.remove_prefix(n);
  return word;
}

// Common shape errors before any number is read.
const char* shape_problem(std::string_view text) {
  if (text.empty()) return "is empty";
  if (text.front() == '-') return "is negative";
  if (text.find('.') != std::string_view::npos) return "has a fraction (not supported)";
  for (const char c : text) {
    if (!is_digit(c) && !is_letter(c)) return "contains a character that is not a digit or unit";
  }
  if (!is_digit(text.front())) return "does not start with a number";
  return nullptr;
}

// a * b + c without wrapping, bounded by `limit`.
bool checked_mul_add(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t limit,
                     std::uint64_t& out) {
  if (b != 0 && a > (limit - c) / b) return false;
  out = a * b + c;
  return out <= limit;
}

}  // namespace

core::Result<Duration> parse_duration(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return core::make_error(errc::bad_duration, "duration " + in_quotes(text) + " " + why);
  };
  if (const char* why = shape_problem(text)) {
    if (text.empty()) return core::make_error(errc::bad_duration, "duration is empty");
    return fail(std::string(why) + " (e.g. \"30s\", \"10m\", \"1h30m\")");
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max());
  std::uint64_t total = 0;
  std::size_t next_unit = 0;  // index into kDurationUnits: units only get smaller
  std::string_view rest = text;
  while (!rest.empty()) {
    std::uint64_t number = 0;
    if (!take_number(rest, number)) return fail("is too large");
    const auto unit = take_letters(rest);
    if (unit.empty()) return fail("lacks a unit (ms, s, m, h or d), e.g. \"30s\"");
    std::size_t i = 0;
    while (i < kDurationUnits.size() && kDurationUnits[i].name != unit)
      ++i;
    if (i == kDurationUnits.size()) {
      return fail("has unknown unit " + in_quotes(unit) + " (use ms, s, m, h or d)");
    }
    if (i < next_unit) return fail("must list units from largest to smallest, each once");
    next_unit = i + 1;
    if (!checked_mul_add(number, kDurationUnits[i].factor, total, kMax, total)) {
      return fail("is too large");
    }
  }
  return Duration(static_cast<Duration::rep>(total));
}

core::Result<std::uint64_t> parse_size(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return core::make_error(errc::bad_size, "size " + in_quotes(text) + " " + why);
  };
  if (const char* why = shape_problem(text)) {
    if (text.empty()) return core::make_error(errc::bad_size, "size is empty");
    return fail(std::string(why) + " (e.g. \"4096\", \"64KiB\", \"500MB\")");
  }
  std::string_view rest = text;
  std::uint64_t number = 0;
  if (!take_number(rest, number)) return fail("is too large");
  if (rest.empty()) return number;
  for (const auto& unit : kSizeUnits) {
    if (unit.name != rest) continue;
    std::uint64_t bytes = 0;
    if (!checked_mul_add(number, unit.factor, 0, std::numeric_limits<std::uint64_t>::max(),
                         bytes)) {
      return fail("is too large");
    }
    return bytes;
  }
  return fail("has unknown unit " + in_quotes(rest) +
              " (use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
}

std::string format_duration(Duration d) {
  if (d.count() == 0) return "0s";
  if (d.count() < 0) return std::to_string(d.count()) + "ms";  // never parsed; shown as is
  auto left = static_cast<std::uint64_t>(d.count());
  std::string out;
  for (const auto& unit : kDurationUnits) {
    if (left >= unit.factor) {
      out += std::to_string(left / unit.factor);
      out += unit.name;
      left %= unit.factor;
    }
  }
  return out;
}

std::string format_size(std::uint64_t bytes) {
  for (const auto& unit : kSizeUnits) {
    if (unit.factor > 1 && bytes != 0 && bytes % unit.factor == 0 && unit.name != "KB") {
      return std::to_string(bytes / unit.factor) + std::string(unit.name);
    }
  }
  return std::to_string(bytes);
}

}  // namespace pqbranch::config
