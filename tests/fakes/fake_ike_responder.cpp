#include "fakes/fake_ike_responder.hpp"

#include <algorithm>

#include "pqbranch/crypto/random.hpp"
#include "pqbranch/crypto/signature.hpp"
#include "pqbranch/ikev2/auth_octets.hpp"
#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/fragmenter.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
#include "pqbranch/ikev2/nat_detection.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"
#include "pqbranch/ikev2/skf_payload.hpp"

#include "fakes/fake_ike_helpers.hpp"

namespace pqbranch::test {
namespace {

using namespace ikev2;  // NOLINT(google-build-using-namespace): a test fake of this module

using fake_ike::bad;

AuthOctetsInput octets(std::span<const std::uint8_t> message, std::span<const std::uint8_t> nonce,
                       std::span<const std::uint8_t> sk_p, const IdPayload& id,
                       const IntAuth& int_auth, std::uint32_t mid) {
  AuthOctetsInput in;
  in.real_message = message;
  in.peer_nonce = nonce;
  in.sk_p = sk_p;
  in.id = &id;
  in.int_auth = int_auth.empty() ? nullptr : &int_auth;
  in.ike_auth_message_id = mid;
  return in;
}

}  // namespace

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::handle(
    std::span<const std::uint8_t> request) {
  auto header = parse_header(request);
  if (!header) return header.error();
  if (header->response()) return bad("a response, not a request");
  if (header->exchange == ExchangeType::ike_sa_init) return ike_sa_init(request);
  if (header->spi_i != spi_i_ || header->spi_r != spi_r_) return bad("unknown IKE SA");
  auto opened = open_message(request, keys_.sk_ei.span());
  if (!opened) return opened.error();
  return dispatch(*opened);
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::dispatch(const OpenedMessage& request) {
  switch (request.message.header.exchange) {
    case ExchangeType::ike_intermediate:
      return intermediate(request);
    case ExchangeType::ike_auth:
      return ike_auth(request);
    case ExchangeType::informational:
      return informational(request);
    case ExchangeType::create_child_sa:
      return create_child_sa(request);
    case ExchangeType::ike_followup_ke:
      return followup_ke(request);
    default:
      return bad("exchange not handled");
  }
}

core::Result<FakeIkeResponder::Datagrams> FakeIkeResponder::receive(
    std::span<const std::uint8_t> datagram, bool natt, core::Clock::time_point now) {
  auto header = parse_header(datagram);
  if (!header) return header.error();
  if (header->exchange == ExchangeType::ike_sa_init || header->response()) {
    auto response = handle(datagram);
    if (!response) return response.error();
    return Datagrams{std::move(*response)};
  }
  if (header->spi_i != spi_i_ || header->spi_r != spi_r_) return bad("unknown IKE SA");
  if (header->next_payload != PayloadType::skf) {
    if (answered_id_ == header->message_id) return answered_;
    auto opened = open_message(datagram, keys_.sk_ei.span());
    if (!opened) return opened.error();
    return answer(*opened, natt);
  }
  if (!fragmentation_) return bad("a fragment without FRAGMENTATION_SUPPORTED");
  // A retransmitted request (its keys may be gone: IKE_INTERMEDIATE replaces them) is
  // answered once, on its fragment 1 (RFC 7383 §2.6.1).
  if (answered_id_ == header->message_id) {
    auto view = parse_fragment(datagram);
    if (!view) return view.error();
    return view->fields.number == 1 ? answered_ : Datagrams{};
  }
  auto step = reassembler_.add(datagram, keys_.sk_ei.span(), now);
  if (!step) {
    ++dropped_fragments_;
    return step.error();
  }
  if (step->outcome != FragmentOutcome::complete) return Datagrams{};
  ++fragmented_requests_;
  return answer(*step->message, natt);
}

core::Result<FakeIkeResponder::Datagrams> FakeIkeResponder::answer(const OpenedMessage& request,
                                                                   bool natt) {
  // IKE_INTERMEDIATE replaces the keys after sealing its response: fragments are cut with
  // the key that sealed it (sealing_key_).
  auto response = dispatch(request);
  if (!response) return response.error();
  Datagrams datagrams{std::move(*response)};
  if (fragmentation_) {
    FragmentPath path;
    path.max_datagram = options_.fragment_size;
    path.ipv6 = !options_.endpoints.local.is_v4();
    path.non_esp_marker = natt;
    auto cut = fit_to_path(std::move(datagrams.front()), sealing_key_.span(), iv_, path);
    if (!cut) return cut.error();
    datagrams = std::move(*cut);
    if (datagrams.size() > 1) ++fragmented_responses_;
  }
  answered_id_ = request.message.header.message_id;
  answered_ = datagrams;
  return datagrams;
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::plain_error(const Header& request,
                                                                      NotifyPayload notify) {
  Message m;
  m.header = request;
  m.header.spi_r = Spi{};
  m.header.flags = kFlagResponse;
  m.payloads.emplace_back(std::move(notify));
  return encode_message(m);
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::unprotected_response(
    std::span<const std::uint8_t> request, NotifyPayload notify) {
  auto header = parse_header(request);
  if (!header) return header.error();
  return plain_error(*header, std::move(notify));
}

bool FakeIkeResponder::returns_cookie(const Message& m) const {
  const auto* first = m.payloads.empty() ? nullptr : std::get_if<NotifyPayload>(&m.payloads[0]);
  const auto* ke = find_payload<KePayload>(m.payloads);
  const auto* nonce = find_payload<NoncePayload>(m.payloads);
  return first != nullptr && first->type == NotifyType::cookie && first->data == cookie_ &&
         ke != nullptr && ke->data == cookie_ke_ && nonce != nullptr && nonce->data == cookie_ni_;
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::ike_sa_init(
    std::span<const std::uint8_t> request) {
  auto m = parse_message(request);
  if (!m) return m.error();
  const auto* sa = find_payload<SaPayload>(m->payloads);
  const auto* ke = find_payload<KePayload>(m->payloads);
  const auto* nonce = find_payload<NoncePayload>(m->payloads);
  if (sa == nullptr || ke == nullptr || nonce == nullptr) return bad("SA, KE or Ni missing");
  if (cookies_sent_ > 0 && !returns_cookie(*m)) {
    return bad("the request after a COOKIE does not carry it first with the same Ni and KE");
  }
  if (cookies_sent_ < options_.cookie_rounds) {
    cookie_.resize(options_.cookie_size);
    if (auto ok = crypto::random_fill(cookie_); !ok) return ok.error();
    cookie_ni_ = nonce->data;
    cookie_ke_ = ke->data;
    ++cookies_sent_;
    return plain_error(m->header, make_notify(NotifyType::cookie, cookie_));
  }

  std::optional<Proposal> selected;
  for (const auto& p : sa->proposals) {
    auto read = read_ike_proposal(p);
    if (!read) continue;
    if (options_.drop_ml_kem) {
      if (config::is_ml_kem(read->ke)) continue;
      read->ke1.reset();
    }
    if (std::ranges::find(options_.accept, *read) == options_.accept.end()) continue;
    chosen_ = *read;
    selected = p;
    if (options_.drop_ml_kem) {
      std::erase_if(selected->transforms,
                    [](const Transform& t) { return t.type == TransformType::addke1; });
    }
    break;
  }
  if (!selected) return plain_error(m->header, make_notify(NotifyType::no_proposal_chosen));
  if (ke->method != chosen_->ke) {
    return plain_error(m->header, make_invalid_ke(chosen_->ke));
  }
  auto reply = respond(ke->method, ke->data);
  if (!reply) return reply.error();
  spi_i_ = m->header.spi_i;
  if (auto ok = crypto::random_fill(spi_r_); !ok) return ok.error();
  auto own_nonce = make_nonce(32);
  if (!own_nonce) return own_nonce.error();
  ni_ = nonce->data;
  nr_ = own_nonce->data;
  prf_ = chosen_->prf;

  Message out;
  out.header = m->header;
  out.header.spi_r = spi_r_;
  out.header.flags = kFlagResponse;
  out.payloads.emplace_back(SaPayload{{*selected}});
  out.payloads.emplace_back(KePayload{ke->method, reply->data});
  out.payloads.emplace_back(*own_nonce);
  const auto& e = options_.endpoints;
  auto source = make_nat_detection(NotifyType::nat_detection_source_ip, spi_i_, spi_r_, e.local,
                                   e.local_port);
  auto destination = make_nat_detection(NotifyType::nat_detection_destination_ip, spi_i_, spi_r_,
                                        e.remote, e.remote_port);
  if (!source || !destination) return bad("NAT detection");
  out.payloads.emplace_back(std::move(*source));
  out.payloads.emplace_back(std::move(*destination));
  if (find_notify(m->payloads, NotifyType::intermediate_exchange_supported) != nullptr) {
    out.payloads.emplace_back(make_notify(NotifyType::intermediate_exchange_supported));
  }
  fragmentation_ = options_.fragmentation && announces_fragmentation(m->payloads);
  if (fragmentation_) out.payloads.emplace_back(make_fragmentation_supported());
  auto bytes = encode_message(out);
  if (!bytes) return bytes.error();
  auto keys =
      initial_ike_keys(prf_, IkeKeySizes{}, ni_, nr_, reply->shared_secret.span(), spi_i_, spi_r_);
  if (!keys) return keys.error();
  keys_ = std::move(*keys);
  int_auth_ = IntAuth(prf_);
  init_request_.assign(request.begin(), request.end());
  init_response_ = *bytes;
  return bytes;
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::seal_response(
    const Header& request, std::vector<Payload> payloads, std::vector<std::uint8_t>* octets_out) {
  Message m;
  m.header = request;
  m.header.flags = kFlagResponse | own_flags_;
  m.payloads = std::move(payloads);
  sealing_key_ = keys_.sk_er.clone();
  auto sealed = seal_message(m, keys_.sk_er.span(), iv_++);
  if (!sealed) return sealed.error();
  if (octets_out != nullptr) *octets_out = std::move(sealed->int_auth_octets);
  return std::move(sealed->bytes);
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::intermediate(
    const OpenedMessage& request) {
  const auto* ke = find_payload<KePayload>(request.message.payloads);
  if (ke == nullptr || !chosen_ || !chosen_->ke1 || ke->method != *chosen_->ke1) {
    return bad("IKE_INTERMEDIATE without the ADDKE1 KE");
  }
  auto reply = respond(ke->method, ke->data);
  if (!reply) return reply.error();
  std::vector<std::uint8_t> octets_r;
  auto bytes =
      seal_response(request.message.header, {KePayload{ke->method, reply->data}}, &octets_r);
  if (!bytes) return bytes.error();
  if (auto ok = int_auth_.add_initiator_message(keys_.sk_pi.span(), request.int_auth_octets); !ok) {
    return ok.error();
  }
  if (auto ok = int_auth_.add_responder_message(keys_.sk_pr.span(), octets_r); !ok) {
    return ok.error();
  }
  auto keys =
      updated_ike_keys(keys_, IkeKeySizes{}, reply->shared_secret.span(), ni_, nr_, spi_i_, spi_r_);
  if (!keys) return keys.error();
  keys_ = std::move(*keys);
  ++intermediates_;
  return bytes;
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::ike_auth(const OpenedMessage& request) {
  const auto& payloads = request.message.payloads;
  const auto mid = request.message.header.message_id;
  const auto* idi = find_id(payloads, true);
  const auto* auth = find_payload<AuthPayload>(payloads);
  const auto* sa = find_payload<SaPayload>(payloads);
  const auto* tsi = find_ts(payloads, true);
  const auto* tsr = find_ts(payloads, false);
  if (idi == nullptr || auth == nullptr || sa == nullptr || tsi == nullptr || tsr == nullptr) {
    return bad("IKE_AUTH request incomplete");
  }
  initial_contact_ = find_notify(payloads, NotifyType::initial_contact) != nullptr;
  auto theirs =
      auth_octets(prf_, octets(init_request_, nr_, keys_.sk_pi.span(), *idi, int_auth_, mid));
  if (!theirs) return theirs.error();
  const bool psk = options_.auth == config::IkeAuth::psk;
  if (psk) {
    if (!verify_psk_auth(prf_, options_.psk, *theirs, auth->data)) {
      return seal_response(request.message.header, {make_notify(NotifyType::authentication_failed)},
                           nullptr);
    }
  } else {
    const auto* cert = find_payload<CertPayload>(payloads);
    if (cert == nullptr) return bad("no initiator certificate");
    auto key = options_.ecdsa->ca.verify(cert->data, *idi);
    auto signature = parse_digital_signature(auth->data);
    if (!key || !signature || !crypto::verify(*key, *theirs, signature->signature)) {
      return seal_response(request.message.header, {make_notify(NotifyType::authentication_failed)},
                           nullptr);
    }
  }
  auto ours = auth_octets(
      prf_, octets(init_response_, ni_, keys_.sk_pr.span(), options_.id, int_auth_, mid));
  if (!ours) return ours.error();
  std::vector<Payload> out;
  out.emplace_back(options_.id);
  if (psk) {
    auto mac = psk_auth(prf_, options_.psk, *ours);
    if (!mac) return mac.error();
    out.emplace_back(
        AuthPayload{AuthMethod::shared_key_mic, {mac->span().begin(), mac->span().end()}});
  } else {
    out.emplace_back(CertPayload{CertEncoding::x509_signature, options_.ecdsa->certificate_der});
    auto signature = crypto::sign(options_.ecdsa->key, *ours);
    if (!signature) return signature.error();
    out.emplace_back(AuthPayload{
        AuthMethod::digital_signature,
        encode_digital_signature({SignatureScheme::ecdsa_with_sha256, std::move(*signature)})});
  }
  if (options_.refuse_child) {
    out.emplace_back(make_notify(NotifyType::no_proposal_chosen));
    established_ = true;
    return seal_response(request.message.header, std::move(out), nullptr);
  }
  if (sa->proposals.empty() || sa->proposals[0].spi.size() != 4) return bad("ESP SPI");
  const auto& spi = sa->proposals[0].spi;
  initiator_spi_ = (std::uint32_t{spi[0]} << 24) | (std::uint32_t{spi[1]} << 16) |
                   (std::uint32_t{spi[2]} << 8) | spi[3];
  Proposal chosen = sa->proposals[0];
  const auto own = options_.esp_spi;
  chosen.spi = {static_cast<std::uint8_t>(own >> 24), static_cast<std::uint8_t>(own >> 16),
                static_cast<std::uint8_t>(own >> 8), static_cast<std::uint8_t>(own)};
  out.emplace_back(SaPayload{{chosen}});
  out.emplace_back(*tsi);
  out.emplace_back(*tsr);
  auto child = derive_child_keys(prf_, keys_.sk_d.span(), ni_, nr_);
  if (!child) return child.error();
  add_child(own, initiator_spi_, std::move(*child));
  established_ = true;
  return seal_response(request.message.header, std::move(out), nullptr);
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::informational(
    const OpenedMessage& request) {
  std::vector<Payload> out;
  if (const auto* d = find_payload<DeletePayload>(request.message.payloads)) {
    if (d->protocol == ProtocolId::ike) deleted_ = true;
    if (d->protocol == ProtocolId::esp) {
      DeletePayload ours{ProtocolId::esp, {}};
      std::erase_if(children_, [&](const Child& c) {
        const bool gone = std::ranges::find(d->spis, c.initiator_spi) != d->spis.end();
        if (gone) ours.spis.push_back(c.own_spi);
        return gone;
      });
      child_deletes_ += ours.spis.size();
      if (!ours.spis.empty()) out.emplace_back(std::move(ours));
    }
  }
  return seal_response(request.message.header, std::move(out), nullptr);
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::informational_request(
    std::vector<Payload> payloads) {
  return own_request(ExchangeType::informational, std::move(payloads));
}

core::Result<std::vector<std::uint8_t>> FakeIkeResponder::own_request(
    ExchangeType exchange, std::vector<Payload> payloads) {
  Message m;
  m.header.spi_i = spi_i_;
  m.header.spi_r = spi_r_;
  m.header.exchange = exchange;
  m.header.flags = own_flags_;  // a request
  m.header.message_id = own_request_id_++;
  m.payloads = std::move(payloads);
  auto sealed = seal_message(m, keys_.sk_er.span(), iv_++);
  if (!sealed) return sealed.error();
  return std::move(sealed->bytes);
}

}  // namespace pqbranch::test
