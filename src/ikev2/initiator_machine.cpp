#include "pqbranch/ikev2/initiator_machine.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_auth_task.hpp"
#include "pqbranch/ikev2/ike_intermediate_task.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/xfrm/errc.hpp"

#include "initiator_attempt.hpp"
#include "initiator_fragments.hpp"

namespace pqbranch::ikev2 {
namespace {

// What an IKE_SA_INIT response may refuse, and an on-path attacker may therefore forge:
// an error notify, an unacceptable proposal, a KE value that does not work.
bool is_unprotected_refusal(const core::Error& e) {
  return e.code == make_error_code(exchange_errc::peer_refused) ||
         e.code == make_error_code(exchange_errc::no_acceptable_proposal) ||
         e.code == make_error_code(exchange_errc::not_post_quantum) ||
         e.code == make_error_code(exchange_errc::key_exchange_failed);
}

}  // namespace

InitiatorMachine::InitiatorMachine(SessionOptions options, LocalPorts ports, Randomness& random)
    : options_(std::move(options)), ports_(ports), random_(random) {
  stats_.state = "stopped";
  stats_.esp_proposal = config::to_string(options_.settings.esp);
}

InitiatorMachine::~InitiatorMachine() = default;

SessionStatus InitiatorMachine::status() const {
  SessionStatus s = stats_;
  if (const Attempt* a = current_.get(); a != nullptr && a->phase == Phase::established) {
    s.established_at = a->established_at;
    s.child_installed_at = a->child_installed_at;
    if (options_.child_rekey_time.count() > 0) s.next_child_rekey = a->child_rekey_at;
    s.next_ike_replacement = a->established_at + options_.rekey_time;
  }
  return s;
}

std::vector<InitiatorAction> InitiatorMachine::handle(InitiatorEvent event, TimePoint now) {
  now_ = now;
  Out out;
  std::visit([&](auto& e) { on(e, out); }, event);
  if (running_ && current_) child_work(*current_, out);
  schedule(out);
  return out;
}

// ---- events ----

void InitiatorMachine::on(const Start& /*e*/, Out& out) {
  if (running_) return;
  running_ = true;
  begin_attempt(out);
}

void InitiatorMachine::on(const Stop& e, Out& out) {
  if (!running_) return;
  if (e.delete_sas) {
    for (auto* a : {current_.get(), next_.get(), retiring_.get(), redundant_ike_.get()}) {
      if (a == nullptr) continue;
      if (a->phase == Phase::established) {
        if (auto del = build_delete_ike_sa(a->sa)) send(*a, *del, out);
      }
      remove_child(*a, out);
      release_unused_spi(*a, out);
    }
  }
  running_ = false;
  retire_at_.reset();
  stats_.state = "stopped";
}

void InitiatorMachine::on(const TimerFired& /*e*/, Out& out) {
  if (!running_) return;
  on_retransmit_timers(out);
  if (retire_at_ && now_ >= *retire_at_) retire_after_drain(out);
  on_redundant_ike_timer(out);
  check_liveness(out);
  send_keepalive(out);
  if (retry_at_ && now_ >= *retry_at_ && !next_ && (!current_ || current_->phase == Phase::done)) {
    begin_attempt(out);
  }
  // A replacement that failed waits for its retry delay like any attempt.
  if (current_ && current_->phase == Phase::established && !next_ &&
      now_ >= ike_rekey_due(*current_) && (!retry_at_ || now_ >= *retry_at_)) {
    if (rekeys_ike_sa()) {
      if (ike_idle(*current_)) start_ike_rekey(*current_, out);
    } else {
      note(NoteLevel::info, "making the replacement IKE SA and CHILD SA", out);
      begin_attempt(out);
    }
  }
}

void InitiatorMachine::on(const DatagramReceived& e, Out& out) {
  if (!running_) return;
  if (e.socket == IkeSocket::ike) return on_datagram(e.bytes, e.from, out);
  // Without the marker it is ESP (the kernel's) or a keepalive: not ours.
  if (e.bytes.size() > kNonEspMarker.size() &&
      std::equal(kNonEspMarker.begin(), kNonEspMarker.end(), e.bytes.begin())) {
    return on_datagram(std::span(e.bytes).subspan(kNonEspMarker.size()), e.from, out);
  }
  drop("NAT-T datagram without the non-ESP marker", out);
}

void InitiatorMachine::on(const SpiAllocated& e, Out& out) {
  Attempt* a = attempt_waiting_for(e.step);
  if (a == nullptr) {
    // The attempt ended meanwhile: its larval SA goes at once rather than at its expiry.
    if (e.spi) release_spi(*e.spi, out);
    return;
  }
  a->step.reset();
  if (a->step_for == StepFor::rekey_spi) return on_rekey_spi(*a, e.spi, out);
  if (a->step_for == StepFor::peer_rekey_spi) return on_peer_rekey_spi(*a, e.spi, out);
  if (!e.spi) return fail(*a, e.spi.error(), out);
  send_auth(*a, *e.spi, out);
}

void InitiatorMachine::on(const KernelDone& e, Out& out) {
  if (auto it = deletes_.find(e.step); it != deletes_.end()) {
    const auto& r = e.result;
    if (!r &&
        !(it->second.missing_is_fine && r.error().code == make_error_code(xfrm::errc::not_found))) {
      note(NoteLevel::warn, it->second.what + ": " + r.error().message(), out);
    }
    deletes_.erase(it);
    return;
  }
  Attempt* a = attempt_waiting_for(e.step);
  if (a == nullptr) return;
  a->step.reset();
  if (a->step_for == StepFor::rekey_install) return on_rekey_installed(*a, e.result, out);
  if (a->step_for == StepFor::peer_rekey_inbound) return on_peer_inbound(*a, e.result, out);
  if (a->step_for == StepFor::peer_rekey_outbound) return on_peer_outbound(*a, e.result, out);
  if (!e.result) return fail(*a, e.result.error(), out);
  a->installed = true;
  established(*a, out);
}

// ---- sending and receiving ----

void InitiatorMachine::send(Attempt& a, const std::vector<std::uint8_t>& bytes, Out& out) {
  a.sent = now_;
  if (a.sa.use_natt(options_.settings.force_encap) && a.phase != Phase::init) {
    std::vector<std::uint8_t> framed(kNonEspMarker.begin(), kNonEspMarker.end());
    framed.insert(framed.end(), bytes.begin(), bytes.end());
    out.emplace_back(SendDatagram{IkeSocket::natt, options_.remote_address,
                                  options_.remote_natt_port, std::move(framed)});
    return;
  }
  out.emplace_back(
      SendDatagram{IkeSocket::ike, options_.remote_address, options_.remote_port, bytes});
}

void InitiatorMachine::note(NoteLevel level, std::string text, Out& out) const {
  out.emplace_back(Note{level, std::move(text)});
}

void InitiatorMachine::count(std::string_view metric, Out& out) const {
  out.emplace_back(CountMetric{metric});
}

void InitiatorMachine::drop(const std::string& why, Out& out) {
  ++drops_;
  last_drop_ = why;
  count("ikev2_dropped_messages", out);
  note(NoteLevel::debug, "dropped a message: " + why, out);
}

Attempt* InitiatorMachine::attempt_for(const Header& h) {
  for (auto* a : {current_.get(), next_.get(), retiring_.get(), redundant_ike_.get()}) {
    if (a != nullptr && a->sa.spi_i == h.spi_i &&
        (a->phase == Phase::init || a->sa.spi_r == h.spi_r)) {
      return a;
    }
  }
  return nullptr;
}

Attempt* InitiatorMachine::attempt_waiting_for(StepId step) {
  for (auto* a : {current_.get(), next_.get(), retiring_.get(), redundant_ike_.get()}) {
    if (a != nullptr && a->step == step) return a;
  }
  return nullptr;
}

void InitiatorMachine::on_datagram(std::span<const std::uint8_t> bytes, const core::IpAddress& from,
                                   Out& out) {
  if (from != options_.remote_address) return drop("from " + from.to_string(), out);
  auto h = parse_header(bytes);
  if (!h) return drop(h.error().message(), out);
  Attempt* a = attempt_for(*h);
  if (a == nullptr) return drop("no IKE SA with these SPIs", out);
  if (h->next_payload == PayloadType::skf) return on_fragment(*a, *h, bytes, out);
  on_message(*a, *h, ReceivedMessage(bytes), out);
}

void InitiatorMachine::on_message(Attempt& a, const Header& h, const ReceivedMessage& m, Out& out) {
  if (!h.response()) return on_peer_request(a, m, out);
  if (!a.retransmit.active()) return drop("no request outstanding", out);
  on_response(a, m, out);
}

// RFC 7383 §2.6: only on an IKE SA that negotiated it, and only with keys (never in
// IKE_SA_INIT); the reassembler checks each fragment's ICV before it keeps anything.
void InitiatorMachine::on_fragment(Attempt& a, const Header& h, std::span<const std::uint8_t> bytes,
                                   Out& out) {
  const auto refuse = [&](const std::string& why) {
    count("ikev2_dropped_fragments", out);
    drop(why, out);
  };
  if (!a.sa.fragmentation || a.phase == Phase::init) return refuse("fragment not negotiated");
  if (h.response() && !a.retransmit.active()) return drop("fragment: no request outstanding", out);
  auto step = a.reassembler.add(bytes, a.sa.peer_key(), now_);
  if (!step) return refuse("fragment: " + step.error().message());
  if (step->outcome != FragmentOutcome::complete) return;
  const OpenedMessage message = std::move(*step->message);
  on_message(a, message.message.header, ReceivedMessage(message), out);
}

// ---- the exchanges ----

void InitiatorMachine::begin_attempt(Out& out) {
  retry_at_.reset();
  auto a = std::make_unique<Attempt>(options_.retransmit);
  a->method = options_.settings.proposals.at(0).ke;
  Attempt& ref = *a;
  const bool replacing = current_ && current_->phase == Phase::established;
  (replacing ? next_ : current_) = std::move(a);
  // A replacement is made while the working CHILD SA carries traffic: still established.
  if (!replacing) stats_.state = "connecting";
  send_init(ref, out);
}

void InitiatorMachine::send_init(Attempt& a, Out& out) {
  auto request = build_ike_sa_init(a.sa, options_.settings, endpoints(), a.method, random_);
  if (!request) return fail(a, request.error(), out);
  a.phase = Phase::init;
  send_request(a, std::move(*request), out);
}

void InitiatorMachine::send_request(Attempt& a, std::vector<std::uint8_t> bytes, Out& out) {
  auto datagrams = request_datagrams(options_, a, std::move(bytes));
  if (!datagrams) return fail(a, datagrams.error(), out);
  if (datagrams->size() > 1) count("ikev2_fragmented_requests", out);
  a.request = std::move(*datagrams);
  for (const auto& d : a.request)
    send(a, d, out);
  a.retransmit.start(now_);
  a.drops_at_send = drops_;
}

void InitiatorMachine::on_response(Attempt& a, const ReceivedMessage& m, Out& out) {
  core::Result<void> ok;
  switch (a.phase) {
    case Phase::init: {
      auto outcome = process_ike_sa_init(a.sa, options_.settings, endpoints(), m.datagram());
      if (!outcome) {
        ok = outcome.error();
        break;
      }
      a.retransmit.stop();
      if (const auto* retry = std::get_if<InitRetry>(&*outcome)) {
        note(NoteLevel::info,
             fmt::format("the responder asks for key exchange method {}; retrying",
                         static_cast<unsigned>(retry->method)),
             out);
        a.method = retry->method;
        return send_init(a, out);
      }
      if (std::holds_alternative<InitCookie>(*outcome)) {
        note(NoteLevel::info,
             fmt::format("the responder asks for a COOKIE ({} of {}); sending it",
                         a.sa.cookie_rounds, kMaxCookieRounds),
             out);
        auto request = build_ike_sa_init_with_cookie(a.sa, options_.settings, endpoints());
        if (!request) return fail(a, request.error(), out);
        return send_request(a, std::move(*request), out);
      }
      return after_init(a, out);
    }
    case Phase::intermediate:
      ok = process_ike_intermediate(a.sa, m);
      if (ok) {
        a.retransmit.stop();
        return allocate_spi(a, StepFor::auth_spi, out);
      }
      break;
    case Phase::auth:
      ok = process_ike_auth(a.sa, options_.settings, m);
      if (ok) {
        a.retransmit.stop();
        return install(a, out);
      }
      break;
    case Phase::established:
      // A liveness check's response and that of a Delete of a stray CHILD SA only end them.
      if (a.request_kind != Request::liveness && a.request_kind != Request::delete_stray) {
        return on_child_response(a, m, out);
      }
      ok = process_informational_response(a.sa, m);
      if (ok) {
        a.retransmit.stop();
        a.heard = now_;
        return;
      }
      break;
    case Phase::deleting:
      ok = process_informational_response(a.sa, m);
      if (ok) {
        a.retransmit.stop();
        return finish_delete(a, out);
      }
      break;
    default:
      return drop("response in phase " + std::string(to_string(a.phase)), out);
  }
  if (is_drop(ok.error())) return drop(ok.error().message(), out);
  if (a.phase == Phase::init && is_unprotected_refusal(ok.error())) {
    // Once per attempt at info: forged datagrams must not flood the log.
    if (!a.init_refusal) {
      note(NoteLevel::info,
           ok.error().message() + " (unauthenticated: waiting for another response)", out);
    }
    a.init_refusal = ok.error();
    return drop(ok.error().message(), out);
  }
  fail(a, ok.error(), out);
}

void InitiatorMachine::after_init(Attempt& a, Out& out) {
  a.init_refusal.reset();
  if (a.sa.use_natt(options_.settings.force_encap)) {
    note(NoteLevel::info,
         fmt::format("{}; IKE and ESP move to UDP {}",
                     options_.settings.force_encap ? "UDP encapsulation forced"
                     : a.sa.local_behind_nat       ? "NAT detected on our side"
                                                   : "NAT detected on the responder's side",
                     options_.remote_natt_port),
         out);
  }
  if (a.sa.selected->ke1) {
    auto request = build_ike_intermediate(a.sa, random_);
    if (!request) return fail(a, request.error(), out);
    a.phase = Phase::intermediate;
    return send_request(a, std::move(*request), out);
  }
  allocate_spi(a, StepFor::auth_spi, out);
}

void InitiatorMachine::allocate_spi(Attempt& a, StepFor purpose, Out& out) {
  xfrm::SpiRequest r;
  r.src = options_.remote_address;
  r.dst = options_.local_address;
  r.reqid = options_.reqid;
  r.direction = xfrm::SaDirection::in;
  r.if_id = options_.if_id;
  a.step = next_step();
  a.step_for = purpose;
  out.emplace_back(AllocateSpi{*a.step, r});
}

void InitiatorMachine::send_auth(Attempt& a, std::uint32_t spi, Out& out) {
  auto request = build_ike_auth(a.sa, options_.settings, spi, !ever_established_);
  if (!request) return fail(a, request.error(), out);
  a.phase = Phase::auth;
  send_request(a, std::move(*request), out);
}

Endpoints InitiatorMachine::endpoints() const {
  return {options_.local_address, ports_.ike, options_.remote_address, options_.remote_port};
}

std::optional<xfrm::Encap> InitiatorMachine::encap(const Attempt& a, bool outbound) const {
  if (!a.sa.use_natt(options_.settings.force_encap)) return std::nullopt;
  xfrm::Encap e;
  e.src_port = outbound ? ports_.natt : options_.remote_natt_port;
  e.dst_port = outbound ? options_.remote_natt_port : ports_.natt;
  return e;
}

xfrm::Sa InitiatorMachine::child_sa(const Attempt& a, bool outbound) const {
  return child_sa(a, *a.sa.child, outbound);
}

xfrm::Sa InitiatorMachine::child_sa(const Attempt& a, const ChildSa& c, bool outbound) const {
  xfrm::Sa sa;
  sa.src = outbound ? options_.local_address : options_.remote_address;
  sa.dst = outbound ? options_.remote_address : options_.local_address;
  sa.spi = outbound ? c.outbound_spi : c.inbound_spi;
  sa.reqid = options_.reqid;
  sa.direction = outbound ? xfrm::SaDirection::out : xfrm::SaDirection::in;
  sa.aead_key = (outbound ? c.outbound_key : c.inbound_key).clone();
  const auto hard = std::chrono::ceil<std::chrono::seconds>(options_.lifetime);
  // Soft halfway between the replacement and the hard limit: a warning only.
  const auto soft = std::chrono::ceil<std::chrono::seconds>(
      options_.rekey_time + (options_.lifetime - options_.rekey_time) / 2);
  sa.lifetime.hard_add = hard;
  sa.lifetime.soft_add = soft;
  sa.encap = encap(a, outbound);
  sa.if_id = options_.if_id;
  return sa;
}

void InitiatorMachine::install(Attempt& a, Out& out) {
  a.step = next_step();
  a.step_for = StepFor::install;
  out.emplace_back(InstallPair{*a.step, child_sa(a, false), child_sa(a, true)});
}

void InitiatorMachine::established(Attempt& a, Out& out) {
  a.phase = Phase::established;
  a.established_at = now_;
  a.heard = now_;
  a.child_installed_at = now_;
  a.child_rekey_at = next_child_rekey();
  ever_established_ = true;
  retry_delay_ = std::chrono::milliseconds{0};
  const auto& proposal = *a.sa.selected;
  const auto& child = *a.sa.child;
  stats_.state = "established";
  stats_.proposal = config::to_string(proposal);
  stats_.post_quantum = proposal.post_quantum();
  stats_.udp_encapsulation = encap(a, false).has_value();
  stats_.inbound_spi = child.inbound_spi;
  stats_.outbound_spi = child.outbound_spi;
  stats_.last_error.clear();
  ++stats_.established;
  count("ikev2_established", out);
  note(NoteLevel::info,
       fmt::format(
           "IKE SA established with {} ({}), CHILD SA in 0x{:08x} out 0x{:08x}{}", stats_.proposal,
           proposal.post_quantum() ? "post-quantum: ML-KEM" : "NOT post-quantum", child.inbound_spi,
           child.outbound_spi, stats_.udp_encapsulation ? ", UDP-encapsulated ESP" : ""),
       out);
  if (&a == next_.get()) replace_current(out);
}

// Continuity: the new pair is in and the kernel sends on the new outbound SA. The old
// outbound SA goes after the drain (packets other CPUs are still encrypting with it arrive),
// then the old IKE SA is deleted (the responder removes its SAs with it), then its inbound SA.
void InitiatorMachine::replace_current(Out& out) {
  retiring_ = std::move(current_);
  current_ = std::move(next_);
  if (!retiring_) return;
  if (retiring_->installed && options_.outbound_drain.count() > 0) {
    retire_at_ = now_ + options_.outbound_drain;
    return;
  }
  retire_after_drain(out);
}

void InitiatorMachine::retire_after_drain(Out& out) {
  retire_at_.reset();
  if (!retiring_) return;  // the responder deleted it meanwhile
  if (retiring_->installed) {
    delete_sa(child_sa(*retiring_, true).id(), "old outbound SA", false, out);
  }
  if (retiring_->old_child && !retiring_->old_outbound_deleted) {
    delete_sa(child_sa(*retiring_, *retiring_->old_child, true).id(), "old outbound SA", true, out);
    retiring_->old_outbound_deleted = true;
  }
  start_delete(*retiring_, out);
}

void InitiatorMachine::start_delete(Attempt& a, Out& out) {
  // With a liveness check outstanding the window (one request) is taken: the responder
  // learns of the end from its own checks.
  if (a.phase != Phase::established || a.retransmit.active()) return finish_delete(a, out);
  auto request = build_delete_ike_sa(a.sa);
  if (!request) return finish_delete(a, out);
  a.phase = Phase::deleting;
  send_request(a, std::move(*request), out);
}

void InitiatorMachine::delete_sa(const xfrm::SaId& id, std::string what, bool missing_is_fine,
                                 Out& out) {
  const StepId step = next_step();
  deletes_.emplace(step, PendingDelete{std::move(what), missing_is_fine});
  out.emplace_back(DeleteSa{step, id});
}

// Every CHILD SA of the IKE SA: the current one, one replaced by a rekey, one being
// installed, the responder's redundant one of a collision, and the SPI allocated for a rekey
// of either side.
void InitiatorMachine::remove_child(Attempt& a, Out& out) {
  for (auto* c : {&a.old_child, &a.rekeyed, &a.peer_rekeyed, &a.redundant}) {
    if (*c) delete_child_sas(a, **c, "deleting a CHILD SA", out);
    c->reset();
  }
  abandon_child_rekey(a, out);
  abandon_peer_rekey(a, out);
  if (!a.installed) return;
  a.installed = false;
  delete_child_sas(a, *a.sa.child, "deleting a CHILD SA", out);
}

// Outbound first: an outbound SA never stays without the inbound SA of its pair.
void InitiatorMachine::delete_child_sas(const Attempt& a, const ChildSa& c, const std::string& what,
                                        Out& out) {
  for (const bool outbound : {true, false}) {
    delete_sa(child_sa(a, c, outbound).id(), what, true, out);
  }
}

void InitiatorMachine::finish_delete(Attempt& a, Out& out) {
  remove_child(a, out);
  a.phase = Phase::done;
  a.retransmit.stop();
  if (&a == retiring_.get()) retiring_.reset();
  if (&a == redundant_ike_.get()) redundant_ike_.reset();
}

void InitiatorMachine::on_peer_request(Attempt& a, const ReceivedMessage& m, Out& out) {
  auto h = m.header();
  if (a.last_answer && h && h->message_id == a.last_answer->message_id) {
    if (!is_retransmitted_request(a.sa, *a.last_answer, m)) {
      return drop("a request repeating message ID " + std::to_string(h->message_id) +
                      " that does not verify",
                  out);
    }
    return send(a, a.last_answer->response, out);  // RFC 7296 §2.1: retransmitted request
  }
  if (a.phase != Phase::established && a.phase != Phase::deleting) {
    return drop("request before the IKE SA is up", out);
  }
  auto answer = process_peer_request(a.sa, m, peer_policy(a), random_);
  if (!answer) return drop(answer.error().message(), out);
  a.heard = now_;
  on_peer_answer(a, std::move(*answer), out);
}

// A request answered: sent (and kept for a retransmission of the request).
void InitiatorMachine::answer(Attempt& a, PeerRequest answer, Out& out) {
  send(a, answer.response, out);
  a.last_answer = std::move(answer);
}

// The responder deleted our CHILD SA, or the IKE SA.
void InitiatorMachine::on_peer_deleted(Attempt& a, bool ike_deleted, Out& out) {
  note(NoteLevel::info,
       fmt::format("the responder deleted the {} SA", !ike_deleted                 ? "CHILD"
                                                      : &a == retiring_.get()      ? "old IKE"
                                                      : &a == redundant_ike_.get() ? "redundant IKE"
                                                                                   : "IKE"),
       out);
  // The old IKE SA while its new one of the responder's is held (RFC 7296 §2.8.2): the
  // responder did not see our rekey; that one takes the CHILD SA, ours is forgotten.
  if (ike_deleted && &a == current_.get() && a.crossed_ike &&
      ike_crossing_ended(a, "the responder deleted the old IKE SA", out)) {
    retiring_.reset();
    retire_at_.reset();
    return;
  }
  remove_child(a, out);
  if (!ike_deleted) return;
  a.phase = Phase::done;
  a.retransmit.stop();
  if (&a == current_.get()) {
    current_.reset();
    stats_.state = "waiting to retry";
    stats_.inbound_spi = stats_.outbound_spi = 0;
    schedule_retry(out);
  } else if (&a == retiring_.get()) {
    retiring_.reset();
    retire_at_.reset();  // nothing left to retire
  } else if (&a == next_.get()) {
    next_.reset();
  } else if (&a == redundant_ike_.get()) {
    redundant_ike_.reset();
  }
}

void InitiatorMachine::fail(Attempt& a, const core::Error& error, Out& out) {
  const bool was_phase_auth = a.phase == Phase::auth;
  note(NoteLevel::error, fmt::format("{} failed: {}", to_string(a.phase), error.message()), out);
  count("ikev2_failures", out);
  stats_.last_error = error.message();
  a.retransmit.stop();
  a.step.reset();
  // The responder may hold an IKE SA after IKE_AUTH (e.g. the CHILD SA was refused):
  // tell it, once, without waiting.
  if (was_phase_auth) {
    ++a.sa.next_request_id;  // the IKE_AUTH exchange used its ID
    if (auto del = build_delete_ike_sa(a.sa)) send(a, *del, out);
  }
  if (&a == retiring_.get() || &a == redundant_ike_.get()) return finish_delete(a, out);
  remove_child(a, out);
  release_unused_spi(a, out);
  if (&a == next_.get()) {
    next_.reset();
  } else {
    current_.reset();
    stats_.state = "waiting to retry";
  }
  schedule_retry(out);
}

// The inbound SPI allocated for an IKE_AUTH whose CHILD SA was not installed: ALLOCSPI's
// larval SA would otherwise stay in the kernel until it expires.
void InitiatorMachine::release_unused_spi(Attempt& a, Out& out) {
  if (a.installed || a.sa.pending_inbound_spi == 0) return;
  release_spi(std::exchange(a.sa.pending_inbound_spi, 0), out);
}

void InitiatorMachine::release_spi(std::uint32_t spi, Out& out) {
  xfrm::SaId id;
  id.dst = options_.local_address;
  id.spi = spi;
  delete_sa(id, "releasing an unused SPI", true, out);
}

// What a request that ran out of tries got: nothing, or only datagrams that were dropped
// (then the last one's reason, so a malformed response is named, not just counted).
std::string InitiatorMachine::no_response(const Attempt& a, const std::string& tries) const {
  if (drops_ == a.drops_at_send) return "no response after " + tries + " tries";
  return "no acceptable response in " + tries + " tries; the last datagram dropped: " + last_drop_;
}

void InitiatorMachine::schedule_retry(Out& out) {
  retry_delay_ = retry_delay_.count() == 0 ? options_.retry_initial
                                           : std::min(retry_delay_ * 2, options_.retry_max);
  retry_at_ = now_ + retry_delay_;
  note(NoteLevel::info, fmt::format("next attempt in {} ms", retry_delay_.count()), out);
}

// ---- time ----

void InitiatorMachine::on_retransmit_timers(Out& out) {
  for (auto* a : {current_.get(), next_.get(), retiring_.get(), redundant_ike_.get()}) {
    if (a == nullptr || !a->retransmit.active()) continue;
    switch (a->retransmit.on_timer(now_)) {
      case Retransmitter::Step::wait:
        break;
      case Retransmitter::Step::resend:
        count("ikev2_retransmissions", out);
        for (const auto& d : a->request)
          send(*a, d, out);
        break;
      case Retransmitter::Step::give_up: {
        const auto tries = std::to_string(a->retransmit.sends());
        if (a->phase == Phase::established) {  // a request of the established IKE SA
          const bool liveness = a->request_kind == Request::liveness;
          if (liveness) count("ikev2_dpd_failures", out);
          fail(*a,
               core::make_error(exchange_errc::unexpected_message,
                                fmt::format("dead peer: no answer to the {} after {} tries",
                                            to_string(a->request_kind), tries)),
               out);
          break;
        }
        // Only refusals came: the last one is the reason.
        fail(*a,
             a->init_refusal
                 ? core::Error{a->init_refusal->code, a->init_refusal->detail +
                                                          " (no acceptable response in " + tries +
                                                          " tries)"}
                 : core::make_error(exchange_errc::unexpected_message, no_response(*a, tries)),
             out);
        break;
      }
    }
  }
}

void InitiatorMachine::schedule(Out& out) const {
  if (!running_) return;
  std::optional<TimePoint> at = retry_at_;
  auto earliest = [&](TimePoint t) { at = at ? std::min(*at, t) : t; };
  if (retire_at_) earliest(*retire_at_);
  for (auto* a : {current_.get(), next_.get(), retiring_.get(), redundant_ike_.get()}) {
    if (a != nullptr && a->retransmit.active()) earliest(a->retransmit.deadline());
  }
  if (redundant_ike_ && redundant_ike_->phase == Phase::established &&
      !redundant_ike_->retransmit.active()) {
    earliest(redundant_ike_by_);
  }
  if (auto dpd = liveness_deadline()) earliest(*dpd);
  if (auto keepalive = keepalive_due()) earliest(*keepalive);
  if (current_) {
    if (auto child = child_deadline(*current_)) earliest(*child);
  }
  // An IKE SA rekey waits for the CHILD SA's work to end (which wakes the machine anyway).
  if (current_ && current_->phase == Phase::established && !next_ &&
      (!rekeys_ike_sa() || ike_idle(*current_))) {
    earliest(std::max(ike_rekey_due(*current_), retry_at_.value_or(TimePoint{})));
  }
  if (at) out.emplace_back(WakeAt{*at});
}

}  // namespace pqbranch::ikev2
