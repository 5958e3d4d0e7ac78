#pragma once
// IKE_SA_INIT, initiator side (RFC 7296 §1.2; RFC 9370 §2.2.1; RFC 9242 §3.1):
//   request:  HDR, SA(our proposals), KE(method), Ni, N(NAT_DETECTION_SOURCE_IP),
//             N(NAT_DETECTION_DESTINATION_IP), [N(INTERMEDIATE_EXCHANGE_SUPPORTED)],
//             [N(SIGNATURE_HASH_ALGORITHMS)]
//   response: HDR, SA(one proposal), KE, Nr, N(NAT_DETECTION_*), ...
// or N(COOKIE) (RFC 7296 §2.6): the request is sent again with the COOKIE first and the
// same SPIi, Ni and KE, at most kMaxCookieRounds times, the cookie 1 to 64 bytes;
// or INVALID_KE_PAYLOAD naming the method the responder wants (§1.2): retried once per
// method we offer (a method we did not offer, or one already sent, is a refusal);
// or another error notify: a refusal.
// The chosen proposal must be one we offered, and post-quantum unless allow_classical.
// The response is not authenticated, so every refusal here may be forged: the session
// keeps waiting for another response until its request times out (§2.21.1).

#include <cstddef>
#include <span>
#include <variant>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"
#include "pqbranch/ikev2/randomness.hpp"
#include "pqbranch/ikev2/sa_payload.hpp"

namespace pqbranch::ikev2 {

// The SA payload of our IKE proposals: ENCR_AES_GCM_16 (256), PRF, KE[, ADDKE1], numbered
// from 1 in order.
[[nodiscard]] SaPayload ike_sa_payload(const std::vector<config::IkeProposal>& proposals);
// A received IKE proposal as one of ours would read, or nullopt if it has transforms we
// never offer (ADDKE1 = NONE counts as absent).
[[nodiscard]] std::optional<config::IkeProposal> read_ike_proposal(const Proposal& p);

inline constexpr unsigned kMaxCookieRounds = 2;
inline constexpr std::size_t kMaxCookieSize = 64;  // RFC 7296 §2.6: 1 to 64 octets

// Builds the request (fresh SPIi on the first try, fresh Ni and KE of `method` each time,
// all from `random`,
// the responder's COOKIE first once it sent one) and keeps it as RealMessage1.
core::Result<std::vector<std::uint8_t>> build_ike_sa_init(IkeSa& sa,
                                                          const InitiatorSettings& settings,
                                                          const Endpoints& endpoints,
                                                          KeMethod method,
                                                          Randomness& random = csprng());
// After InitCookie: the last request again with the same Ni and KE, N(COOKIE) first.
core::Result<std::vector<std::uint8_t>> build_ike_sa_init_with_cookie(
    IkeSa& sa, const InitiatorSettings& settings, const Endpoints& endpoints);

struct InitDone {};  // keys derived; IKE_INTERMEDIATE or IKE_AUTH next
struct InitRetry {   // INVALID_KE_PAYLOAD: build again with this method
  KeMethod method;
};
struct InitCookie {};  // COOKIE taken (sa.cookie): build_ike_sa_init_with_cookie
using InitOutcome = std::variant<InitDone, InitRetry, InitCookie>;

core::Result<InitOutcome> process_ike_sa_init(IkeSa& sa, const InitiatorSettings& settings,
                                              const Endpoints& endpoints,
                                              std::span<const std::uint8_t> datagram);

}  // namespace pqbranch::ikev2
