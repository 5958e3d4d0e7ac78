#include "pqbranch/ikev2/ike_keys.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/prf.hpp"

#include "byte_io.hpp"
#include "secure_concat.hpp"

namespace pqbranch::ikev2 {

core::Result<core::SecureBytes> initial_skeyseed(IkePrf prf_id, std::span<const std::uint8_t> ni,
                                                 std::span<const std::uint8_t> nr,
                                                 std::span<const std::uint8_t> shared_secret) {
  if (shared_secret.empty()) return detail::fail(errc::invalid_argument, "empty shared secret");
  const auto key = detail::secure_concat({ni, nr});
  return prf(prf_id, key.span(), shared_secret);
}

core::Result<core::SecureBytes> additional_skeyseed(IkePrf prf_id,
                                                    std::span<const std::uint8_t> previous_sk_d,
                                                    std::span<const std::uint8_t> shared_secret,
                                                    std::span<const std::uint8_t> ni,
                                                    std::span<const std::uint8_t> nr) {
  if (shared_secret.empty()) return detail::fail(errc::invalid_argument, "empty shared secret");
  if (previous_sk_d.size() != prf_size(prf_id)) {
    return detail::fail(errc::bad_key,
                        "SK_d of " + std::to_string(previous_sk_d.size()) + " bytes");
  }
  const auto data = detail::secure_concat({shared_secret, ni, nr});
  return prf(prf_id, previous_sk_d, data.span());
}

core::Result<IkeKeys> derive_ike_keys(IkePrf prf_id, IkeKeySizes sizes,
                                      std::span<const std::uint8_t> skeyseed,
                                      std::span<const std::uint8_t> ni,
                                      std::span<const std::uint8_t> nr, const Spi& spi_i,
                                      const Spi& spi_r) {
  const auto p = prf_size(prf_id);
  // RFC 7296 §2.14: SK_d, SK_pi and SK_pr are the PRF's preferred key size.
  const auto total = p + 2 * sizes.integ + 2 * sizes.encr + 2 * p;
  const auto seed = detail::secure_concat({ni, nr, spi_i, spi_r});
  auto stream = prf_plus(prf_id, skeyseed, seed.span(), total);
  if (!stream) return stream.error();
  IkeKeys keys;
  keys.prf = prf_id;
  std::size_t at = 0;
  auto take = [&](std::size_t n) {
    core::SecureBytes k(stream->subspan(at, n));
    at += n;
    return k;
  };
  keys.sk_d = take(p);
  keys.sk_ai = take(sizes.integ);
  keys.sk_ar = take(sizes.integ);
  keys.sk_ei = take(sizes.encr);
  keys.sk_er = take(sizes.encr);
  keys.sk_pi = take(p);
  keys.sk_pr = take(p);
  return keys;
}

core::Result<IkeKeys> initial_ike_keys(IkePrf prf_id, IkeKeySizes sizes,
                                       std::span<const std::uint8_t> ni,
                                       std::span<const std::uint8_t> nr,
                                       std::span<const std::uint8_t> shared_secret,
                                       const Spi& spi_i, const Spi& spi_r) {
  auto skeyseed = initial_skeyseed(prf_id, ni, nr, shared_secret);
  if (!skeyseed) return skeyseed.error();
  return derive_ike_keys(prf_id, sizes, skeyseed->span(), ni, nr, spi_i, spi_r);
}

core::Result<IkeKeys> updated_ike_keys(const IkeKeys& previous, IkeKeySizes sizes,
                                       std::span<const std::uint8_t> shared_secret,
                                       std::span<const std::uint8_t> ni,
                                       std::span<const std::uint8_t> nr, const Spi& spi_i,
                                       const Spi& spi_r) {
  auto skeyseed = additional_skeyseed(previous.prf, previous.sk_d.span(), shared_secret, ni, nr);
  if (!skeyseed) return skeyseed.error();
  return derive_ike_keys(previous.prf, sizes, skeyseed->span(), ni, nr, spi_i, spi_r);
}

}  // namespace pqbranch::ikev2
