#pragma once
// IKEv2 protocol numbers (IANA "Internet Key Exchange Version 2 (IKEv2) Parameters"), with
// the RFC that defines each. Enums are open: any 8- or 16-bit value can be held, so an
// unknown number received from a peer is representable and can be skipped or refused.

#include <cstdint>

#include "pqbranch/config/ike_transforms.hpp"

namespace pqbranch::ikev2 {

// RFC 7296 §3.1; IKE_INTERMEDIATE RFC 9242 §3; IKE_FOLLOWUP_KE RFC 9370 §2.
enum class ExchangeType : std::uint8_t {
  ike_sa_init = 34,
  ike_auth = 35,
  create_child_sa = 36,
  informational = 37,
  ike_intermediate = 43,
  ike_followup_ke = 44,
};

// RFC 7296 §3.2 (Next Payload values); SKF RFC 7383.
enum class PayloadType : std::uint8_t {
  none = 0,
  sa = 33,
  ke = 34,
  id_i = 35,
  id_r = 36,
  cert = 37,
  certreq = 38,
  auth = 39,
  nonce = 40,
  notify = 41,
  del = 42,
  vendor_id = 43,
  ts_i = 44,
  ts_r = 45,
  sk = 46,
  cp = 47,
  eap = 48,
  skf = 53,
};

// RFC 7296 §3.3.1 Protocol ID.
enum class ProtocolId : std::uint8_t { none = 0, ike = 1, ah = 2, esp = 3 };

// RFC 7296 §3.3.2 Transform Type; ADDKE1..7 = 6..12 RFC 9370 §2.2.
enum class TransformType : std::uint8_t {
  encr = 1,
  prf = 2,
  integ = 3,
  ke = 4,  // "D-H" in RFC 7296, renamed Key Exchange Method by RFC 9370
  esn = 5,
  addke1 = 6,
  addke2 = 7,
  addke3 = 8,
  addke4 = 9,
  addke5 = 10,
  addke6 = 11,
  addke7 = 12,
};

// Transform IDs for type 1 (RFC 7296 §3.3.2; AES-GCM with 16-octet ICV RFC 5282 §7).
enum class EncrId : std::uint16_t { aes_cbc = 12, aes_gcm_16 = 20 };
// Types 2 (PRF) and 4, 6..12 (key exchange): config::IkePrf and config::KeMethod.
using config::IkePrf;
using config::KeMethod;
// Type 3; NONE is sent with an AEAD only for ESP, where it may be omitted.
enum class IntegId : std::uint16_t { none = 0, hmac_sha2_256_128 = 12 };
// Type 5.
enum class EsnId : std::uint16_t { no_esn = 0, esn = 1 };

// RFC 7296 §3.3.5 transform attribute types.
inline constexpr std::uint16_t kAttributeKeyLength = 14;

// RFC 7296 §3.5 ID Type.
enum class IdType : std::uint8_t {
  ipv4_addr = 1,
  fqdn = 2,
  rfc822_addr = 3,
  ipv6_addr = 5,
  der_asn1_dn = 9,
  der_asn1_gn = 10,
  key_id = 11,
};

// RFC 7296 §3.6 Certificate Encoding.
enum class CertEncoding : std::uint8_t { x509_signature = 4, hash_and_url_x509 = 12 };

// RFC 7296 §3.8 Auth Method; 14 is RFC 7427 §3.
enum class AuthMethod : std::uint8_t {
  rsa_signature = 1,
  shared_key_mic = 2,
  dss_signature = 3,
  digital_signature = 14,
};

// RFC 7427 §4 / RFC 8420: hash algorithms in SIGNATURE_HASH_ALGORITHMS.
enum class SignatureHash : std::uint16_t {
  sha1 = 1,
  sha2_256 = 2,
  sha2_384 = 3,
  sha2_512 = 4,
  identity = 5
};

// RFC 7296 §3.13.1 TS Type.
enum class TsType : std::uint8_t { ipv4_addr_range = 7, ipv6_addr_range = 8 };

// RFC 7296 §3.10.1 Notify Message Types. Below 16384: errors; from 16384: status.
enum class NotifyType : std::uint16_t {
  unsupported_critical_payload = 1,
  invalid_ike_spi = 4,
  invalid_major_version = 5,
  invalid_syntax = 7,
  invalid_message_id = 9,
  invalid_spi = 11,
  no_proposal_chosen = 14,
  invalid_ke_payload = 17,
  authentication_failed = 24,
  single_pair_required = 34,
  no_additional_sas = 35,
  internal_address_failure = 36,
  failed_cp_required = 37,
  ts_unacceptable = 38,
  invalid_selectors = 39,
  temporary_failure = 43,
  child_sa_not_found = 44,
  state_not_found = 47,  // RFC 9370 §2.2.4
  initial_contact = 16384,
  set_window_size = 16385,
  additional_ts_possible = 16386,
  ipcomp_supported = 16387,
  nat_detection_source_ip = 16388,
  nat_detection_destination_ip = 16389,
  cookie = 16390,
  use_transport_mode = 16391,
  http_cert_lookup_supported = 16392,
  rekey_sa = 16393,
  esp_tfc_padding_not_supported = 16394,
  non_first_fragments_also = 16395,
  mobike_supported = 16396,
  fragmentation_supported = 16430,          // RFC 7383
  signature_hash_algorithms = 16431,        // RFC 7427
  intermediate_exchange_supported = 16438,  // RFC 9242
  additional_key_exchange = 16441,          // RFC 9370
};
[[nodiscard]] constexpr bool is_error(NotifyType t) noexcept {
  return static_cast<std::uint16_t>(t) < 16384;
}

// RFC 7296 §3.1 header flags.
inline constexpr std::uint8_t kFlagInitiator = 0x08;
inline constexpr std::uint8_t kFlagVersion = 0x10;
inline constexpr std::uint8_t kFlagResponse = 0x20;

}  // namespace pqbranch::ikev2
