#include "pqbranch/update/update_state.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/core/log_text.hpp"
#include "pqbranch/update/errc.hpp"

#include "release_fields.hpp"

namespace pqbranch::update {
namespace {

using detail::kMaxDetailBytes;
using detail::valid_package_name;
using detail::valid_sha256;
using detail::valid_version;

constexpr std::size_t kMaxStateBytes = 8192;
constexpr unsigned kMaxAttempts = 1000000;
// Unix seconds up to the last that a TimePoint holds (nanoseconds in 64 bits: the year 2262):
// far beyond any manifest. A larger number would overflow when converted (found by the
// state_decode_fuzz target).
constexpr std::uint64_t kMaxUnixSeconds = static_cast<std::uint64_t>(
    std::chrono::floor<std::chrono::seconds>(TimePoint::max().time_since_epoch()).count());

core::Error bad(std::string why) {
  return core::make_error(errc::bad_update_state, std::move(why));
}

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max) {
  std::uint64_t n = 0;
  if (s.empty() || (s.size() > 1 && s.front() == '0')) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || n > max) return std::nullopt;
  return n;
}

std::optional<TimePoint> parse_time(std::string_view s) {
  auto n = parse_uint(s, kMaxUnixSeconds);
  if (!n) return std::nullopt;
  return TimePoint(std::chrono::seconds(static_cast<std::int64_t>(*n)));
}

// `count` space-separated fields; the last takes the rest of the line when `rest`.
template <std::size_t N>
std::optional<std::array<std::string_view, N>> fields(std::string_view s, bool rest = false) {
  std::array<std::string_view, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    if (i + 1 == N) {
      if (!rest && s.find(' ') != std::string_view::npos) return std::nullopt;
      out[i] = s;
      return out;
    }
    const std::size_t sp = s.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    out[i] = s.substr(0, sp);
    s.remove_prefix(sp + 1);
  }
  return out;
}

std::optional<ReportOutcome> parse_outcome(std::string_view s) {
  for (ReportOutcome o : {ReportOutcome::installed, ReportOutcome::rolled_back,
                          ReportOutcome::failed, ReportOutcome::refused}) {
    if (to_string(o) == s) return o;
  }
  return std::nullopt;
}

core::Result<ReleaseCandidate> parse_staged(std::string_view v) {
  auto f = fields<5>(v);
  if (!f) return bad("staged: five fields");
  ReleaseCandidate c;
  auto size = parse_uint((*f)[2], UINT64_MAX);
  auto expires = parse_time((*f)[4]);
  if (!valid_version((*f)[0]) || !valid_package_name((*f)[1]) || !size || *size == 0 ||
      !valid_sha256((*f)[3]) || !expires) {
    return bad("staged: a malformed field");
  }
  return ReleaseCandidate{std::string((*f)[0]), std::string((*f)[1]), *size, std::string((*f)[3]),
                          *expires};
}

core::Result<OutstandingRequest> parse_requested(std::string_view v) {
  auto f = fields<4>(v);
  if (!f) return bad("requested: four fields");
  auto written = parse_time((*f)[3]);
  if (!valid_version((*f)[0]) || !valid_package_name((*f)[1]) || !valid_sha256((*f)[2]) ||
      !written) {
    return bad("requested: a malformed field");
  }
  return OutstandingRequest{std::string((*f)[0]), std::string((*f)[1]), std::string((*f)[2]),
                            *written};
}

core::Result<PendingReport> parse_report(std::string_view v) {
  auto f = fields<4>(v, true);
  if (!f) return bad("report: four fields");
  auto outcome = parse_outcome((*f)[1]);
  auto attempts = parse_uint((*f)[2], kMaxAttempts);
  if (!valid_version((*f)[0]) || !outcome || !attempts || (*f)[3].size() > kMaxDetailBytes) {
    return bad("report: a malformed field");
  }
  return PendingReport{std::string((*f)[0]), *outcome, static_cast<unsigned>(*attempts),
                       std::string((*f)[3])};
}

// Reads the lines one by one; `take(key)` returns the value of the next line when it has
// that key, else nullopt (the line stays for the next key).
class Lines {
 public:
  explicit Lines(std::string_view text) : rest_(text) {}
  core::Result<std::optional<std::string_view>> take(std::string_view key) {
    if (rest_.empty()) return std::optional<std::string_view>{};
    const std::size_t end = rest_.find('\n');
    if (end == std::string_view::npos) return bad("last line not terminated");
    const std::string_view line = rest_.substr(0, end);
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != '=') {
      return std::optional<std::string_view>{};
    }
    const std::string_view value = line.substr(key.size() + 1);
    if (!core::is_printable_ascii(value)) return bad(fmt::format("'{}' has control bytes", key));
    rest_.remove_prefix(end + 1);
    return std::optional<std::string_view>{value};
  }
  core::Result<std::string_view> need(std::string_view key) {
    auto v = take(key);
    if (!v) return v.error();
    if (!*v) return bad(fmt::format("expected the line '{}='", key));
    return **v;
  }
  [[nodiscard]] bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace

std::string_view to_string(ReportOutcome o) noexcept {
  switch (o) {
    case ReportOutcome::installed:
      return "installed";
    case ReportOutcome::rolled_back:
      return "rolled-back";
    case ReportOutcome::failed:
      return "failed";
    case ReportOutcome::refused:
      return "refused";
  }
  return "?";
}

std::string encode(const UpdateState& s) {
  std::string out = fmt::format("format=1\npaused={}\npinned={}\n", s.paused ? "yes" : "no",
                                s.pinned.value_or(""));
  for (const std::string& v : s.failed_versions)
    out += fmt::format("failed={}\n", v);
  out += "staged=";
  if (const auto& c = s.staged) {
    out += fmt::format("{} {} {} {} {}", c->version, c->package, c->size, c->sha256,
                       unix_seconds(c->expires));
  }
  out += "\nrequested=";
  if (const auto& r = s.requested) {
    out += fmt::format("{} {} {} {}", r->version, r->package, r->sha256, unix_seconds(r->written));
  }
  out += "\nreport=";
  if (const auto& r = s.report) {
    out += fmt::format("{} {} {} {}", r->version, to_string(r->outcome), r->attempts, r->detail);
  }
  out += "\n";
  return out;
}

core::Result<UpdateState> decode_update_state(std::string_view text) {
  if (text.size() > kMaxStateBytes) return bad("larger than 8 KiB");
  Lines lines(text);
  UpdateState s;
  auto format = lines.need("format");
  if (!format) return format.error();
  if (*format != "1") return bad(fmt::format("unsupported format '{}'", *format));

  auto paused = lines.need("paused");
  if (!paused) return paused.error();
  if (*paused != "yes" && *paused != "no") return bad("paused: yes or no");
  s.paused = *paused == "yes";

  auto pinned = lines.need("pinned");
  if (!pinned) return pinned.error();
  if (!pinned->empty()) {
    if (!valid_version(*pinned)) return bad("pinned: not a version");
    s.pinned = std::string(*pinned);
  }

  for (;;) {
    auto failed = lines.take("failed");
    if (!failed) return failed.error();
    if (!*failed) break;
    if (!valid_version(**failed)) return bad("failed: not a version");
    if (s.failed_versions.size() == kMaxFailedVersions) return bad("more than 32 failed versions");
    if (std::ranges::find(s.failed_versions, **failed) != s.failed_versions.end()) {
      return bad("failed: a version twice");
    }
    s.failed_versions.emplace_back(**failed);
  }

  auto staged = lines.need("staged");
  if (!staged) return staged.error();
  if (!staged->empty()) {
    auto c = parse_staged(*staged);
    if (!c) return c.error();
    s.staged = std::move(*c);
  }
  auto requested = lines.need("requested");
  if (!requested) return requested.error();
  if (!requested->empty()) {
    auto r = parse_requested(*requested);
    if (!r) return r.error();
    s.requested = std::move(*r);
  }
  auto report = lines.need("report");
  if (!report) return report.error();
  if (!report->empty()) {
    auto r = parse_report(*report);
    if (!r) return r.error();
    s.report = std::move(*r);
  }
  if (!lines.done()) return bad("data after the last line");
  return s;
}

core::Result<void> save_update_state(const std::filesystem::path& update_dir,
                                     const UpdateState& s) {
  return core::write_file_atomically(update_dir / kAgentStateFile, encode(s), 0600);
}

core::Result<std::optional<UpdateState>> load_update_state(
    const std::filesystem::path& update_dir) {
  const std::filesystem::path path = update_dir / kAgentStateFile;
  auto bytes = core::read_small_file(path, kMaxStateBytes);
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<UpdateState>{};
  auto s = decode_update_state(**bytes);
  if (!s) return core::prefixed(s.error(), path.string());
  return std::optional<UpdateState>{std::move(*s)};
}

}  // namespace pqbranch::update
