// CHILD SA rekeys of InitiatorMachine (RFC 7296 §1.3.3, §2.8; RFC 9370 §2.2.4): when the
// CHILD SA is child_rekey_time old and the IKE SA has no request outstanding, an inbound SPI
// is allocated, CREATE_CHILD_SA (then IKE_FOLLOWUP_KE per additional key exchange) makes
// the new CHILD SA, its pair goes in (the kernel then sends on the new outbound SA), the old
// outbound SA goes after the outbound drain, the old CHILD SA is deleted with an
// INFORMATIONAL exchange and then its inbound SA. A refusal or a failure keeps the working
// CHILD SA and tries again after retry_initial; no answer at all is a dead peer. A rekey of
// the responder's crossing ours is resolved by the nonces (initiator_rekey_collision.cpp).
#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "pqbranch/ikev2/create_child_sa_task.hpp"
#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_rekey_task.hpp"
#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/ikev2/initiator_machine.hpp"

#include "initiator_attempt.hpp"

namespace pqbranch::ikev2 {

// child_rekey_time less a random part of up to a tenth of it, so that peers started
// together do not rekey together (and two ends of one tunnel rarely collide).
InitiatorMachine::TimePoint InitiatorMachine::next_child_rekey() {
  const auto period = options_.child_rekey_time;
  std::array<std::uint8_t, 2> r{};
  std::chrono::milliseconds jitter{0};
  if (random_.fill(r)) jitter = period / 10 * ((r[0] << 8) | r[1]) / 65535;
  return now_ + period - jitter;
}

std::optional<InitiatorMachine::TimePoint> InitiatorMachine::child_deadline(
    const Attempt& a) const {
  if (a.phase != Phase::established) return std::nullopt;
  if (a.old_child && !a.old_outbound_deleted) return a.old_drain_until;
  if (a.peer_rekeyed && !a.step) return a.peer_outbound_by;
  if (a.redundant && !a.old_child && !a.step && !a.retransmit.active()) return a.redundant_by;
  if (a.old_child || a.retransmit.active() || a.step || a.sa.child_rekey || a.sa.peer_rekey ||
      a.peer_rekeyed || a.redundant) {
    return std::nullopt;
  }
  if (options_.child_rekey_time.count() == 0 || !a.installed || next_) return std::nullopt;
  return a.child_rekey_at;
}

// What the CHILD SA needs next, run after every event (like the rotation machines' pump).
void InitiatorMachine::child_work(Attempt& a, Out& out) {
  if (a.phase != Phase::established) return;
  if (a.old_child) {
    if (!a.old_outbound_deleted && now_ >= a.old_drain_until) {
      delete_sa(child_sa(a, *a.old_child, true).id(), "old outbound SA", false, out);
      a.old_outbound_deleted = true;
    }
    if (!a.old_outbound_deleted) return;
    if (a.old_deleted_by_peer) {  // its half is gone: ours goes without a Delete
      delete_sa(child_sa(a, *a.old_child, false).id(), "old inbound SA", true, out);
      a.old_child.reset();
      return;
    }
    if (a.retransmit.active() || a.step) return;
    auto request = build_delete_child_sa(a.sa, a.old_child->inbound_spi);
    if (!request) return fail(a, request.error(), out);
    a.request_kind = Request::delete_child;
    send_request(a, std::move(*request), out);
    return;
  }
  const auto due = child_deadline(a);
  if (!due || now_ < *due) return;
  if (a.peer_rekeyed) {
    note(NoteLevel::warn,
         fmt::format("the responder has not deleted the CHILD SA it replaced in {} s; sending on "
                     "the new one",
                     kPeerDeleteWait.count()),
         out);
    return switch_to_peer_rekeyed(a, false, out);
  }
  if (a.redundant) return delete_redundant(a, out);
  note(NoteLevel::info,
       fmt::format("rekeying the CHILD SA (in 0x{:08x} out 0x{:08x}) with {}",
                   a.sa.child->inbound_spi, a.sa.child->outbound_spi,
                   config::to_string(options_.settings.esp)),
       out);
  allocate_spi(a, StepFor::rekey_spi, out);
}

void InitiatorMachine::on_rekey_spi(Attempt& a, const core::Result<std::uint32_t>& spi, Out& out) {
  if (!spi) return child_rekey_failed(a, spi.error(), out);
  auto request = build_child_rekey(a.sa, options_.settings, *spi, random_);
  if (!request) {
    release_spi(*spi, out);
    return child_rekey_failed(a, request.error(), out);
  }
  a.request_kind = Request::child_rekey;
  send_request(a, std::move(*request), out);
}

void InitiatorMachine::on_child_response(Attempt& a, const ReceivedMessage& m, Out& out) {
  if (a.request_kind == Request::forgotten) return on_forgotten_response(a, m, out);
  if (a.request_kind == Request::delete_child) {
    auto ok = process_informational_response(a.sa, m);
    if (!ok) return drop(ok.error().message(), out);
    a.retransmit.stop();
    a.heard = now_;
    delete_sa(child_sa(a, *a.old_child, false).id(), "old inbound SA", true, out);
    a.old_child.reset();
    return;
  }
  const bool ike = a.sa.child_rekey && a.sa.child_rekey->new_spi_i;
  const auto failed = [&](const core::Error& e) {
    return ike ? ike_rekey_failed(a, e, out) : child_rekey_failed(a, e, out);
  };
  auto step = a.request_kind == Request::child_rekey
                  ? process_child_rekey(a.sa, options_.settings, m)
              : a.request_kind == Request::ike_rekey ? process_ike_rekey(a.sa, m)
                                                     : process_followup_ke(a.sa, m);
  if (!step && is_drop(step.error())) return drop(step.error().message(), out);
  a.retransmit.stop();
  a.heard = now_;
  if (!step) return failed(step.error());
  const bool complete = *step == ChildRekeyStep::complete;
  if (ike ? lost_ike_crossing(a, complete, out) : lost_crossing(a, complete, out)) return;
  if (*step == ChildRekeyStep::follow_up) {
    auto request = build_followup_ke(a.sa, random_);
    if (!request) return failed(request.error());
    a.request_kind = Request::followup_ke;
    return send_request(a, std::move(*request), out);
  }
  if (ike) return ike_rekeyed(a, out);
  auto child = take_rekeyed_child(a.sa);
  if (!child) return child_rekey_failed(a, child.error(), out);
  a.rekeyed = std::move(*child);
  a.step = next_step();
  a.step_for = StepFor::rekey_install;
  out.emplace_back(
      InstallPair{*a.step, child_sa(a, *a.rekeyed, false), child_sa(a, *a.rekeyed, true)});
}

void InitiatorMachine::on_rekey_installed(Attempt& a, const core::Result<void>& result, Out& out) {
  if (!result) {
    // Nothing stays half-installed (InstallPair); the responder's new CHILD SA is deleted
    // when its IKE SA is, or expires.
    a.rekeyed.reset();
    return child_rekey_failed(a, result.error(), out);
  }
  ChildSa next = std::move(*a.rekeyed);
  a.rekeyed.reset();
  a.old_deleted_by_peer = false;
  replace_child(a, std::move(next), false, out);
}

// The kernel sends on `next` now; the CHILD SA it replaces leaves after the outbound drain
// (child_work).
void InitiatorMachine::replace_child(Attempt& a, ChildSa next, bool by_responder, Out& out) {
  a.old_child = std::move(*a.sa.child);
  a.sa.child = std::move(next);
  a.old_drain_until = now_ + options_.outbound_drain;
  a.old_outbound_deleted = false;
  a.child_installed_at = now_;
  a.child_rekey_at = next_child_rekey();
  const ChildSa& c = *a.sa.child;
  stats_.inbound_spi = c.inbound_spi;
  stats_.outbound_spi = c.outbound_spi;
  ++(by_responder ? stats_.peer_child_rekeys : stats_.child_rekeys);
  count(by_responder ? "ikev2_peer_child_rekeys" : "ikev2_child_rekeys", out);
  note(NoteLevel::info,
       fmt::format("CHILD SA rekeyed{}: in 0x{:08x} out 0x{:08x} (replacing in 0x{:08x} out "
                   "0x{:08x})",
                   by_responder ? " by the responder" : "", c.inbound_spi, c.outbound_spi,
                   a.old_child->inbound_spi, a.old_child->outbound_spi),
       out);
}

// A rekey in progress ends: the SPI allocated for it is released at once (its larval SA
// would otherwise stay until it expires).
void InitiatorMachine::abandon_child_rekey(Attempt& a, Out& out) {
  a.crossing_nonce.reset();
  if (!a.sa.child_rekey) return;
  // Its request is still out (the responder deleted the CHILD SA meanwhile): the response is
  // taken without the rekey, and a CHILD SA it made anyway is deleted (on_forgotten_response).
  if (a.retransmit.active() &&
      (a.request_kind == Request::child_rekey || a.request_kind == Request::followup_ke)) {
    a.forgotten_exchange = a.request_kind == Request::child_rekey ? ExchangeType::create_child_sa
                                                                  : ExchangeType::ike_followup_ke;
    a.forgotten_spi = a.sa.child_rekey->inbound_spi;
    a.request_kind = Request::forgotten;
  }
  if (a.sa.child_rekey->inbound_spi != 0) release_spi(a.sa.child_rekey->inbound_spi, out);
  a.sa.child_rekey.reset();
}

// The answer to a rekey whose CHILD SA the responder deleted (or replaced with its own rekey)
// before it came: if the responder made the new CHILD SA (it read our request before its
// Delete was answered), that one is deleted too, for nothing of it is installed here.
void InitiatorMachine::on_forgotten_response(Attempt& a, const ReceivedMessage& m, Out& out) {
  auto opened = open_response(a.sa, m, a.forgotten_exchange, a.sa.next_request_id);
  if (!opened) return drop(opened.error().message(), out);
  ++a.sa.next_request_id;
  a.retransmit.stop();
  a.heard = now_;
  const auto& payloads = opened->message.payloads;
  const bool made = find_error_notify(payloads) == nullptr &&
                    (a.forgotten_exchange == ExchangeType::ike_followup_ke ||
                     find_payload<SaPayload>(payloads) != nullptr);
  if (!made) return;
  note(NoteLevel::info,
       fmt::format("the responder made the CHILD SA of a rekey of a CHILD SA it deleted or "
                   "replaced: deleting it (in 0x{:08x})",
                   a.forgotten_spi),
       out);
  delete_stray(a, a.forgotten_spi, out);
}

// The working CHILD SA stays; the rekey is tried again after retry_initial.
void InitiatorMachine::child_rekey_failed(Attempt& a, const core::Error& error, Out& out) {
  abandon_child_rekey(a, out);
  a.child_rekey_at = now_ + options_.retry_initial;
  stats_.last_error = error.message();
  count("ikev2_child_rekey_failures", out);
  note(NoteLevel::warn,
       fmt::format("CHILD SA rekey failed: {}; the CHILD SA stays, next try in {} ms",
                   error.message(), options_.retry_initial.count()),
       out);
}

}  // namespace pqbranch::ikev2
