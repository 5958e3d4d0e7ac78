#include "pqbranch/update/manifest.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "pqbranch/core/base64.hpp"
#include "pqbranch/core/log_text.hpp"
#include "pqbranch/update/errc.hpp"

namespace pqbranch::update {
namespace {

enum class Field : std::uint8_t {
  channel,
  version,
  package,
  size,
  sha256,
  minimum_version,
  not_before,
  expires,
  rollback
};
// The fields in the one order they must appear in.
constexpr std::array<std::string_view, 9> kFieldNames = {"channel",    "version", "package",
                                                         "size",       "sha256",  "minimum_version",
                                                         "not_before", "expires", "rollback"};
constexpr std::string_view kSigMlDsa = "sig-ml-dsa-65";
constexpr std::string_view kSigEd25519 = "sig-ed25519";
constexpr std::string_view kSigPrefix = "sig-";

core::Error malformed(std::size_t line, std::string_view why) {
  return core::make_error(errc::malformed_manifest, fmt::format("line {}: {}", line, why));
}

// A value as an error quotes it.
std::string shown(std::string_view s) {
  return core::log_safe(s, 40);
}

std::optional<std::uint64_t> parse_size(std::string_view s) noexcept {
  if (s.empty() || s.size() > 9 || s[0] == '0') return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > kMaxPackageBytes) return std::nullopt;
  return v;
}

std::optional<std::array<std::uint8_t, 32>> parse_sha256(std::string_view s) noexcept {
  std::array<std::uint8_t, 32> out{};
  if (s.size() != out.size() * 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case too: one spelling
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(s[2 * i]);
    const int lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

// Sets `field` of `m` from `value`; false when the value is not that field's spelling.
bool set_field(Manifest& m, Field field, std::string_view value) {
  switch (field) {
    case Field::channel:
      if (!is_channel_name(value)) return false;
      m.channel = value;
      return true;
    case Field::version: {
      auto v = parse_version(value);
      if (v) m.version = *v;
      return v.has_value();
    }
    case Field::package:
      if (!is_package_file_name(value)) return false;
      m.package = value;
      return true;
    case Field::size: {
      auto v = parse_size(value);
      if (v) m.size = *v;
      return v.has_value();
    }
    case Field::sha256: {
      auto v = parse_sha256(value);
      if (v) m.sha256 = *v;
      return v.has_value();
    }
    case Field::minimum_version: {
      auto v = parse_version(value);
      if (v) m.minimum_version = *v;
      return v.has_value();
    }
    case Field::not_before: {
      auto v = parse_utc_time(value);
      if (v) m.not_before = *v;
      return v.has_value();
    }
    case Field::expires: {
      auto v = parse_utc_time(value);
      if (v) m.expires = *v;
      return v.has_value();
    }
    case Field::rollback:
      if (value != "yes" && value != "no") return false;
      m.rollback = value == "yes";
      return true;
  }
  return false;
}

std::optional<std::size_t> field_index(std::string_view key) noexcept {
  const auto it = std::ranges::find(kFieldNames, key);
  if (it == kFieldNames.end()) return std::nullopt;
  return static_cast<std::size_t>(it - kFieldNames.begin());
}

// Splits "key=value"; nullopt without '='.
std::optional<std::pair<std::string_view, std::string_view>> key_value(std::string_view line) {
  const std::size_t eq = line.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  return std::pair{line.substr(0, eq), line.substr(eq + 1)};
}

// Why `key` on line `n` is not the expected field `want` (or a signature line, when `want`
// is empty).
core::Error unexpected_key(std::size_t n, std::string_view key, std::string_view want) {
  const auto known = field_index(key);
  const auto expected = field_index(want);
  if (known && expected && *known < *expected) {
    return malformed(n, fmt::format("field '{}' repeated", key));
  }
  if (known && !want.empty()) {
    return malformed(n, fmt::format("field '{}' out of order: expected '{}'", key, want));
  }
  if (known) return malformed(n, fmt::format("field '{}' after the signatures", key));
  if (key.starts_with(kSigPrefix) && !want.empty()) {
    return malformed(n, fmt::format("field '{}' missing before the signatures", want));
  }
  return malformed(n, fmt::format("unknown field '{}'", shown(key)));
}

// Splits `file` into lines; every line, the last too, must end in LF and none may hold CR.
core::Result<std::vector<std::string_view>> split_lines(std::string_view file) {
  std::vector<std::string_view> lines;
  while (!file.empty()) {
    const std::size_t lf = file.find('\n');
    if (lf == std::string_view::npos) {
      return malformed(lines.size() + 1, "does not end in LF");
    }
    const std::string_view line = file.substr(0, lf);
    if (line.find('\r') != std::string_view::npos) {
      return malformed(lines.size() + 1, "CR in line (line endings are LF only)");
    }
    lines.push_back(line);
    file.remove_prefix(lf + 1);
  }
  return lines;
}

core::Result<Manifest> parse_fields(std::span<const std::string_view> lines) {
  Manifest m;
  for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
    const std::size_t n = i + 2;  // line numbers count from 1, after the header
    const std::string_view want = kFieldNames[i];
    if (n > lines.size()) {
      return malformed(n, fmt::format("file ends where field '{}' should be", want));
    }
    auto kv = key_value(lines[n - 1]);
    if (!kv) return malformed(n, fmt::format("no '=' in '{}'", shown(lines[n - 1])));
    if (kv->first != want) return unexpected_key(n, kv->first, want);
    if (!set_field(m, static_cast<Field>(i), kv->second)) {
      return malformed(n, fmt::format("bad {} '{}'", want, shown(kv->second)));
    }
  }
  if (m.expires <= m.not_before) {
    return malformed(static_cast<std::size_t>(Field::expires) + 2,
                     "expires is not after not_before");
  }
  return m;
}

}  // namespace

std::string sha256_hex(const std::array<std::uint8_t, 32>& digest) {
  std::string out;
  for (const auto b : digest)
    out += fmt::format("{:02x}", b);
  return out;
}

core::Result<SignedManifest> parse_signed_manifest(std::string_view file) {
  if (file.size() > kMaxManifestBytes) {
    return core::make_error(errc::manifest_too_large,
                            fmt::format("{} bytes (at most {})", file.size(), kMaxManifestBytes));
  }
  auto lines = split_lines(file);
  if (!lines) return lines.error();
  if (lines->empty()) return malformed(1, "empty file");
  const std::string_view header = lines->front();
  if (header != kManifestHeader) {
    return malformed(1, header.starts_with("pqbranch-release ")
                            ? fmt::format("unsupported format '{}'", shown(header))
                            : std::string("not a pqbranch release manifest"));
  }
  auto manifest = parse_fields(*lines);
  if (!manifest) return manifest.error();

  SignedManifest out;
  const std::size_t body_lines = 1 + kFieldNames.size();
  std::size_t message_bytes = 0;
  for (std::size_t i = 0; i < body_lines; ++i)
    message_bytes += (*lines)[i].size() + 1;
  out.message = file.substr(0, message_bytes);
  out.unverified = std::move(*manifest);

  // Then at most one line per signature, ML-DSA-65 first, either possibly missing (which
  // verification refuses as errc::signature_missing, not as a malformed file).
  bool seen_ed25519 = false;
  for (std::size_t i = body_lines; i < lines->size(); ++i) {
    const std::size_t n = i + 1;
    auto kv = key_value((*lines)[i]);
    if (!kv) return malformed(n, fmt::format("no '=' in '{}'", shown((*lines)[i])));
    const auto [key, value] = *kv;
    std::vector<std::uint8_t>* slot = nullptr;
    if (key == kSigMlDsa) {
      if (!out.ml_dsa_65.empty()) return malformed(n, fmt::format("field '{}' repeated", key));
      if (seen_ed25519) {
        return malformed(
            n, fmt::format("field '{}' out of order: it comes before '{}'", key, kSigEd25519));
      }
      slot = &out.ml_dsa_65;
    } else if (key == kSigEd25519) {
      if (seen_ed25519) return malformed(n, fmt::format("field '{}' repeated", key));
      seen_ed25519 = true;
      slot = &out.ed25519;
    } else {
      return unexpected_key(n, key, {});
    }
    auto bytes = core::base64_decode(value);
    if (!bytes || bytes->empty()) {
      return malformed(n, fmt::format("bad {}: not base64 of a signature", key));
    }
    *slot = std::move(*bytes);
  }
  return out;
}

core::Result<std::string> manifest_message(const Manifest& m) {
  std::string out = fmt::format(
      "{}\nchannel={}\nversion={}\npackage={}\nsize={}\nsha256={}\nminimum_version={}\n"
      "not_before={}\nexpires={}\nrollback={}\n",
      kManifestHeader, m.channel, to_string(m.version), m.package, m.size, sha256_hex(m.sha256),
      to_string(m.minimum_version), format_utc_time(m.not_before), format_utc_time(m.expires),
      m.rollback ? "yes" : "no");
  // Whatever is signed must read back as the same manifest.
  auto back = parse_signed_manifest(out);
  if (!back) return back.error();
  if (back->unverified != m) {
    return core::make_error(errc::malformed_manifest, "manifest does not read back the same");
  }
  return out;
}

std::string manifest_file(std::string_view message, std::span<const std::uint8_t> ml_dsa_65,
                          std::span<const std::uint8_t> ed25519) {
  return fmt::format("{}{}={}\n{}={}\n", message, kSigMlDsa, core::base64_encode(ml_dsa_65),
                     kSigEd25519, core::base64_encode(ed25519));
}

}  // namespace pqbranch::update
