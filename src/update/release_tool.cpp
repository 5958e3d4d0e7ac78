#include "pqbranch/update/release_tool.hpp"

#include <fmt/format.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/package_check.hpp"
#include "pqbranch/update/release_keys.hpp"
#include "pqbranch/update/release_signature.hpp"

namespace pqbranch::update {
namespace {

// Large enough to let the parser report manifest_too_large itself.
constexpr std::size_t kMaxManifestRead = std::size_t{1} << 20;

core::Error bad_option(std::string_view option, std::string_view value, std::string_view want) {
  return core::make_error(errc::malformed_manifest,
                          fmt::format("{} '{}': {}", option, value, want));
}

core::Result<Version> version_option(std::string_view option, std::string_view value) {
  auto v = parse_version(value);
  if (!v) return bad_option(option, value, "not MAJOR.MINOR.PATCH");
  return *v;
}

// The manifest's fields from the request and the package's digest.
core::Result<Manifest> manifest_for(const SignRequest& r, const PackageDigest& digest,
                                    std::chrono::system_clock::time_point now) {
  Manifest m;
  if (!is_channel_name(r.channel)) return bad_option("--channel", r.channel, "not [a-z0-9-]{1,32}");
  m.channel = r.channel;
  auto version = version_option("--version", r.version);
  if (!version) return version.error();
  m.version = *version;
  auto minimum = version_option("--minimum-version", r.minimum_version);
  if (!minimum) return minimum.error();
  m.minimum_version = *minimum;
  if (m.minimum_version > m.version) {
    return bad_option("--minimum-version", r.minimum_version, "above --version");
  }
  m.package = r.package.filename().string();
  if (!is_package_file_name(m.package)) {
    return bad_option("--package", m.package, "not a Debian package file name");
  }
  m.size = digest.size;
  m.sha256 = digest.sha256;
  if (digest.size == 0) return bad_option("--package", m.package, "empty file");
  m.not_before = std::chrono::floor<std::chrono::seconds>(now);
  if (r.not_before) {
    auto t = parse_utc_time(*r.not_before);
    if (!t) return bad_option("--not-before", *r.not_before, "not YYYY-MM-DDTHH:MM:SSZ");
    m.not_before = *t;
  }
  auto valid_for = parse_duration(r.valid_for);
  if (!valid_for) return bad_option("--valid-for", r.valid_for, "not 1s..366d (s, m, h or d)");
  m.expires = m.not_before + *valid_for;
  if (m.expires <= now) {
    return bad_option("--valid-for", r.valid_for, "the manifest would already have expired");
  }
  m.rollback = r.rollback;
  return m;
}

}  // namespace

core::Result<Manifest> sign_release(const SignRequest& request,
                                    std::chrono::system_clock::time_point now) {
  auto keys = load_release_signing_keys(request.keys);
  if (!keys) return keys.error();
  auto digest = digest_package(request.package);
  if (!digest) return digest.error();
  auto m = manifest_for(request, *digest, now);
  if (!m) return m.error();
  auto file = sign_manifest(*m, *keys);
  if (!file) return file.error();

  // What is published must verify as an agent would verify it.
  auto pinned = keys->public_keys();
  if (!pinned) return pinned.error();
  auto parsed = parse_signed_manifest(*file);
  if (!parsed) return parsed.error();
  auto verified = verify_signatures(*parsed, *pinned);
  if (!verified) return verified.error();
  if (*verified != *m) {
    return core::make_error(errc::malformed_manifest, "signed manifest does not read back");
  }
  if (auto w = core::write_file_atomically(request.out, *file, 0644); !w) return w.error();
  return m;
}

core::Result<Manifest> verify_release_file(const VerifyRequest& request,
                                           std::chrono::system_clock::time_point now) {
  auto keys = load_release_keys(request.keys);
  if (!keys) return keys.error();
  auto text = core::read_small_file(request.manifest, kMaxManifestRead);
  if (!text) return core::prefixed(text.error(), request.manifest.string());
  if (!*text) {
    return core::Error{boost::system::error_code(ENOENT, boost::system::system_category()),
                       request.manifest.string()};
  }
  auto parsed = parse_signed_manifest(**text);
  if (!parsed) return core::prefixed(parsed.error(), request.manifest.string());
  auto m = verify_signatures(*parsed, *keys);
  if (!m) return core::prefixed(m.error(), request.manifest.string());
  if (now >= m->expires) {
    return core::make_error(
        errc::expired,
        fmt::format("{}: expired at {}", request.manifest.string(), format_utc_time(m->expires)));
  }
  if (request.package) {
    if (auto r = check_package(*request.package, *m); !r) return r.error();
  }
  return m;
}

std::string describe_manifest(const Manifest& m, std::chrono::system_clock::time_point now) {
  const char* state = now < m.not_before ? "not yet valid" : now < m.expires ? "valid" : "expired";
  return fmt::format(
      "channel:         {}\nversion:         {}{}\npackage:         {} ({} bytes)\n"
      "sha256:          {}\nminimum version: {}\nvalid:           {} to {} ({} now)\n",
      m.channel, to_string(m.version), m.rollback ? " (rollback)" : "", m.package, m.size,
      sha256_hex(m.sha256), to_string(m.minimum_version), format_utc_time(m.not_before),
      format_utc_time(m.expires), state);
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) noexcept {
  if (text.size() < 2 || text.size() > 9 || text[0] == '0') return std::nullopt;
  std::int64_t n = 0;
  for (const char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  const std::chrono::seconds d{n * unit};
  if (d > std::chrono::days{366}) return std::nullopt;
  return d;
}

}  // namespace pqbranch::update
