#pragma once
// INFORMATIONAL exchanges of an established IKE SA (RFC 7296 §1.4, §1.5):
// - ours: Delete of the IKE SA (which takes its CHILD SAs with it, §1.4.1), of a CHILD SA
//   replaced by a rekey (create_child_sa_task.hpp), and the empty
//   liveness check of dead peer detection (§1.4: an INFORMATIONAL with no payloads);
// - the responder's requests to us: Delete of the IKE SA or of CHILD SAs (we answer with
//   the Delete of our inbound halves), liveness checks (empty), and CREATE_CHILD_SA, which
//   this version refuses (N(NO_PROPOSAL_CHOSEN); continuity makes a new IKE SA instead).
// Requests from the responder carry its own message IDs (§2.2); a retransmitted request
// (the previous ID) is answered by the session with the response it sent before.

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"

namespace pqbranch::ikev2 {

core::Result<std::vector<std::uint8_t>> build_delete_ike_sa(IkeSa& sa);
core::Result<std::vector<std::uint8_t>> build_liveness_check(IkeSa& sa);
// Delete of a CHILD SA, named by the SPI we receive on (RFC 7296 §3.11); the responder
// answers with the Delete of its half.
core::Result<std::vector<std::uint8_t>> build_delete_child_sa(IkeSa& sa, std::uint32_t inbound_spi);
// The response to our INFORMATIONAL request (any content is accepted).
core::Result<void> process_informational_response(IkeSa& sa, const ReceivedMessage& response);

struct PeerRequest {
  std::uint32_t message_id = 0;
  std::vector<std::uint8_t> response;  // to send back (and to resend on a retransmission)
  bool ike_sa_deleted = false;
  bool child_sa_deleted = false;  // the responder deleted our CHILD SA
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
// the ID. Other IDs, SPIs or a failing ICV: a drop error.
core::Result<PeerRequest> process_peer_request(IkeSa& sa, const ReceivedMessage& request);

}  // namespace pqbranch::ikev2
