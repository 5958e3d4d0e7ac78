#pragma once
// Key material, part 5: CHILD SA keys (RFC 7296 §2.17).
//
//   KEYMAT = prf+(SK_d, Ni | Nr)               (IKE_AUTH, and CREATE_CHILD_SA without KE)
//   KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)  (CREATE_CHILD_SA with KE)
//   KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n))
//                                   (with RFC 9370's additional key exchanges: SK(0) from the
//                                    CREATE_CHILD_SA's KE, SK(n) from the n-th IKE_FOLLOWUP_KE)
//
// Taken in order: the initiator-to-responder ESP keys, then responder-to-initiator. For
// ESP AES-GCM-16-256 each is key ‖ salt, 36 bytes (RFC 4106 §8.1), as XFRM's
// rfc4106(gcm(aes)) takes it.

#include <cstddef>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kEspAesGcm256KeySize = 36;

struct ChildKeys {
  core::SecureBytes initiator_to_responder;  // the initiator's outbound ESP SA
  core::SecureBytes responder_to_initiator;  // the initiator's inbound ESP SA
};

// `shared_secret` is empty unless a CREATE_CHILD_SA carried a key exchange; `additional` is
// SK(1) | ... | SK(n), empty without IKE_FOLLOWUP_KE.
core::Result<ChildKeys> derive_child_keys(IkePrf prf, std::span<const std::uint8_t> sk_d,
                                          std::span<const std::uint8_t> ni,
                                          std::span<const std::uint8_t> nr,
                                          std::span<const std::uint8_t> shared_secret = {},
                                          std::span<const std::uint8_t> additional = {},
                                          std::size_t encr_key_size = kEspAesGcm256KeySize);

}  // namespace pqbranch::ikev2
