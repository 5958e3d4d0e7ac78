// Rekeys of the CHILD SA by both sides at once, resolved by InitiatorMachine with the nonce
// rule of RFC 7296 §2.8.1, as strongSwan resolves them:
// - the responder's CREATE_CHILD_SA rekeying the CHILD SA while ours of it is out (its
//   response not yet here) is answered as usual, and the lower of that exchange's two
//   nonces is kept;
// - our response decides: the exchange whose nonces include the lowest of the four made the
//   redundant pair, and its initiator deletes it.
//   - Ours: nothing of it goes in here. With every key exchange done the responder holds
//     its half (inbound only), so we delete it with an INFORMATIONAL exchange; with
//     IKE_FOLLOWUP_KEs still to come we send none (the responder drops the exchange). The
//     responder's rekey goes on as usual: its new outbound SA goes in here when it deletes
//     the replaced CHILD SA.
//   - Theirs: ours goes on (the new pair in, the replaced CHILD SA deleted by us). Its new
//     CHILD SA, inbound only here, waits for the responder's Delete (or is deleted by us
//     kPeerDeleteWait after our answer); with IKE_FOLLOWUP_KEs still to come its exchange
//     ends here (the responder sends none; one that comes gets STATE_NOT_FOUND).
// Once our IKE_FOLLOWUP_KEs have started, its rekey gets TEMPORARY_FAILURE (strongSwan
// answers the same then).
#include <fmt/format.h>

#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/ikev2/initiator_machine.hpp"
#include "pqbranch/ikev2/rekey_collision.hpp"

#include "initiator_attempt.hpp"

namespace pqbranch::ikev2 {

// Our CREATE_CHILD_SA rekeying the CHILD SA is out, its response not yet here, and no
// rekey of the responder's has crossed it yet.
bool InitiatorMachine::crossable(const Attempt& a) {
  return a.sa.child_rekey && !a.sa.child_rekey->new_spi_i &&
         a.request_kind == Request::child_rekey && a.retransmit.active() && !a.crossing_nonce;
}

// The responder's rekey of the CHILD SA (or of the IKE SA) is answered while ours of it is
// out.
void InitiatorMachine::note_crossing(Attempt& a, Out& out) {
  if (!a.sa.child_rekey || !a.sa.peer_rekey) return;
  a.crossing_nonce = lower_nonce(a.sa.peer_rekey->ni, a.sa.peer_rekey->nr);
  const char* what = a.sa.peer_rekey->new_spi_i ? "IKE" : "CHILD";
  note(NoteLevel::info,
       fmt::format("the responder's rekey of the {} SA crosses ours: answered, the lowest nonce "
                   "decides which new {} SA stays",
                   what, what),
       out);
}

// Our CREATE_CHILD_SA response is here (`complete`: no IKE_FOLLOWUP_KE follows): true when
// our exchange has the lowest nonce, which ends our rekey here.
std::optional<bool> Attempt::decide_crossing() {
  if (!crossing_nonce || !sa.child_rekey) return std::nullopt;
  const auto theirs = std::move(*crossing_nonce);
  crossing_nonce.reset();
  return has_lowest_nonce(sa.child_rekey->ni, sa.child_rekey->nr, theirs);
}

bool InitiatorMachine::lost_crossing(Attempt& a, bool complete, Out& out) {
  const auto ours_lowest = a.decide_crossing();
  if (!ours_lowest) return false;
  if (!*ours_lowest) {
    note(NoteLevel::info,
         "rekey collision: the responder's exchange has the lowest nonce; ours stays and the "
         "responder deletes its new CHILD SA",
         out);
    if (a.peer_rekeyed) {
      a.redundant = std::move(a.peer_rekeyed);
      a.peer_rekeyed.reset();
      a.redundant_by = a.peer_outbound_by;
    }
    abandon_peer_rekey(a, out);  // one with IKE_FOLLOWUP_KEs to come: they do not come
    return false;
  }
  const std::uint32_t spi = a.sa.child_rekey->inbound_spi;
  note(NoteLevel::info,
       fmt::format("rekey collision: our exchange has the lowest nonce; the responder's new "
                   "CHILD SA stays and ours (in 0x{:08x}) {}",
                   spi, complete ? "is deleted" : "ends before its IKE_FOLLOWUP_KE"),
       out);
  abandon_child_rekey(a, out);
  if (complete) delete_stray(a, spi, out);
  return true;
}

// The responder has not deleted its redundant CHILD SA kPeerDeleteWait after our answer.
void InitiatorMachine::delete_redundant(Attempt& a, Out& out) {
  const std::uint32_t spi = a.redundant->inbound_spi;
  note(NoteLevel::warn,
       fmt::format("the responder has not deleted its redundant CHILD SA (in 0x{:08x}) in {} s; "
                   "deleting it",
                   spi, kPeerDeleteWait.count()),
       out);
  delete_child_sas(a, *a.redundant, "deleting the responder's redundant CHILD SA", out);
  a.redundant.reset();
  delete_stray(a, spi, out);
}

// Our Delete of a CHILD SA the responder holds and we do not use (a forgotten rekey's, a
// redundant one's): its answer only ends the exchange.
void InitiatorMachine::delete_stray(Attempt& a, std::uint32_t inbound_spi, Out& out) {
  auto request = build_delete_child_sa(a.sa, inbound_spi);
  if (!request) return fail(a, request.error(), out);
  a.request_kind = Request::delete_stray;
  send_request(a, std::move(*request), out);
}

}  // namespace pqbranch::ikev2
