#pragma once
// Messages for the RFC 7383 fragmentation tests: the large ones our initiator sends or
// receives, and a key under which they are protected.

#include <cstdint>
#include <vector>

#include "pqbranch/ikev2/message.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

#include "unit/ikev2/samples.hpp"

namespace pqbranch::ikev2::samples {

inline std::vector<std::uint8_t> fragment_key(std::uint8_t fill = 0x3c) {
  return std::vector<std::uint8_t>(kSkKeySize, fill);
}

// Bytes that differ from one offset to the next, so a misplaced piece cannot go unnoticed.
inline std::vector<std::uint8_t> patterned(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::uint8_t>((i * 131U + seed) ^ (i >> 8U));
  }
  return out;
}

// IKE_INTERMEDIATE request with the ML-KEM-1024 encapsulation key (1568 bytes, ADDKE1).
inline Message mlkem1024_intermediate(std::uint32_t message_id = 1) {
  Message m{sample_header(ExchangeType::ike_intermediate), {}};
  m.header.message_id = message_id;
  m.payloads.emplace_back(KePayload{KeMethod::mlkem1024, patterned(1568, 1)});
  return m;
}

// IKE_AUTH request with an end-entity certificate and two CA certificates of ML-DSA-65 size
// (about 5.5 kB each: the codec does not look inside, it only wants a DER SEQUENCE).
inline Message auth_with_certificate_chain(std::uint32_t message_id = 2) {
  Message m{sample_header(ExchangeType::ike_auth), {}};
  m.header.message_id = message_id;
  m.payloads.emplace_back(make_id(true, IdType::fqdn, "branch.pqb.test"));
  for (std::uint8_t i = 0; i < 3; ++i) {
    auto der = patterned(5500 + i, static_cast<std::uint8_t>(10 + i));
    der[0] = 0x30;
    m.payloads.emplace_back(CertPayload{CertEncoding::x509_signature, std::move(der)});
  }
  // The AUTH content does not matter to fragmentation; a signature's size does.
  m.payloads.emplace_back(AuthPayload{AuthMethod::rsa_signature, patterned(3309, 7)});
  m.payloads.emplace_back(sample_esp_sa());
  m.payloads.emplace_back(sample_ts(true));
  m.payloads.emplace_back(sample_ts(false));
  return m;
}

// A small INFORMATIONAL (one Delete payload).
inline Message small_informational(std::uint32_t message_id = 3) {
  Message m{sample_header(ExchangeType::informational), {DeletePayload{ProtocolId::ike, {}}}};
  m.header.message_id = message_id;
  return m;
}

}  // namespace pqbranch::ikev2::samples
