#include "pqbranch/wire/release_report.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <boost/json/serialize.hpp>

#include "pqbranch/wire/release_path.hpp"

#include "json_fields.hpp"

namespace pqbranch::wire {
namespace {

constexpr std::array<std::pair<std::string_view, ReleaseResult>, 3> kResultNames{{
    {"installed", ReleaseResult::installed},
    {"rolled-back", ReleaseResult::rolled_back},
    {"failed", ReleaseResult::failed},
}};

}  // namespace

std::string_view to_string(ReleaseResult r) noexcept {
  for (const auto& [name, value] : kResultNames) {
    if (value == r) return name;
  }
  return "?";
}

bool is_release_version(std::string_view v) noexcept {
  if (v.empty() || v.size() > kMaxReleaseVersionBytes || v.front() < '0' || v.front() > '9') {
    return false;
  }
  return std::ranges::all_of(v, [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '+' || c == '~' || c == ':' || c == '-';
  });
}

std::string encode(const ReleaseReport& report) {
  boost::json::object m;
  m["version"] = report.version;
  m["result"] = to_string(report.result);
  return detail::to_body(m);
}

core::Result<ReleaseReport> decode_release_report(std::string_view body) {
  if (body.size() > kMaxReportBodyBytes) {
    return core::make_error(errc::body_too_large,
                            "report over " + std::to_string(kMaxReportBodyBytes) + " bytes");
  }
  std::array<unsigned char, 1024> arena{};
  boost::json::monotonic_resource resource(arena.data(), arena.size());
  auto root = detail::parse_strict(body, &resource);
  if (!root) return root.error();
  auto reader = detail::ObjectReader::open(*root, {});
  if (!reader) return reader.error();
  auto version = reader->text("version", kMaxReleaseVersionBytes);
  if (!version) return version.error();
  if (!is_release_version(*version)) {
    return core::make_error(errc::bad_value,
                            "version: not a package version '" + detail::quoted(*version) + "'");
  }
  auto result_value = reader->field("result");
  if (!result_value) return result_value.error();
  auto result = detail::read_enum(**result_value, reader->path("result"), kResultNames);
  if (!result) return result.error();
  if (auto done = reader->finish(); !done) return done.error();
  return ReleaseReport{std::string(*version), *result};
}

}  // namespace pqbranch::wire
