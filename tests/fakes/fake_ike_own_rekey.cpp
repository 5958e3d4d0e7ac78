// FakeIkeResponder's own CHILD SA rekeys, as strongSwan makes them when its rekey_time comes:
// CREATE_CHILD_SA with N(REKEY_SA) naming its inbound SPI, then an IKE_FOLLOWUP_KE per ADDKE
// echoing the initiator's link, then it installs the new pair (sending on it at once) and
// deletes the replaced CHILD SA, whose inbound SA it keeps for delete_delay after the answer.
#include "pqbranch/crypto/random.hpp"
#include "pqbranch/ikev2/child_keys.hpp"
#include "pqbranch/ikev2/child_sa_payloads.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
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
using fake_ike::nonce_or;

}  // namespace

const FakeIkeResponder::Child* FakeIkeResponder::child_at(std::uint32_t own_spi,
                                                          core::Clock::time_point now) const {
  const Child* c = child(own_spi);
  return c != nullptr && (!c->gone_at || now < *c->gone_at) ? c : nullptr;
}

core::Result<OpenedMessage> FakeIkeResponder::open_response(
    std::span<const std::uint8_t> response) {
  return open_message(response, keys_.sk_ei.span());
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::rekey_request() {
  const auto newest = std::ranges::find_if(children_.rbegin(), children_.rend(),
                                           [](const Child& c) { return !c.gone_at; });
  if (!established_ || own_rekey_ || newest == children_.rend()) {
    return bad("no CHILD SA to rekey");
  }
  const config::EspProposal& esp = options_.rekey_esp;
  OwnRekey r;
  r.replaced = newest->own_spi;
  r.own_spi = next_own_spi();
  auto nonce = nonce_or(options_.rekey_ni);
  if (!nonce) return nonce.error();
  r.ni = nonce->data;
  NotifyPayload rekey = make_notify(NotifyType::rekey_sa);
  rekey.protocol = ProtocolId::esp;
  rekey.spi = bytes_of(r.replaced);
  std::vector<Payload> payloads;
  payloads.emplace_back(std::move(rekey));
  payloads.emplace_back(esp_sa_payload(r.own_spi, esp));
  payloads.emplace_back(std::move(*nonce));
  if (esp.ke != KeMethod::none) {
    auto ke = KeyExchange::start(esp.ke);
    if (!ke) return ke.error();
    payloads.emplace_back(KePayload{esp.ke, ke->public_data()});
    r.ke.emplace(std::move(*ke));
  }
  if (esp.ke1) r.followups.push_back(*esp.ke1);
  // Its TSi is its own side: the initiator's TSr.
  payloads.emplace_back(ts_payload(true, options_.rekey_tsi));
  payloads.emplace_back(ts_payload(false, options_.rekey_tsr));
  auto request = own_request(ExchangeType::create_child_sa, std::move(payloads));
  if (!request) return request.error();
  own_rekey_ = std::move(r);
  return request;
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::ike_rekey_request() {
  if (!established_ || own_rekey_ || !chosen_) return bad("no IKE SA to rekey");
  OwnRekey r;
  r.ike_spi_i.emplace();
  if (auto ok = crypto::random_fill(*r.ike_spi_i); !ok) return ok.error();
  auto nonce = nonce_or(options_.rekey_ni);
  if (!nonce) return nonce.error();
  r.ni = nonce->data;
  auto ke = KeyExchange::start(chosen_->ke);
  if (!ke) return ke.error();
  SaPayload offer = ike_sa_payload({*chosen_});
  offer.proposals[0].spi.assign(r.ike_spi_i->begin(), r.ike_spi_i->end());
  std::vector<Payload> payloads;
  payloads.emplace_back(std::move(offer));
  payloads.emplace_back(std::move(*nonce));
  payloads.emplace_back(KePayload{chosen_->ke, ke->public_data()});
  r.ke.emplace(std::move(*ke));
  if (chosen_->ke1) r.followups.push_back(*chosen_->ke1);
  auto request = own_request(ExchangeType::create_child_sa, std::move(payloads));
  if (!request) return request.error();
  own_rekey_ = std::move(r);
  return request;
}

core::Result<std::optional<std::vector<std::uint8_t>>> FakeIkeResponder::on_response(
    std::span<const std::uint8_t> response, core::Clock::time_point now) {
  auto opened = open_response(response);
  if (!opened) return opened.error();
  if (!own_rekey_) return std::optional<std::vector<std::uint8_t>>{};
  return own_rekey_step(*opened, now);
}

core::Result<std::optional<std::vector<std::uint8_t>>> FakeIkeResponder::own_rekey_step(
    const OpenedMessage& response, core::Clock::time_point now) {
  using Next = std::optional<std::vector<std::uint8_t>>;
  OwnRekey& r = *own_rekey_;
  const auto& payloads = response.message.payloads;
  if (r.stage == OwnRekey::Stage::deleting && r.ike_spi_i) {
    deleted_ = true;  // the old IKE SA, after its own IKE SA rekey
    own_rekey_.reset();
    return Next{};
  }
  if (r.stage == OwnRekey::Stage::deleting) {
    auto it = std::ranges::find(children_, r.deletes, &Child::own_spi);
    if (it != children_.end()) it->gone_at = now + options_.delete_delay;
    own_rekey_.reset();
    return Next{};
  }
  if (const auto* n = find_error_notify(payloads)) {
    last_refusal_ = n->type;
    ++own_rekey_refusals_;
    own_rekey_.reset();
    // The initiator's crossing IKE SA rekey, complete meanwhile, goes on (strongSwan's
    // conclude_collision).
    if (passive_ike_rekey_held()) {
      if (auto ok = finish_held_ike_rekey(true); !ok) return ok.error();
    }
    return Next{};
  }
  if (r.stage == OwnRekey::Stage::create && r.ike_spi_i) {
    const auto* sa = find_payload<SaPayload>(payloads);
    const auto* nonce = find_payload<NoncePayload>(payloads);
    if (sa == nullptr || sa->proposals.size() != 1 || sa->proposals[0].spi.size() != 8 ||
        read_ike_proposal(sa->proposals[0]) != chosen_ || nonce == nullptr) {
      return bad("IKE SA rekey response incomplete or with another proposal");
    }
    std::ranges::copy(sa->proposals[0].spi, r.ike_spi_r.begin());
    r.nr = nonce->data;
  } else if (r.stage == OwnRekey::Stage::create) {
    auto spi = check_esp_proposal(payloads, options_.rekey_esp, "fake CREATE_CHILD_SA");
    const auto* nonce = find_payload<NoncePayload>(payloads);
    if (!spi || nonce == nullptr) return bad("CREATE_CHILD_SA response incomplete");
    r.initiator_spi = *spi;
    r.nr = nonce->data;
  }
  if (r.ke) {
    const auto* ke = find_payload<KePayload>(payloads);
    if (ke == nullptr || ke->method != r.ke->method()) return bad("response without its KE");
    auto shared = r.ke->finish(ke->data);
    if (!shared) return shared.error();
    if (r.stage == OwnRekey::Stage::create) {
      r.secret = std::move(*shared);
    } else {
      r.additional = joined(r.additional, *shared);
      r.followups.erase(r.followups.begin());
    }
    r.ke.reset();
  }
  if (!r.crossed.empty() && r.ike_spi_i) {  // both IKE SA rekeys are answered: the nonces
    auto settled =
        settle_ike_collision(std::ranges::lexicographical_compare(lower_of(r.ni, r.nr), r.crossed));
    if (!settled || *settled || !own_rekey_) return settled;
  }
  if (!r.crossed.empty()) {  // both CREATE_CHILD_SA exchanges are done: the nonces decide
    r.lost = std::ranges::lexicographical_compare(lower_of(r.ni, r.nr), r.crossed);
    r.crossed.clear();
    ++(r.lost ? collisions_lost_ : collisions_won_);
    if (r.lost && !r.followups.empty()) {
      own_rekey_.reset();
      return Next{};
    }
    if (!r.lost && !r.followups.empty()) rekeying_.reset();
  }
  if (!r.followups.empty()) {
    const auto* link = find_notify(payloads, NotifyType::additional_key_exchange);
    if (link == nullptr) return bad("no ADDITIONAL_KEY_EXCHANGE link");
    auto ke = KeyExchange::start(r.followups.front());
    if (!ke) return ke.error();
    std::vector<Payload> next;
    next.emplace_back(KePayload{ke->method(), ke->public_data()});
    next.emplace_back(make_notify(NotifyType::additional_key_exchange, link->data));
    r.ke.emplace(std::move(*ke));
    r.stage = OwnRekey::Stage::followup;
    auto request = own_request(ExchangeType::ike_followup_ke, std::move(next));
    if (!request) return request.error();
    return Next{std::move(*request)};
  }
  return own_rekey_done();
}

// Every key exchange done: the new pair goes in (it sends on it from now on), then the
// Delete of the CHILD SA it replaced.
core::Result<std::optional<std::vector<std::uint8_t>>> FakeIkeResponder::own_rekey_done() {
  using Next = std::optional<std::vector<std::uint8_t>>;
  OwnRekey& r = *own_rekey_;
  if (r.ike_spi_i) {
    if (auto ok =
            make_successor({r.secret, r.additional, r.ni, r.nr, *r.ike_spi_i, r.ike_spi_r, true});
        !ok) {
      return ok.error();
    }
    ++own_ike_rekeys_;
    if (!options_.delete_replaced) {
      own_rekey_.reset();
      return Next{};
    }
    r.stage = OwnRekey::Stage::deleting;
    auto request = own_request(ExchangeType::informational, {DeletePayload{ProtocolId::ike, {}}});
    if (!request) return request.error();
    return Next{std::move(*request)};
  }
  auto keys =
      derive_child_keys(prf_, keys_.sk_d.span(), r.ni, r.nr, r.secret.span(), r.additional.span());
  if (!keys) return keys.error();
  // It initiated this exchange: its own direction came first.
  add_child(
      r.own_spi, r.initiator_spi,
      ChildKeys{std::move(keys->responder_to_initiator), std::move(keys->initiator_to_responder)});
  // A collision it lost: it never sends on the new CHILD SA, and deletes it.
  children_.back().sends = !r.lost;
  r.deletes = r.lost ? r.own_spi : r.replaced;
  if (!r.lost) ++own_rekeys_;
  if (!options_.delete_replaced) {
    own_rekey_.reset();
    return Next{};
  }
  r.stage = OwnRekey::Stage::deleting;
  auto request =
      own_request(ExchangeType::informational, {DeletePayload{ProtocolId::esp, {r.deletes}}});
  if (!request) return request.error();
  return Next{std::move(*request)};
}

}  // namespace pqbranch::test
