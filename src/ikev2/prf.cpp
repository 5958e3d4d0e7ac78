#include "pqbranch/ikev2/prf.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"
#include "secure_concat.hpp"

namespace pqbranch::ikev2 {
namespace {

crypto::Hash hash_of(IkePrf id) noexcept {
  switch (id) {
    case IkePrf::hmac_sha384:
      return crypto::Hash::sha384;
    case IkePrf::hmac_sha512:
      return crypto::Hash::sha512;
    case IkePrf::hmac_sha256:
      break;
  }
  return crypto::Hash::sha256;
}

}  // namespace

std::size_t prf_size(IkePrf prf) noexcept {
  return crypto::digest_size(hash_of(prf));
}

core::Result<IkePrf> check_prf(std::uint16_t transform_id) {
  switch (static_cast<IkePrf>(transform_id)) {
    case IkePrf::hmac_sha256:
    case IkePrf::hmac_sha384:
    case IkePrf::hmac_sha512:
      return static_cast<IkePrf>(transform_id);
  }
  return detail::fail(errc::unsupported_algorithm, "PRF transform " + std::to_string(transform_id));
}

core::Result<core::SecureBytes> prf(IkePrf id, std::span<const std::uint8_t> key,
                                    std::span<const std::uint8_t> data) {
  if (auto ok = check_prf(static_cast<std::uint16_t>(id)); !ok) return ok.error();
  auto out = crypto::hmac(hash_of(id), key, data);
  if (!out) return detail::fail(errc::crypto_failure, out.error().message());
  return out;
}

core::Result<core::SecureBytes> prf_plus(IkePrf id, std::span<const std::uint8_t> key,
                                         std::span<const std::uint8_t> seed, std::size_t length) {
  const auto block = prf_size(id);
  if (length == 0 || length > 255 * block) {
    return detail::fail(errc::invalid_argument, "prf+ of " + std::to_string(length) + " bytes");
  }
  core::SecureBytes out(length);
  core::SecureBytes previous;
  std::size_t filled = 0;
  for (unsigned n = 1; filled < length; ++n) {
    // T_n = prf(K, T_{n-1} | S | n), T_0 empty (RFC 7296 §2.13).
    const std::uint8_t counter = static_cast<std::uint8_t>(n);
    auto input = detail::secure_concat({previous.span(), seed, std::span(&counter, 1)});
    auto t = prf(id, key, input.span());
    if (!t) return t.error();
    const auto take = std::min(block, length - filled);
    std::copy_n(t->data(), take, out.data() + filled);
    filled += take;
    previous = std::move(*t);
  }
  return out;
}

}  // namespace pqbranch::ikev2
