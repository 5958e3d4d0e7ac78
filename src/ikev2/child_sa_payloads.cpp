#include "pqbranch/ikev2/child_sa_payloads.hpp"

#include <algorithm>
#include <span>
#include <string>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::uint16_t kAesKeyBits = 256;

core::Error refused(std::string_view exchange, const std::string& why) {
  return core::make_error(exchange_errc::no_acceptable_proposal,
                          std::string(exchange) + ": " + why);
}

}  // namespace

SaPayload esp_sa_payload(std::uint32_t spi, const config::EspProposal& ke) {
  Proposal p;
  p.number = 1;
  p.protocol = ProtocolId::esp;
  p.spi = detail::bytes32(spi);
  p.transforms.push_back(make_transform(
      TransformType::encr, static_cast<std::uint16_t>(EncrId::aes_gcm_16), kAesKeyBits));
  if (ke.ke != KeMethod::none) {
    p.transforms.push_back(make_transform(TransformType::ke, static_cast<std::uint16_t>(ke.ke)));
  }
  if (ke.ke1) {
    p.transforms.push_back(
        make_transform(TransformType::addke1, static_cast<std::uint16_t>(*ke.ke1)));
  }
  p.transforms.push_back(
      make_transform(TransformType::esn, static_cast<std::uint16_t>(EsnId::esn)));
  return SaPayload{{std::move(p)}};
}

core::Result<std::uint32_t> check_esp_proposal(const std::vector<Payload>& payloads,
                                               const config::EspProposal& ke,
                                               std::string_view exchange) {
  const auto* sa = find_payload<SaPayload>(payloads);
  if (sa == nullptr || sa->proposals.size() != 1) {
    return refused(exchange, "the response has no single CHILD SA proposal");
  }
  const auto& p = sa->proposals[0];
  bool encr = false;
  bool esn = false;
  bool offered = true;
  std::optional<std::uint16_t> method;
  std::optional<std::uint16_t> method1;
  for (const auto& t : p.transforms) {
    if (t.type == TransformType::encr && !encr &&
        t.id == static_cast<std::uint16_t>(EncrId::aes_gcm_16) && t.key_length == kAesKeyBits) {
      encr = true;
    } else if (t.type == TransformType::esn && !esn &&
               t.id == static_cast<std::uint16_t>(EsnId::esn)) {
      esn = true;
    } else if (t.type == TransformType::ke && !method) {
      method = t.id;
    } else if (t.type == TransformType::addke1 && !method1) {
      method1 = t.id;
    } else if (!(t.type == TransformType::integ && t.id == 0)) {
      offered = false;  // anything else was not offered
      break;
    }
  }
  // KE method NONE (0) is the same as no KE transform; so is ADDKE1 NONE.
  const bool ke_ok = method.value_or(0) == static_cast<std::uint16_t>(ke.ke);
  const bool ke1_ok =
      method1.value_or(0) == static_cast<std::uint16_t>(ke.ke1.value_or(KeMethod::none));
  if (p.protocol != ProtocolId::esp || p.spi.size() != 4 || !encr || !esn || !offered || !ke_ok ||
      !ke1_ok) {
    return refused(exchange, "the responder chose a CHILD SA we did not offer");
  }
  const std::uint32_t spi = detail::get32(p.spi, 0);
  if (spi < 256) return refused(exchange, "reserved ESP SPI " + std::to_string(spi));
  return spi;
}

std::optional<EspChoice> select_esp_proposal(const SaPayload& sa, const config::EspProposal& ke) {
  const auto offers = [](const Proposal& p, TransformType type, std::uint16_t id) {
    bool any = false;
    for (const auto& t : p.transforms) {
      if (t.type != type) continue;
      any = true;
      if (t.id == id && (type != TransformType::encr || t.key_length == kAesKeyBits)) return true;
    }
    return !any && id == 0;  // no transform of a key exchange type: NONE
  };
  for (const auto& p : sa.proposals) {
    if (p.protocol != ProtocolId::esp || p.spi.size() != 4) continue;
    if (offers(p, TransformType::encr, static_cast<std::uint16_t>(EncrId::aes_gcm_16)) &&
        offers(p, TransformType::esn, static_cast<std::uint16_t>(EsnId::esn)) &&
        offers(p, TransformType::ke, static_cast<std::uint16_t>(ke.ke)) &&
        offers(p, TransformType::addke1,
               static_cast<std::uint16_t>(ke.ke1.value_or(KeMethod::none)))) {
      const std::uint32_t spi = detail::get32(p.spi, 0);
      if (spi >= 256) return EspChoice{p.number, spi};
    }
  }
  return std::nullopt;
}

std::optional<core::IpPrefix> selector_prefix(const TrafficSelector& ts) {
  if (ts.ip_protocol != 0 || ts.start_port != 0 || ts.end_port != 65535 ||
      ts.start.family() != ts.end.family()) {
    return std::nullopt;
  }
  const auto start = ts.start.bytes();
  const auto end = ts.end.bytes();
  const std::size_t bits = start.size() * 8;
  for (std::size_t length = 0; length <= bits; ++length) {
    bool ok = true;
    for (std::size_t bit = 0; bit < bits && ok; ++bit) {
      const int s = (start[bit / 8] >> (7 - bit % 8)) & 1;
      const int e = (end[bit / 8] >> (7 - bit % 8)) & 1;
      ok = bit < length ? s == e : (s == 0 && e == 1);
    }
    if (ok) {
      auto prefix = core::IpPrefix::make(ts.start, static_cast<std::uint8_t>(length));
      if (prefix) return *prefix;
    }
  }
  return std::nullopt;
}

TsPayload ts_payload(bool initiator, const std::vector<core::IpPrefix>& prefixes) {
  TsPayload ts{initiator, {}};
  for (const auto& p : prefixes)
    ts.selectors.push_back(selector_for(p));
  return ts;
}

core::Result<std::vector<core::IpPrefix>> narrowed(const TsPayload* ts,
                                                   const std::vector<core::IpPrefix>& ours,
                                                   std::string_view which,
                                                   std::string_view exchange) {
  if (ts == nullptr || ts->selectors.empty()) {
    return core::make_error(exchange_errc::traffic_selectors,
                            std::string(exchange) + ": the response has no " + std::string(which));
  }
  std::vector<core::IpPrefix> out;
  for (const auto& selector : ts->selectors) {
    const auto prefix = selector_prefix(selector);
    const bool inside = prefix && std::ranges::any_of(ours, [&](const core::IpPrefix& o) {
                          return o.family() == prefix->family() && o.length() <= prefix->length() &&
                                 o.contains(prefix->address());
                        });
    if (!inside) {
      return core::make_error(exchange_errc::traffic_selectors,
                              std::string(exchange) + ": the responder's " + std::string(which) +
                                  " " + selector.start.to_string() + "-" +
                                  selector.end.to_string() + " is not within ours");
    }
    out.push_back(*prefix);
  }
  return out;
}

bool covers(const TsPayload* ts, const std::vector<core::IpPrefix>& ours) {
  if (ts == nullptr) return false;
  return std::ranges::all_of(ours, [&](const core::IpPrefix& prefix) {
    const TrafficSelector mine = selector_for(prefix);
    return std::ranges::any_of(ts->selectors, [&](const TrafficSelector& s) {
      return s.ip_protocol == 0 && s.start_port == 0 && s.end_port == 65535 &&
             s.start.family() == mine.start.family() && s.end.family() == mine.end.family() &&
             s.start <= mine.start && mine.end <= s.end;
    });
  });
}

}  // namespace pqbranch::ikev2
