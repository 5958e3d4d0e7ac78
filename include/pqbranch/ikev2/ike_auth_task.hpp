#pragma once
// IKE_AUTH with the first CHILD SA, initiator side (RFC 7296 §1.2, §2.15, §2.17):
//   request:  HDR, SK{IDi, [CERT, CERTREQ], [N(INITIAL_CONTACT)], AUTH, SA(ESP), TSi, TSr}
//   response: HDR, SK{IDr, [CERT], AUTH, SA(ESP), TSi, TSr}
// AUTH covers RealMessage, the peer's nonce and MACedID, plus IntAuth_iN | IntAuth_rN |
// IKE_AUTH_MID when IKE_INTERMEDIATE took place (RFC 9242 §3.3.2). PSK: method 2; ECDSA
// P-256 certificates: RFC 7427 digital signature (method 14) with ecdsa-with-SHA256.
// The CHILD SA is ESP in tunnel mode, ENCR_AES_GCM_16 with a 256-bit key, ESN.

#include <optional>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/child_sa_payloads.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"
#include "pqbranch/ikev2/sa_payload.hpp"
#include "pqbranch/ikev2/ts_payload.hpp"

namespace pqbranch::ikev2 {

core::Result<std::vector<std::uint8_t>> build_ike_auth(IkeSa& sa, const InitiatorSettings& settings,
                                                       std::uint32_t inbound_spi,
                                                       bool initial_contact);

// Verifies the responder (IDr, certificate, AUTH), then the CHILD SA (one ESP proposal as
// offered, selectors within ours) and fills sa.child with its keys.
core::Result<void> process_ike_auth(IkeSa& sa, const InitiatorSettings& settings,
                                    const ReceivedMessage& response);

}  // namespace pqbranch::ikev2
