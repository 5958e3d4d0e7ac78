#include "pqbranch/ikev2/ike_sa_init_task.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/nat_detection.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::uint16_t kAesKeyBits = 256;

core::Error unexpected_init(const std::string& why) {
  return unexpected_message("IKE_SA_INIT response: " + why);
}

core::Error init_refused(const std::string& why) {
  return core::make_error(exchange_errc::peer_refused, "IKE_SA_INIT: " + why);
}

std::string method_name(KeMethod m) {
  return "key exchange method " + std::to_string(static_cast<unsigned>(m));
}

bool offers_ke(const InitiatorSettings& s, KeMethod m) {
  return std::ranges::any_of(s.proposals, [&](const config::IkeProposal& p) { return p.ke == m; });
}

bool any_addke(const InitiatorSettings& s) {
  return std::ranges::any_of(s.proposals,
                             [](const config::IkeProposal& p) { return p.ke1.has_value(); });
}

// NAT_DETECTION_* of the response (RFC 7296 §2.23): the source hashes name the responder's
// address as it sent (any match: no NAT there), the destination hash ours as it saw it.
// Without these notifies the responder does not do NAT-T and no NAT is assumed.
core::Result<void> detect_nat(IkeSa& sa, const Message& m, const Endpoints& e) {
  bool saw_source = false;
  bool source_match = false;
  bool saw_destination = false;
  bool destination_match = false;
  for (const auto& p : m.payloads) {
    const auto* n = std::get_if<NotifyPayload>(&p);
    if (n == nullptr) continue;
    if (n->type == NotifyType::nat_detection_source_ip) {
      auto match = nat_detection_matches(*n, sa.spi_i, sa.spi_r, e.remote, e.remote_port);
      if (!match) return match.error();
      saw_source = true;
      source_match = source_match || *match;
    } else if (n->type == NotifyType::nat_detection_destination_ip) {
      auto match = nat_detection_matches(*n, sa.spi_i, sa.spi_r, e.local, e.local_port);
      if (!match) return match.error();
      saw_destination = true;
      destination_match = destination_match || *match;
    }
  }
  sa.remote_behind_nat = saw_source && !source_match;
  sa.local_behind_nat = saw_destination && !destination_match;
  return {};
}

// The responder's choice against what we offered (RFC 7296 §3.3.6: exactly one proposal,
// one transform of each type, all from one of ours).
core::Result<config::IkeProposal> choose(const SaPayload& sa, const InitiatorSettings& s) {
  if (sa.proposals.size() != 1 || sa.proposals[0].protocol != ProtocolId::ike ||
      !sa.proposals[0].spi.empty()) {
    return core::make_error(exchange_errc::no_acceptable_proposal,
                            "IKE_SA_INIT: the responder's SA payload is not one IKE proposal");
  }
  const auto chosen = read_ike_proposal(sa.proposals[0]);
  if (!chosen) {
    return core::make_error(exchange_errc::no_acceptable_proposal,
                            "IKE_SA_INIT: the responder chose transforms we did not offer");
  }
  if (!chosen->post_quantum() && !s.allow_classical) {
    return core::make_error(exchange_errc::not_post_quantum,
                            "IKE_SA_INIT: the responder chose " + config::to_string(*chosen) +
                                ", which has no ML-KEM key exchange; refused because "
                                "allow_classical is false (does the responder support ML-KEM?)");
  }
  const bool offered = std::ranges::find(s.proposals, *chosen) != s.proposals.end();
  // A responder that dropped our ADDKE1 (we never offer NONE) is accepted only when
  // classical key exchange is allowed: then the result is what a classical proposal gives.
  const bool dropped_addke = std::ranges::any_of(s.proposals, [&](const config::IkeProposal& p) {
    return p.prf == chosen->prf && p.ke == chosen->ke && p.ke1 && !chosen->ke1;
  });
  if (!offered && !(dropped_addke && s.allow_classical)) {
    return core::make_error(exchange_errc::no_acceptable_proposal,
                            "IKE_SA_INIT: the responder chose " + config::to_string(*chosen) +
                                ", which we did not offer");
  }
  return *chosen;
}

// N(COOKIE) (RFC 7296 §2.6): 1 to 64 octets, or the message is dropped; taken at most
// kMaxCookieRounds times per attempt, so a responder (or a forger) cannot keep us busy.
core::Result<InitOutcome> take_cookie(IkeSa& sa, const NotifyPayload& n) {
  if (n.data.empty() || n.data.size() > kMaxCookieSize) {
    return unexpected_init("a COOKIE of " + std::to_string(n.data.size()) +
                           " bytes (RFC 7296 §2.6: 1 to 64)");
  }
  if (sa.cookie_rounds >= kMaxCookieRounds) {
    return init_refused("the responder asks for a COOKIE again after " +
                        std::to_string(kMaxCookieRounds) + " rounds");
  }
  ++sa.cookie_rounds;
  sa.cookie = n.data;
  return InitCookie{};
}

// The request from the state: SPIi, Ni, our KE, the COOKIE if any.
core::Result<std::vector<std::uint8_t>> encode_ike_sa_init(IkeSa& sa,
                                                           const InitiatorSettings& settings,
                                                           const Endpoints& endpoints) {
  sa.spi_r = Spi{};
  sa.next_request_id = 0;
  const auto& ke = *sa.pending_ke;
  Message m;
  m.header = request_header(sa, ExchangeType::ike_sa_init);
  // RFC 7296 §2.6: the COOKIE notify must come first, the rest unchanged.
  if (!sa.cookie.empty()) m.payloads.emplace_back(make_notify(NotifyType::cookie, sa.cookie));
  m.payloads.emplace_back(ike_sa_payload(settings.proposals));
  m.payloads.emplace_back(KePayload{ke.method(), ke.public_data()});
  m.payloads.emplace_back(NoncePayload{sa.ni});
  // Forced NAT-T: a source hash over no real address, so the responder sees a NAT
  // (RFC 7296 §2.23 allows this) and both sides move to 4500 with UDP encapsulation.
  const auto& source = settings.force_encap ? core::IpAddress{} : endpoints.local;
  const std::uint16_t source_port = settings.force_encap ? 0 : endpoints.local_port;
  auto nat_source = make_nat_detection(NotifyType::nat_detection_source_ip, sa.spi_i, sa.spi_r,
                                       source, source_port);
  auto nat_destination = make_nat_detection(NotifyType::nat_detection_destination_ip, sa.spi_i,
                                            sa.spi_r, endpoints.remote, endpoints.remote_port);
  if (!nat_source) return nat_source.error();
  if (!nat_destination) return nat_destination.error();
  m.payloads.emplace_back(std::move(*nat_source));
  m.payloads.emplace_back(std::move(*nat_destination));
  if (any_addke(settings)) {
    m.payloads.emplace_back(make_notify(NotifyType::intermediate_exchange_supported));
  }
  // RFC 7383 §2.3: always offered; whether a message is cut is decided per message.
  m.payloads.emplace_back(make_fragmentation_supported());
  if (settings.auth == config::IkeAuth::ecdsa) {
    // RFC 7427 §4: we sign and verify ECDSA P-256 with SHA2-256 only.
    const std::array<SignatureHash, 1> hashes{SignatureHash::sha2_256};
    m.payloads.emplace_back(make_signature_hash_algorithms(hashes));
  }
  auto bytes = encode_message(m);
  if (!bytes) return bytes.error();
  sa.init_request = *bytes;
  return std::move(*bytes);
}

}  // namespace

SaPayload ike_sa_payload(const std::vector<config::IkeProposal>& proposals) {
  SaPayload sa;
  for (std::size_t i = 0; i < proposals.size(); ++i) {
    const auto& p = proposals[i];
    Proposal out;
    out.number = static_cast<std::uint8_t>(i + 1);
    out.protocol = ProtocolId::ike;
    out.transforms.push_back(make_transform(
        TransformType::encr, static_cast<std::uint16_t>(EncrId::aes_gcm_16), kAesKeyBits));
    out.transforms.push_back(make_transform(TransformType::prf, static_cast<std::uint16_t>(p.prf)));
    out.transforms.push_back(make_transform(TransformType::ke, static_cast<std::uint16_t>(p.ke)));
    if (p.ke1) {
      out.transforms.push_back(
          make_transform(TransformType::addke1, static_cast<std::uint16_t>(*p.ke1)));
    }
    sa.proposals.push_back(std::move(out));
  }
  return sa;
}

std::optional<config::IkeProposal> read_ike_proposal(const Proposal& p) {
  config::IkeProposal out;
  bool encr = false;
  bool prf = false;
  bool ke = false;
  for (const auto& t : p.transforms) {
    if (t.unknown_attribute) return std::nullopt;
    switch (t.type) {
      case TransformType::encr:
        if (encr || t.id != static_cast<std::uint16_t>(EncrId::aes_gcm_16) ||
            t.key_length != kAesKeyBits) {
          return std::nullopt;
        }
        encr = true;
        break;
      case TransformType::prf: {
        if (prf || t.id < 5 || t.id > 7) return std::nullopt;
        out.prf = static_cast<IkePrf>(t.id);
        prf = true;
        break;
      }
      case TransformType::ke:
      case TransformType::addke1: {
        const bool first = t.type == TransformType::ke;
        if (!first && t.id == 0) break;  // ADDKE1 NONE (RFC 9370 §2.2.1): no extra exchange
        const auto m = static_cast<KeMethod>(t.id);
        const bool known = m == KeMethod::ecp256 || m == KeMethod::ecp384 ||
                           m == KeMethod::x25519 || m == KeMethod::mlkem768 ||
                           m == KeMethod::mlkem1024;
        if (!known || (first && ke) || (!first && out.ke1)) return std::nullopt;
        if (first) {
          out.ke = m;
          ke = true;
        } else {
          out.ke1 = m;
        }
        break;
      }
      default:
        return std::nullopt;
    }
  }
  if (!encr || !prf || !ke) return std::nullopt;
  if (out.ke1 && (!config::is_ml_kem(*out.ke1) || config::is_ml_kem(out.ke))) return std::nullopt;
  return out;
}

core::Result<std::vector<std::uint8_t>> build_ike_sa_init(IkeSa& sa,
                                                          const InitiatorSettings& settings,
                                                          const Endpoints& endpoints,
                                                          KeMethod method, Randomness& random) {
  if (sa.spi_i == Spi{}) {
    if (auto ok = random.fill(sa.spi_i); !ok) return ok.error();
  }
  auto ke = random.key_exchange(method);
  if (!ke) return ke.error();
  if (auto ok = fill_nonce(random, sa.ni); !ok) return ok.error();
  sa.pending_ke.emplace(std::move(*ke));
  if (std::ranges::find(sa.init_methods, method) == sa.init_methods.end()) {
    sa.init_methods.push_back(method);
  }
  return encode_ike_sa_init(sa, settings, endpoints);
}

core::Result<std::vector<std::uint8_t>> build_ike_sa_init_with_cookie(
    IkeSa& sa, const InitiatorSettings& settings, const Endpoints& endpoints) {
  if (!sa.pending_ke || sa.cookie.empty()) {
    return unexpected_init("no request to send again with a COOKIE");
  }
  return encode_ike_sa_init(sa, settings, endpoints);
}

core::Result<InitOutcome> process_ike_sa_init(IkeSa& sa, const InitiatorSettings& settings,
                                              const Endpoints& endpoints,
                                              std::span<const std::uint8_t> datagram) {
  auto m = parse_message(datagram);
  if (!m) return m.error();
  const auto& h = m->header;
  if (h.spi_i != sa.spi_i) return unexpected_init("other SPIi");
  if (h.exchange != ExchangeType::ike_sa_init || !h.response() || h.initiator() ||
      h.message_id != 0) {
    return unexpected_init("not the response to our request");
  }
  if (!sa.pending_ke) return unexpected_init("no request outstanding");
  if (const auto* n = find_notify(m->payloads, NotifyType::cookie)) return take_cookie(sa, *n);
  if (const auto* n = find_notify(m->payloads, NotifyType::invalid_ke_payload)) {
    auto wanted = invalid_ke_method(*n);
    if (!wanted) return wanted.error();
    if (!offers_ke(settings, *wanted)) {
      return init_refused("the responder wants " + method_name(*wanted) +
                          ", which we did not offer");
    }
    // Each offered method once: a responder (or a forger) naming one we already sent
    // would otherwise keep us switching forever.
    if (std::ranges::find(sa.init_methods, *wanted) != sa.init_methods.end()) {
      return init_refused(
          "INVALID_KE_PAYLOAD asks again for " + method_name(*wanted) +
          ", which we already sent; the responder accepts none of our key exchanges");
    }
    return InitRetry{*wanted};
  }
  if (const auto* n = find_error_notify(m->payloads)) return refused_by(*n, "IKE_SA_INIT");
  const auto* sa_payload = find_payload<SaPayload>(m->payloads);
  const auto* ke = find_payload<KePayload>(m->payloads);
  const auto* nonce = find_payload<NoncePayload>(m->payloads);
  if (sa_payload == nullptr || ke == nullptr || nonce == nullptr) {
    return unexpected_init("SA, KE or Nr missing");
  }
  if (h.spi_r == Spi{}) return unexpected_init("SPIr is zero");
  auto chosen = choose(*sa_payload, settings);
  if (!chosen) return chosen.error();
  if (chosen->ke != sa.pending_ke->method() || ke->method != sa.pending_ke->method()) {
    return core::make_error(exchange_errc::no_acceptable_proposal,
                            "IKE_SA_INIT: the responder's KE method differs from the chosen one");
  }
  sa.spi_r = h.spi_r;
  if (auto ok = detect_nat(sa, *m, endpoints); !ok) return ok.error();
  auto shared = sa.pending_ke->finish(ke->data);
  if (!shared) {
    return core::make_error(exchange_errc::key_exchange_failed,
                            "IKE_SA_INIT: " + shared.error().message());
  }
  sa.nr = nonce->data;
  sa.selected = *chosen;
  sa.prf = chosen->prf;
  sa.intermediate_supported =
      find_notify(m->payloads, NotifyType::intermediate_exchange_supported) != nullptr;
  sa.fragmentation = announces_fragmentation(m->payloads);
  if (chosen->ke1 && !sa.intermediate_supported) {
    return core::make_error(exchange_errc::peer_refused,
                            "IKE_SA_INIT: ADDKE1 chosen but no INTERMEDIATE_EXCHANGE_SUPPORTED");
  }
  auto keys =
      initial_ike_keys(sa.prf, IkeKeySizes{}, sa.ni, sa.nr, shared->span(), sa.spi_i, sa.spi_r);
  if (!keys) return keys.error();
  sa.keys = std::move(*keys);
  sa.int_auth = IntAuth(sa.prf);
  sa.init_response.assign(datagram.begin(), datagram.end());
  sa.pending_ke.reset();
  sa.next_request_id = 1;
  return InitDone{};
}

}  // namespace pqbranch::ikev2
