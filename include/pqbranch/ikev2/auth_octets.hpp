#pragma once
// Key material, part 4: what the AUTH payload signs or MACs (RFC 7296 §2.15, extended by
// RFC 9242 §3.3.2).
//
//   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI [| IntAuth]
//   ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR [| IntAuth]
//   MACedIDForI = prf(SK_pi, RestOfInitIDPayload)   (MACedIDForR with SK_pr, IDr)
//   IntAuth = IntAuth_iN | IntAuth_rN | IKE_AUTH_MID
//   IKE_AUTH_MID: the Message ID of the first IKE_AUTH request (4 octets, network order),
//   i.e. the last IKE_INTERMEDIATE Message ID + 1.
//
//   Shared key (method 2): AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
//   Signatures (method 14, RFC 7427): the signature over <SignedOctets>.

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/constants.hpp"
#include "pqbranch/ikev2/id_payload.hpp"
#include "pqbranch/ikev2/int_auth.hpp"

namespace pqbranch::ikev2 {

struct AuthOctetsInput {
  std::span<const std::uint8_t> real_message;  // own IKE_SA_INIT message, bytes as sent
  std::span<const std::uint8_t> peer_nonce;    // the other side's Nonce Data
  std::span<const std::uint8_t> sk_p;          // own SK_pi (initiator) or SK_pr (responder)
  const IdPayload* id = nullptr;               // own IDi or IDr
  const IntAuth* int_auth = nullptr;           // nullptr or empty: no IKE_INTERMEDIATE
  std::uint32_t ike_auth_message_id = 0;       // used only with a non-empty int_auth
};

// The signed octets for the side whose id and sk_p are given (the verifier computes the
// peer's with the peer's message, nonce, SK_p and ID). Not secret but not for logs either.
core::Result<std::vector<std::uint8_t>> auth_octets(IkePrf prf, const AuthOctetsInput& in);

// AUTH data for method 2.
core::Result<core::SecureBytes> psk_auth(IkePrf prf, std::span<const std::uint8_t> shared_secret,
                                         std::span<const std::uint8_t> octets);

// Recomputes method-2 AUTH and compares in constant time; errc::integrity_check_failed when
// it differs (the exchange answers AUTHENTICATION_FAILED).
core::Result<void> verify_psk_auth(IkePrf prf, std::span<const std::uint8_t> shared_secret,
                                   std::span<const std::uint8_t> octets,
                                   std::span<const std::uint8_t> received);

}  // namespace pqbranch::ikev2
