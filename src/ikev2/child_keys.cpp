#include "pqbranch/ikev2/child_keys.hpp"

#include "pqbranch/ikev2/prf.hpp"

#include "secure_concat.hpp"

namespace pqbranch::ikev2 {

core::Result<ChildKeys> derive_child_keys(IkePrf prf_id, std::span<const std::uint8_t> sk_d,
                                          std::span<const std::uint8_t> ni,
                                          std::span<const std::uint8_t> nr,
                                          std::span<const std::uint8_t> shared_secret,
                                          std::span<const std::uint8_t> additional,
                                          std::size_t encr_key_size) {
  const auto seed = detail::secure_concat({shared_secret, ni, nr, additional});
  auto keymat = prf_plus(prf_id, sk_d, seed.span(), 2 * encr_key_size);
  if (!keymat) return keymat.error();
  ChildKeys keys;
  keys.initiator_to_responder = core::SecureBytes(keymat->subspan(0, encr_key_size));
  keys.responder_to_initiator = core::SecureBytes(keymat->subspan(encr_key_size, encr_key_size));
  return keys;
}

}  // namespace pqbranch::ikev2
