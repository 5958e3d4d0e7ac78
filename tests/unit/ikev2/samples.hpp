#pragma once
// Sample payloads and messages for the ikev2 unit tests: one of every type we build.

#include <cstdint>
#include <vector>

#include "pqbranch/ikev2/message.hpp"

namespace pqbranch::ikev2::samples {

inline SaPayload sample_sa() {
  // AES-GCM-16-256 / PRF-HMAC-SHA2-384 / ECP-384 + ADDKE1 ML-KEM-1024, then Curve25519 +
  // ML-KEM-768 (the default proposals, config::kDefaultIkeProposals).
  Proposal p1{1, ProtocolId::ike, {}, {}};
  p1.transforms = {
      {TransformType::encr, static_cast<std::uint16_t>(EncrId::aes_gcm_16), 256, false},
      {TransformType::prf, static_cast<std::uint16_t>(IkePrf::hmac_sha384), {}, false},
      {TransformType::ke, static_cast<std::uint16_t>(KeMethod::ecp384), {}, false},
      {TransformType::addke1, static_cast<std::uint16_t>(KeMethod::mlkem1024), {}, false}};
  Proposal p2 = p1;
  p2.number = 2;
  p2.transforms[2].id = static_cast<std::uint16_t>(KeMethod::x25519);
  p2.transforms[3].id = static_cast<std::uint16_t>(KeMethod::mlkem768);
  return SaPayload{{p1, p2}};
}

inline SaPayload sample_esp_sa() {
  Proposal p{1, ProtocolId::esp, {0xc0, 0x01, 0x02, 0x03}, {}};
  p.transforms = {{TransformType::encr, static_cast<std::uint16_t>(EncrId::aes_gcm_16), 256, false},
                  {TransformType::esn, static_cast<std::uint16_t>(EsnId::esn), {}, false}};
  return SaPayload{{p}};
}

inline KePayload sample_ke() {
  return KePayload{KeMethod::x25519, std::vector<std::uint8_t>(32, 0x42)};
}

inline TsPayload sample_ts(bool initiator) {
  TsPayload ts;
  ts.initiator = initiator;
  ts.selectors.push_back(selector_for(core::IpPrefix::parse("10.1.0.0/16").value()));
  ts.selectors.push_back(selector_for(core::IpPrefix::parse("2001:db8::/48").value()));
  return ts;
}

inline std::vector<Payload> all_payloads() {
  std::vector<Payload> p;
  p.emplace_back(sample_sa());
  p.emplace_back(sample_ke());
  p.emplace_back(NoncePayload{std::vector<std::uint8_t>(32, 0x17)});
  p.emplace_back(make_notify(NotifyType::intermediate_exchange_supported));
  p.emplace_back(
      make_notify(NotifyType::nat_detection_source_ip, std::vector<std::uint8_t>(20, 1)));
  p.emplace_back(make_id(true, IdType::fqdn, "initiator.pqb.test"));
  p.emplace_back(CertPayload{CertEncoding::x509_signature, {0x30, 0x03, 0x02, 0x01, 0x05}});
  p.emplace_back(CertReqPayload{CertEncoding::x509_signature, {CaHash{1}, CaHash{2}}});
  p.emplace_back(make_id(false, IdType::ipv4_addr, std::string_view("\xc0\x00\x02\x02", 4)));
  p.emplace_back(AuthPayload{AuthMethod::shared_key_mic, std::vector<std::uint8_t>(48, 0x33)});
  p.emplace_back(sample_esp_sa());
  p.emplace_back(sample_ts(true));
  p.emplace_back(sample_ts(false));
  p.emplace_back(DeletePayload{ProtocolId::esp, {0xc0010203, 0xc0010204}});
  p.emplace_back(VendorIdPayload{{'p', 'q', 'b'}});
  return p;
}

inline Header sample_header(ExchangeType exchange = ExchangeType::ike_sa_init) {
  Header h;
  h.spi_i = {1, 2, 3, 4, 5, 6, 7, 8};
  h.spi_r = {9, 10, 11, 12, 13, 14, 15, 16};
  h.exchange = exchange;
  h.flags = kFlagInitiator;
  h.message_id = 7;
  return h;
}

}  // namespace pqbranch::ikev2::samples
