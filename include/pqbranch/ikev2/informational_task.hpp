#pragma once
// INFORMATIONAL exchanges of an established IKE SA (RFC 7296 §1.4, §1.5):
// - ours: Delete of the IKE SA (which takes its CHILD SAs with it, §1.4.1), of a CHILD SA
//   replaced by a rekey (create_child_sa_task.hpp), and the empty
//   liveness check of dead peer detection (§1.4: an INFORMATIONAL with no payloads);
// - the responder's requests to us: Delete of the IKE SA or of CHILD SAs (we answer with
//   the Delete of our inbound halves), liveness checks (empty), and CREATE_CHILD_SA: a rekey
//   of our CHILD SA with its IKE_FOLLOWUP_KEs is answered (peer_child_rekey_task.hpp), a new
//   CHILD SA refused with NO_ADDITIONAL_SAS and a rekey of the IKE SA with NO_PROPOSAL_CHOSEN
//   (continuity makes a new IKE SA instead).
// Requests from the responder carry its own message IDs (§2.2); a retransmitted request
// (the previous ID) is answered by the session with the response it sent before.

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/randomness.hpp"

namespace pqbranch::ikev2 {

core::Result<std::vector<std::uint8_t>> build_delete_ike_sa(IkeSa& sa);
core::Result<std::vector<std::uint8_t>> build_liveness_check(IkeSa& sa);
// Delete of a CHILD SA, named by the SPI we receive on (RFC 7296 §3.11); the responder
// answers with the Delete of its half.
core::Result<std::vector<std::uint8_t>> build_delete_child_sa(IkeSa& sa, std::uint32_t inbound_spi);
// The response to our INFORMATIONAL request (any content is accepted).
core::Result<void> process_informational_response(IkeSa& sa, const ReceivedMessage& response);

// What the initiator lets the responder's requests do at the moment.
struct PeerRequestPolicy {
  // A CHILD SA rekey must offer this; nullopt: refused with NO_PROPOSAL_CHOSEN.
  std::optional<config::EspProposal> esp;
  // A rekey or Delete of the CHILD SA of ours is under way that the nonces cannot resolve
  // (RFC 7296 §2.8.1): a rekey of the responder gets TEMPORARY_FAILURE (it retries later).
  bool busy = false;
  // Our CHILD SAs besides sa.child that a Delete may name (one replaced or being replaced):
  // outbound SPI, inbound SPI.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> more_children;
  // A rekey of the IKE SA is answered (peer_ike_rekey_task.hpp); false: NO_PROPOSAL_CHOSEN.
  bool ike_rekeys = false;
  // Anything is under way on the IKE SA (a request of ours, CHILD SA work, an old IKE SA not
  // yet deleted) besides our own CREATE_CHILD_SA rekeying it, which a rekey of the IKE SA
  // crosses (RFC 7296 §2.8.2): a rekey of the IKE SA gets TEMPORARY_FAILURE.
  bool ike_busy = false;
};

struct PeerRequest {
  std::uint32_t message_id = 0;
  ExchangeType exchange = ExchangeType::informational;
  // To send back (and to resend on a retransmission); empty while awaiting_spi.
  std::vector<std::uint8_t> response;
  bool ike_sa_deleted = false;
  bool child_sa_deleted = false;       // the responder deleted sa.child
  std::vector<std::uint32_t> deleted;  // outbound SPIs of every CHILD SA of ours it deleted
  // A CHILD SA rekey of the responder, accepted: the answer (answer_peer_rekey) waits for our
  // inbound SPI.
  bool awaiting_spi = false;
  // Its last key exchange is answered: the new CHILD SA (take_peer_rekeyed_child) has to be
  // installed inbound before `response` is sent, for the responder sends on it at once.
  bool child_rekeyed = false;
  // The last key exchange of the responder's IKE SA rekey is answered: the new IKE SA
  // (take_peer_rekeyed_ike_sa) takes over once `response` is sent.
  bool ike_rekeyed = false;
  // A CREATE_CHILD_SA we answered with this error notify instead.
  std::optional<NotifyType> refused;
};

// Whether `datagram` is a request from the responder of this IKE SA (header only).
[[nodiscard]] bool is_peer_request(const IkeSa& sa, const Header& h);
// Whether `datagram` is a retransmission of the request `last` answers: a request of this
// IKE SA with last's message ID whose ICV verifies under SK_er. Only then may the session
// send last's response again (RFC 7296 §2.1); a forged datagram that merely reuses the ID
// must trigger nothing.
[[nodiscard]] bool is_retransmitted_request(const IkeSa& sa, const PeerRequest& last,
                                            const ReceivedMessage& request);
// Opens the responder's request with ID sa.peer_request_id, builds the answer and advances
// the ID (an accepted CHILD SA rekey: when it is answered). Other IDs (the one awaiting its
// SPI too), SPIs or a failing ICV: a drop error.
core::Result<PeerRequest> process_peer_request(IkeSa& sa, const ReceivedMessage& request,
                                               const PeerRequestPolicy& policy = {},
                                               Randomness& random = csprng());
// The answer to the CHILD SA rekey that awaits its SPI, with our inbound SPI.
core::Result<PeerRequest> answer_peer_rekey(IkeSa& sa, std::uint32_t inbound_spi,
                                            Randomness& random = csprng());
// Instead of the answer to `message_id` (awaiting its SPI, or answered but not yet sent
// because the new inbound SA could not go in): a refusal with `why`; ends sa.peer_rekey.
core::Result<PeerRequest> refuse_peer_rekey(IkeSa& sa, std::uint32_t message_id,
                                            ExchangeType exchange, NotifyType why);

}  // namespace pqbranch::ikev2
