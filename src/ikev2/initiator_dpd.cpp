// Dead peer detection of InitiatorMachine (RFC 7296 §2.4): an empty INFORMATIONAL request
// when the responder has been silent for dpd_delay. Its retransmissions and give-up are any
// request's (on_retransmit_timers); the give-up ends the IKE SA. And NAT keepalives (RFC 3948
// §2.3, §4), which keep our side's NAT mapping of the NAT-T port open while IKE is quiet.
#include <fmt/format.h>

#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/ikev2/initiator_machine.hpp"

#include "initiator_attempt.hpp"

namespace pqbranch::ikev2 {

std::optional<InitiatorMachine::TimePoint> InitiatorMachine::liveness_deadline() const {
  const Attempt* a = current_.get();
  if (options_.dpd_delay.count() == 0 || a == nullptr || a->phase != Phase::established ||
      a->retransmit.active() || a->step) {
    return std::nullopt;
  }
  return a->heard + options_.dpd_delay;
}

void InitiatorMachine::check_liveness(Out& out) {
  const auto due = liveness_deadline();
  if (!due || now_ < *due) return;
  Attempt& a = *current_;
  auto request = build_liveness_check(a.sa);
  if (!request) return fail(a, request.error(), out);
  note(NoteLevel::debug,
       fmt::format("nothing from the responder for {} ms: checking that it is alive",
                   std::chrono::duration_cast<std::chrono::milliseconds>(now_ - a.heard).count()),
       out);
  a.request_kind = Request::liveness;
  send_request(a, std::move(*request), out);
}

std::optional<InitiatorMachine::TimePoint> InitiatorMachine::keepalive_due() const {
  const Attempt* a = current_.get();
  if (options_.nat_keepalive.count() == 0 || a == nullptr || a->phase != Phase::established ||
      !a->sa.local_behind_nat) {
    return std::nullopt;
  }
  return a->sent + options_.nat_keepalive;
}

void InitiatorMachine::send_keepalive(Out& out) {
  const auto due = keepalive_due();
  if (!due || now_ < *due) return;
  Attempt& a = *current_;
  a.sent = now_;
  out.emplace_back(SendDatagram{
      IkeSocket::natt, options_.remote_address, options_.remote_natt_port, {kNatKeepalive}});
  count("ikev2_nat_keepalives", out);
}

}  // namespace pqbranch::ikev2
