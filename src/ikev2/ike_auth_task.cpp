#include "pqbranch/ikev2/ike_auth_task.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/auth_octets.hpp"
#include "pqbranch/ikev2/auth_payload.hpp"
#include "pqbranch/ikev2/child_keys.hpp"
#include "pqbranch/ikev2/child_sa_payloads.hpp"
#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/signature_auth.hpp"

namespace pqbranch::ikev2 {
namespace {

// The pre-shared key's bytes; none when no key was loaded (the MAC then verifies nowhere).
std::span<const std::uint8_t> psk_bytes(const InitiatorSettings& s) {
  return s.psk ? s.psk->span() : std::span<const std::uint8_t>{};
}

core::Error auth_failed(const std::string& why) {
  return core::make_error(exchange_errc::authentication_failed, "IKE_AUTH: " + why);
}

AuthOctetsInput octets_input(const IkeSa& sa, std::span<const std::uint8_t> real_message,
                             std::span<const std::uint8_t> peer_nonce,
                             std::span<const std::uint8_t> sk_p, const IdPayload& id,
                             std::uint32_t message_id) {
  AuthOctetsInput in;
  in.real_message = real_message;
  in.peer_nonce = peer_nonce;
  in.sk_p = sk_p;
  in.id = &id;
  in.int_auth = sa.int_auth.empty() ? nullptr : &sa.int_auth;
  in.ike_auth_message_id = message_id;
  return in;
}

core::Result<AuthPayload> make_auth(const IkeSa& sa, const InitiatorSettings& s,
                                    const IdPayload& idi, std::uint32_t message_id) {
  auto octets = auth_octets(
      sa.prf, octets_input(sa, sa.init_request, sa.nr, sa.keys.sk_pi.span(), idi, message_id));
  if (!octets) return octets.error();
  if (s.auth == config::IkeAuth::psk) {
    auto mac = psk_auth(sa.prf, psk_bytes(s), *octets);
    if (!mac) return mac.error();
    return AuthPayload{AuthMethod::shared_key_mic, {mac->span().begin(), mac->span().end()}};
  }
  auto signed_auth = sign_auth(s.ecdsa->key, *octets);
  if (!signed_auth) {
    return core::make_error(exchange_errc::credentials,
                            "IKE_AUTH: signing failed: " + signed_auth.error().message());
  }
  return std::move(*signed_auth);
}

core::Result<void> verify_responder(const IkeSa& sa, const InitiatorSettings& s,
                                    const std::vector<Payload>& payloads,
                                    std::uint32_t message_id) {
  const auto* idr = find_id(payloads, false);
  const auto* auth = find_payload<AuthPayload>(payloads);
  if (idr == nullptr || auth == nullptr) return auth_failed("the response lacks IDr or AUTH");
  if (idr->type != s.remote_id.type || idr->data != s.remote_id.data) {
    return auth_failed("the responder identified as \"" +
                       std::string(idr->data.begin(), idr->data.end()) +
                       "\", not the configured remote_id");
  }
  auto octets = auth_octets(
      sa.prf, octets_input(sa, sa.init_response, sa.ni, sa.keys.sk_pr.span(), *idr, message_id));
  if (!octets) return octets.error();
  if (s.auth == config::IkeAuth::psk) {
    if (auth->method != AuthMethod::shared_key_mic) {
      return auth_failed("the responder did not authenticate with the pre-shared key");
    }
    if (!verify_psk_auth(sa.prf, psk_bytes(s), *octets, auth->data)) {
      return auth_failed("the responder's AUTH does not verify (wrong pre-shared key?)");
    }
    return {};
  }
  if (auth->method != AuthMethod::digital_signature) {
    return auth_failed("the responder did not use an RFC 7427 digital signature");
  }
  const auto* cert = find_payload<CertPayload>(payloads);
  if (cert == nullptr || cert->encoding != CertEncoding::x509_signature) {
    return auth_failed("the responder sent no X.509 certificate");
  }
  auto key = s.ecdsa->ca.verify(cert->data, *idr);
  if (!key) return key.error();
  // ecdsa-with-SHA256 for the P-256 key (we announced SHA2-256 only, RFC 7427 §4).
  if (auto ok = verify_auth_signature(*key, *auth, *octets); !ok) {
    return auth_failed("the responder's signature does not verify: " + ok.error().message());
  }
  return {};
}

}  // namespace

core::Result<std::vector<std::uint8_t>> build_ike_auth(IkeSa& sa, const InitiatorSettings& settings,
                                                       std::uint32_t inbound_spi,
                                                       bool initial_contact) {
  Message m;
  m.header = request_header(sa, ExchangeType::ike_auth);
  m.payloads.emplace_back(settings.local_id);
  if (settings.auth == config::IkeAuth::ecdsa) {
    m.payloads.emplace_back(
        CertPayload{CertEncoding::x509_signature, settings.ecdsa->certificate_der});
    // strongSwan sends its certificate only when asked (send_cert = ifasked).
    m.payloads.emplace_back(
        CertReqPayload{CertEncoding::x509_signature, {settings.ecdsa->ca.key_hash()}});
  }
  if (initial_contact) m.payloads.emplace_back(make_notify(NotifyType::initial_contact));
  auto auth = make_auth(sa, settings, settings.local_id, m.header.message_id);
  if (!auth) return auth.error();
  m.payloads.emplace_back(std::move(*auth));
  m.payloads.emplace_back(esp_sa_payload(inbound_spi));
  m.payloads.emplace_back(ts_payload(true, settings.local_ts));
  m.payloads.emplace_back(ts_payload(false, settings.remote_ts));
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  sa.pending_inbound_spi = inbound_spi;
  return std::move(sealed->bytes);
}

core::Result<void> process_ike_auth(IkeSa& sa, const InitiatorSettings& settings,
                                    const ReceivedMessage& response) {
  const std::uint32_t message_id = sa.next_request_id;
  auto opened = open_response(sa, response, ExchangeType::ike_auth, message_id);
  if (!opened) return opened.error();
  const auto& payloads = opened->message.payloads;
  // An error notify beside a valid AUTH means the IKE SA exists but the CHILD SA was
  // refused (RFC 7296 §2.21.2); either way this attempt has no tunnel.
  if (const auto* n = find_error_notify(payloads)) return refused_by(*n, "IKE_AUTH");
  if (auto ok = verify_responder(sa, settings, payloads, message_id); !ok) return ok.error();
  auto outbound_spi = check_esp_proposal(payloads, {}, "IKE_AUTH");
  if (!outbound_spi) return outbound_spi.error();
  auto local = narrowed(find_ts(payloads, true), settings.local_ts, "TSi", "IKE_AUTH");
  if (!local) return local.error();
  auto remote = narrowed(find_ts(payloads, false), settings.remote_ts, "TSr", "IKE_AUTH");
  if (!remote) return remote.error();
  auto keys = derive_child_keys(sa.prf, sa.keys.sk_d.span(), sa.ni, sa.nr);
  if (!keys) return keys.error();
  ChildSa child;
  child.inbound_spi = sa.pending_inbound_spi;
  child.outbound_spi = *outbound_spi;
  child.outbound_key = std::move(keys->initiator_to_responder);
  child.inbound_key = std::move(keys->responder_to_initiator);
  child.local_ts = std::move(*local);
  child.remote_ts = std::move(*remote);
  sa.child = std::move(child);
  ++sa.next_request_id;
  return {};
}

}  // namespace pqbranch::ikev2
