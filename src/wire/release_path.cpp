#include "pqbranch/wire/release_path.hpp"

#include <algorithm>

#include "json_fields.hpp"

namespace pqbranch::wire {
namespace {

core::Result<ReleaseTarget> bad(std::string_view what, std::string_view text) {
  return core::make_error(errc::bad_value, std::string(what) + ": '" + detail::quoted(text) + "'");
}

}  // namespace

bool is_release_target(std::string_view target) noexcept {
  return target.starts_with(kReleasesPrefix);
}

core::Result<ReleaseTarget> parse_release_target(std::string_view target) {
  if (!is_release_target(target)) return bad("not a release target", target);
  const std::string_view rest = target.substr(kReleasesPrefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("want <channel>/<name>", rest);
  const std::string_view channel = rest.substr(0, slash);
  const std::string_view name = rest.substr(slash + 1);
  if (!is_channel_name(channel)) return bad("channel", channel);
  if (name == kManifestName)
    return ReleaseTarget{std::string(channel), ReleaseResource::manifest, {}};
  if (name == kReportName) return ReleaseTarget{std::string(channel), ReleaseResource::report, {}};
  if (!is_package_name(name)) return bad("package file name", name);
  return ReleaseTarget{std::string(channel), ReleaseResource::package, std::string(name)};
}

std::string release_target(const ReleaseTarget& t) {
  std::string out(kReleasesPrefix);
  out += t.channel;
  out += '/';
  switch (t.resource) {
    case ReleaseResource::manifest:
      out += kManifestName;
      break;
    case ReleaseResource::report:
      out += kReportName;
      break;
    case ReleaseResource::package:
      out += t.file;
      break;
  }
  return out;
}

}  // namespace pqbranch::wire
