// FakeIkeResponder's side of a CHILD SA rekey: CREATE_CHILD_SA with N(REKEY_SA) and the
// proposal's KE, then one IKE_FOLLOWUP_KE per ADDKE (RFC 9370 §2.2.4), the new CHILD SA's
// keys from SK(0) | Ni | Nr | SK(1) | ... | SK(n).
#include <algorithm>

#include "pqbranch/ikev2/nonce_payload.hpp"

#include "fakes/fake_ike_helpers.hpp"
#include "fakes/fake_ike_responder.hpp"

namespace pqbranch::test {
namespace {

using namespace ikev2;  // NOLINT(google-build-using-namespace): a test fake of this module

using fake_ike::bad;
using fake_ike::bytes_of;
using fake_ike::joined;
using fake_ike::lower_of;
using fake_ike::method_of;
using fake_ike::nonce_or;
using fake_ike::spi_of;

}  // namespace

const FakeIkeResponder::Child* FakeIkeResponder::child(std::uint32_t own_spi) const {
  auto it = std::ranges::find(children_, own_spi, &Child::own_spi);
  return it == children_.end() ? nullptr : &*it;
}

void FakeIkeResponder::add_child(std::uint32_t own_spi, std::uint32_t initiator_spi,
                                 ChildKeys keys) {
  initiator_spi_ = initiator_spi;
  child_keys_ = ChildKeys{keys.initiator_to_responder.clone(), keys.responder_to_initiator.clone()};
  Child c;
  c.own_spi = own_spi;
  c.initiator_spi = initiator_spi;
  c.keys = std::move(keys);
  children_.push_back(std::move(c));
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::create_child_sa(
    const OpenedMessage& request) {
  const auto& payloads = request.message.payloads;
  const auto* rekey = find_notify(payloads, NotifyType::rekey_sa);
  const auto* sa = find_payload<SaPayload>(payloads);
  const auto* nonce = find_payload<NoncePayload>(payloads);
  const auto* tsi = find_ts(payloads, true);
  const auto* tsr = find_ts(payloads, false);
  if (rekey == nullptr && sa != nullptr && !sa->proposals.empty() &&
      sa->proposals[0].protocol == ProtocolId::ike) {
    return ike_rekey(request);
  }
  if (rekey == nullptr || sa == nullptr || nonce == nullptr || tsi == nullptr || tsr == nullptr ||
      sa->proposals.empty() || sa->proposals[0].spi.size() != 4 || rekey->spi.size() != 4) {
    return bad("CREATE_CHILD_SA request incomplete");
  }
  if (options_.refuse_rekey) {
    return seal_response(request.message.header, {make_notify(*options_.refuse_rekey)}, nullptr);
  }
  const std::uint32_t rekeyed = spi_of(rekey->spi);
  const auto old = std::ranges::find(children_, rekeyed, &Child::initiator_spi);
  if (old == children_.end()) {
    return seal_response(request.message.header, {make_notify(NotifyType::child_sa_not_found)},
                         nullptr);
  }
  // Its own rekey of the same CHILD SA: past CREATE_CHILD_SA it refuses, before it a
  // collision that its response decides.
  OwnRekey* crossing = own_rekey_ && !own_rekey_->ike_spi_i && own_rekey_->replaced == old->own_spi
                           ? &*own_rekey_
                           : nullptr;
  if (crossing != nullptr && crossing->stage != OwnRekey::Stage::create) {
    return seal_response(request.message.header, {make_notify(NotifyType::temporary_failure)},
                         nullptr);
  }
  Proposal chosen = sa->proposals[0];
  Rekeying r;
  r.initiator_spi = spi_of(chosen.spi);
  r.own_spi = next_own_spi();
  chosen.spi = bytes_of(r.own_spi);
  r.ni = nonce->data;
  auto own_nonce = nonce_or(options_.rekey_nr);
  if (!own_nonce) return own_nonce.error();
  r.nr = own_nonce->data;
  if (crossing != nullptr) crossing->crossed = lower_of(r.ni, r.nr);
  std::vector<Payload> out;
  out.emplace_back(SaPayload{{chosen}});
  out.emplace_back(*own_nonce);
  if (const auto method = method_of(chosen, TransformType::ke)) {
    const auto* ke = find_payload<KePayload>(payloads);
    if (ke == nullptr || ke->method != *method) return bad("CREATE_CHILD_SA without its KE");
    auto reply = respond(*method, ke->data);
    if (!reply) return reply.error();
    out.emplace_back(KePayload{*method, reply->data});
    r.secret = std::move(reply->shared_secret);
  }
  out.emplace_back(*tsi);
  out.emplace_back(*tsr);
  if (const auto method = method_of(chosen, TransformType::addke1)) {
    r.followups.push_back(*method);
    out.emplace_back(make_notify(NotifyType::additional_key_exchange, options_.followup_link));
  }
  rekeying_ = std::move(r);
  return finish_rekey(request.message.header, std::move(out));
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::followup_ke(
    const OpenedMessage& request) {
  const auto& payloads = request.message.payloads;
  const auto* ke = find_payload<KePayload>(payloads);
  const auto* link = find_notify(payloads, NotifyType::additional_key_exchange);
  if (!rekeying_ || rekeying_->followups.empty()) return bad("IKE_FOLLOWUP_KE out of place");
  if (link == nullptr || link->data != options_.followup_link) {
    return bad("IKE_FOLLOWUP_KE without the link as sent");
  }
  if (ke == nullptr || ke->method != rekeying_->followups.front()) {
    return bad("IKE_FOLLOWUP_KE without the ADDKE's KE");
  }
  auto reply = respond(ke->method, ke->data);
  if (!reply) return reply.error();
  rekeying_->additional = joined(rekeying_->additional, reply->shared_secret);
  rekeying_->followups.erase(rekeying_->followups.begin());
  ++followups_;
  std::vector<Payload> out;
  out.emplace_back(KePayload{ke->method, reply->data});
  if (!rekeying_->followups.empty()) {
    out.emplace_back(make_notify(NotifyType::additional_key_exchange, options_.followup_link));
  }
  return finish_rekey(request.message.header, std::move(out));
}

// Seals the response; when no key exchange is left, the new CHILD SA is live from then on.
core::Result<std::vector<std::uint8_t>> FakeIkeResponder::finish_rekey(
    const Header& request, std::vector<Payload> payloads) {
  auto bytes = seal_response(request, std::move(payloads), nullptr);
  if (!bytes || !rekeying_->followups.empty()) return bytes;
  if (rekeying_->ike_spi_i) {
    if (auto ok = finish_ike_rekey(); !ok) return ok.error();
    return bytes;
  }
  auto keys = derive_child_keys(prf_, keys_.sk_d.span(), rekeying_->ni, rekeying_->nr,
                                rekeying_->secret.span(), rekeying_->additional.span());
  if (!keys) return keys.error();
  add_child(rekeying_->own_spi, rekeying_->initiator_spi, std::move(*keys));
  rekeying_.reset();
  ++child_rekeys_;
  return bytes;
}

}  // namespace pqbranch::test
