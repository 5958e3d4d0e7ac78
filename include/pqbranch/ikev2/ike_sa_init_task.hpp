#pragma once
// IKE_SA_INIT, initiator side (RFC 7296 §1.2; RFC 9370 §2.2.1; RFC 9242 §3.1):
//   request:  HDR, SA(our proposals), KE(method), Ni, N(NAT_DETECTION_SOURCE_IP),
//             N(NAT_DETECTION_DESTINATION_IP), [N(INTERMEDIATE_EXCHANGE_SUPPORTED)],
//             [N(SIGNATURE_HASH_ALGORITHMS)]
//   response: HDR, SA(one proposal), KE, Nr, N(NAT_DETECTION_*), ...
// or an error notify: INVALID_KE_PAYLOAD names the method the responder wants (RFC 7296
// §1.2), which we retry with if we offered it; anything else ends the attempt.
// The chosen proposal must be one we offered, and post-quantum unless allow_classical.

#include <span>
#include <variant>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"
#include "pqbranch/ikev2/sa_payload.hpp"

namespace pqbranch::ikev2 {

// The SA payload of our IKE proposals: ENCR_AES_GCM_16 (256), PRF, KE[, ADDKE1], numbered
// from 1 in order.
[[nodiscard]] SaPayload ike_sa_payload(const std::vector<config::IkeProposal>& proposals);
// A received IKE proposal as one of ours would read, or nullopt if it has transforms we
// never offer (ADDKE1 = NONE counts as absent).
[[nodiscard]] std::optional<config::IkeProposal> read_ike_proposal(const Proposal& p);

// Builds the request (fresh SPIi on the first try, fresh Ni and KE of `method` each time)
// and keeps it as RealMessage1.
core::Result<std::vector<std::uint8_t>> build_ike_sa_init(IkeSa& sa,
                                                          const InitiatorSettings& settings,
                                                          const Endpoints& endpoints,
                                                          KeMethod method);

struct InitDone {};  // keys derived; IKE_INTERMEDIATE or IKE_AUTH next
struct InitRetry {   // INVALID_KE_PAYLOAD: build again with this method
  KeMethod method;
};
using InitOutcome = std::variant<InitDone, InitRetry>;

core::Result<InitOutcome> process_ike_sa_init(IkeSa& sa, const InitiatorSettings& settings,
                                              const Endpoints& endpoints,
                                              std::span<const std::uint8_t> datagram);

}  // namespace pqbranch::ikev2
