// FakeIkeResponder's side of an IKE SA rekey (RFC 7296 §2.18, RFC 9370 §2.2.4): CREATE_CHILD_SA
// with an IKE proposal (the initiator's new SPI) and KE, then an IKE_FOLLOWUP_KE per ADDKE on
// the old IKE SA; the new IKE SA's keys from SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1)...)
// and the new SPIs; its responder (the successor) takes the CHILD SAs.
#include "pqbranch/crypto/random.hpp"
#include "pqbranch/ikev2/ike_keys.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"
#include "pqbranch/ikev2/prf.hpp"

#include "fakes/fake_ike_helpers.hpp"
#include "fakes/fake_ike_responder.hpp"

namespace pqbranch::test {
namespace {

using namespace ikev2;  // NOLINT(google-build-using-namespace): a test fake of this module

using fake_ike::bad;
using fake_ike::joined;
using fake_ike::lower_of;
using fake_ike::method_of;
using fake_ike::nonce_or;

}  // namespace

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::ike_rekey(const OpenedMessage& request) {
  const auto& payloads = request.message.payloads;
  const auto* sa = find_payload<SaPayload>(payloads);
  const auto* nonce = find_payload<NoncePayload>(payloads);
  const auto* ke = find_payload<KePayload>(payloads);
  if (sa == nullptr || nonce == nullptr || ke == nullptr || sa->proposals[0].spi.size() != 8) {
    return bad("IKE SA rekey request incomplete");
  }
  if (options_.refuse_ike_rekey) {
    return seal_response(request.message.header, {make_notify(*options_.refuse_ike_rekey)},
                         nullptr);
  }
  // A CHILD SA rekey of its own under way: TEMPORARY_FAILURE (RFC 7296 §2.25.2; strongSwan:
  // "a child is half-open"). Its own rekey of the IKE SA: past CREATE_CHILD_SA it refuses,
  // before it a collision that its response decides.
  if (own_rekey_ && !own_rekey_->ike_spi_i) {
    return seal_response(request.message.header, {make_notify(NotifyType::temporary_failure)},
                         nullptr);
  }
  OwnRekey* crossing = own_rekey_ && own_rekey_->ike_spi_i ? &*own_rekey_ : nullptr;
  if (crossing != nullptr && crossing->stage != OwnRekey::Stage::create) {
    return seal_response(request.message.header, {make_notify(NotifyType::temporary_failure)},
                         nullptr);
  }
  Proposal chosen = sa->proposals[0];
  Rekeying r;
  r.ike_spi_i.emplace();
  std::ranges::copy(chosen.spi, r.ike_spi_i->begin());
  if (auto ok = crypto::random_fill(r.ike_spi_r); !ok) return ok.error();
  chosen.spi.assign(r.ike_spi_r.begin(), r.ike_spi_r.end());
  r.ni = nonce->data;
  auto own_nonce = nonce_or(options_.rekey_nr);
  if (!own_nonce) return own_nonce.error();
  r.nr = own_nonce->data;
  if (crossing != nullptr) crossing->crossed = lower_of(r.ni, r.nr);
  const auto method = method_of(chosen, TransformType::ke);
  if (!method || ke->method != *method) return bad("IKE SA rekey without its KE");
  auto reply = respond(*method, ke->data);
  if (!reply) return reply.error();
  r.secret = std::move(reply->shared_secret);
  std::vector<Payload> out;
  out.emplace_back(SaPayload{{chosen}});
  out.emplace_back(*own_nonce);
  out.emplace_back(KePayload{*method, reply->data});
  if (const auto method1 = method_of(chosen, TransformType::addke1)) {
    r.followups.push_back(*method1);
    out.emplace_back(make_notify(NotifyType::additional_key_exchange, options_.followup_link));
  }
  rekeying_ = std::move(r);
  return finish_rekey(request.message.header, std::move(out));
}

// Every key exchange done: the successor holds the new IKE SA and the CHILD SAs; while its
// own crossing rekey is out, it waits for that one's response to decide (strongSwan lets the
// initiating task handle it).
core::Result<void> FakeIkeResponder::finish_ike_rekey() {
  if (own_rekey_ && own_rekey_->ike_spi_i && !own_rekey_->crossed.empty()) return {};
  return finish_held_ike_rekey(true);
}

bool FakeIkeResponder::passive_ike_rekey_held() const noexcept {
  return rekeying_ && rekeying_->ike_spi_i && rekeying_->followups.empty();
}

core::Result<void> FakeIkeResponder::finish_held_ike_rekey(bool takes_children) {
  Rekeying r = std::move(*rekeying_);
  rekeying_.reset();
  if (auto ok = make_successor({r.secret, r.additional, std::move(r.ni), std::move(r.nr),
                                *r.ike_spi_i, r.ike_spi_r, false, takes_children});
      !ok) {
    return ok.error();
  }
  ++ike_rekeys_;
  return {};
}

// Its own CREATE_CHILD_SA response is here and the initiator's rekey crossed it.
core::Result<std::optional<std::vector<std::uint8_t>>> FakeIkeResponder::settle_ike_collision(
    bool lost) {
  using Next = std::optional<std::vector<std::uint8_t>>;
  OwnRekey& r = *own_rekey_;
  r.crossed.clear();
  ++(lost ? collisions_lost_ : collisions_won_);
  if (!lost) {
    // The initiator's new IKE SA is redundant: it deletes it (one still waiting for
    // IKE_FOLLOWUP_KEs is dropped: they do not come).
    if (passive_ike_rekey_held()) {
      if (auto ok = finish_held_ike_rekey(false); !ok) return ok.error();
    }
    rekeying_.reset();
    return Next{};
  }
  if (!r.followups.empty()) {  // stops before its IKE_FOLLOWUP_KE
    own_rekey_.reset();
    return Next{};
  }
  // Its new IKE SA is redundant: a successor without the CHILD SAs that it deletes.
  if (auto ok = make_successor(
          {r.secret, r.additional, r.ni, r.nr, *r.ike_spi_i, r.ike_spi_r, true, false});
      !ok) {
    return ok.error();
  }
  own_rekey_.reset();
  FakeIkeResponder& redundant = *successors_.back();
  if (passive_ike_rekey_held()) {
    if (auto ok = finish_held_ike_rekey(true); !ok) return ok.error();
  }
  if (!options_.delete_replaced) return Next{};
  auto request =
      redundant.own_request(ExchangeType::informational, {DeletePayload{ProtocolId::ike, {}}});
  if (!request) return request.error();
  OwnRekey deleting;
  deleting.stage = OwnRekey::Stage::deleting;
  deleting.ike_spi_i = redundant.spi_i_;
  redundant.own_rekey_ = std::move(deleting);
  return Next{std::move(*request)};
}

// The new IKE SA of a rekey of either side: SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1)...),
// keys with the new SPIs. When this fake initiated the rekey it is the new IKE SA's original
// initiator: its I flag, and the initiator's key SK_er, which it keeps in keys_.sk_ei's place
// (every other path of this fake reads the initiator's key there).
core::Result<void> FakeIkeResponder::make_successor(RekeyedIkeSa e) {
  const auto seed = joined(joined(e.secret, core::SecureBytes(e.ni)),
                           joined(core::SecureBytes(e.nr), e.additional));
  auto skeyseed = prf(prf_, keys_.sk_d.span(), seed.span());
  if (!skeyseed) return skeyseed.error();
  auto keys = derive_ike_keys(prf_, IkeKeySizes{}, skeyseed->span(), e.ni, e.nr, e.spi_i, e.spi_r);
  if (!keys) return keys.error();
  if (e.original_initiator) std::swap(keys->sk_ei, keys->sk_er);
  auto next = std::make_unique<FakeIkeResponder>(options_);
  next->spi_i_ = e.spi_i;
  next->spi_r_ = e.spi_r;
  next->ni_ = std::move(e.ni);
  next->nr_ = std::move(e.nr);
  next->prf_ = prf_;
  next->keys_ = std::move(*keys);
  next->chosen_ = chosen_;
  next->established_ = true;
  next->own_flags_ = e.original_initiator ? kFlagInitiator : std::uint8_t{0};
  next->fragmentation_ = fragmentation_;
  next->children_ = std::move(children_);
  children_.clear();
  next->initiator_spi_ = initiator_spi_;
  if (child_keys_) {
    next->child_keys_ = ChildKeys{child_keys_->initiator_to_responder.clone(),
                                  child_keys_->responder_to_initiator.clone()};
  }
  next->own_spi_serial_ = own_spi_serial_;
  if (!e.takes_children) {
    children_ = std::move(next->children_);
    next->children_.clear();
  }
  successors_.push_back(std::move(next));
  return {};
}

}  // namespace pqbranch::test
