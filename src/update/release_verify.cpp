#include "pqbranch/update/release_verify.hpp"

#include <fmt/format.h>

#include "pqbranch/update/errc.hpp"
#include "pqbranch/update/release_signature.hpp"

namespace pqbranch::update {

core::Result<Manifest> verify_release(const SignedManifest& signed_manifest,
                                      const ReleaseKeys& keys, const Version& running,
                                      std::string_view channel,
                                      std::chrono::system_clock::time_point now) {
  auto verified = verify_signatures(signed_manifest, keys);
  if (!verified) return verified.error();
  const Manifest& m = *verified;
  if (m.channel != channel) {
    return core::make_error(
        errc::wrong_channel,
        fmt::format("manifest for '{}', agent follows '{}'", m.channel, channel));
  }
  if (now < m.not_before) {
    return core::make_error(errc::not_yet_valid,
                            fmt::format("valid from {}", format_utc_time(m.not_before)));
  }
  if (now >= m.expires) {
    return core::make_error(errc::expired,
                            fmt::format("expired at {}", format_utc_time(m.expires)));
  }
  if (!m.rollback && m.version <= running) {
    return core::make_error(errc::downgrade, fmt::format("version {} is not above the running {}",
                                                         to_string(m.version), to_string(running)));
  }
  if (m.rollback && m.version >= running) {
    return core::make_error(errc::downgrade,
                            fmt::format("rollback to {} is not below the running {}",
                                        to_string(m.version), to_string(running)));
  }
  if (running < m.minimum_version) {
    return core::make_error(errc::too_old_to_update,
                            fmt::format("running {} is below the minimum {}", to_string(running),
                                        to_string(m.minimum_version)));
  }
  return verified;
}

}  // namespace pqbranch::update
