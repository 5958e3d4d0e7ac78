#pragma once
// [[ikev2.peer]] in agent.toml: one IKEv2 responder the agent keeps a tunnel to as initiator
// (reference: docs/config.md, "[[ikev2.peer]]"; protocol: docs/ikev2.md).
//
// Proposals are written as strongSwan spells them, small and explicit:
//   "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024"   ECP-384 in IKE_SA_INIT, ML-KEM-1024 as ADDKE1
//   "aes256gcm16-prfsha384-mlkem768"               ML-KEM-768 alone in IKE_SA_INIT
// Numbers are the IANA values (RFC 7296 §3.3.2, RFC 9370 §2.2, draft-ietf-ipsecme-ikev2-mlkem).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/config/common_settings.hpp"
#include "pqbranch/config/ike_transforms.hpp"
#include "pqbranch/config/units.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::config {

[[nodiscard]] bool is_ml_kem(KeMethod m) noexcept;
[[nodiscard]] std::string_view to_string(KeMethod m) noexcept;  // "ecp384", "mlkem768"

// One IKE proposal. Encryption is always ENCR_AES_GCM_16 (20) with a 256-bit key.
struct IkeProposal {
  IkePrf prf = IkePrf::hmac_sha384;
  KeMethod ke = KeMethod::ecp384;  // in IKE_SA_INIT
  std::optional<KeMethod> ke1;     // ADDKE1, in IKE_INTERMEDIATE (RFC 9370)

  // Some ML-KEM in the proposal: alone in IKE_SA_INIT or as ADDKE1.
  [[nodiscard]] bool post_quantum() const noexcept { return is_ml_kem(ke) || ke1.has_value(); }
  friend bool operator==(const IkeProposal&, const IkeProposal&) = default;
};
// Syntax: aes256gcm16-prf{sha256,sha384,sha512}-{ecp256,ecp384,x25519,mlkem768,mlkem1024}
// [-ke1_{mlkem768,mlkem1024}]; ADDKE1 only after a classical method. errc::bad_choice
// with the reason otherwise.
core::Result<IkeProposal> parse_ike_proposal(std::string_view text);
std::string to_string(const IkeProposal& p);  // the canonical spelling parse accepts

// The CHILD SA's proposal: ESP with ENCR_AES_GCM_16 (256-bit key) and ESN, and the key
// exchanges a CREATE_CHILD_SA rekey runs for perfect forward secrecy: `ke` in the exchange
// itself, `ke1` (ML-KEM) in an IKE_FOLLOWUP_KE after it (RFC 9370 §2.2.4). The CHILD SA of
// IKE_AUTH has no key exchange of its own (RFC 7296 §1.2), so they are not offered there.
struct EspProposal {
  KeMethod ke = KeMethod::none;  // none: no PFS, KEYMAT from SK_d and the nonces only
  std::optional<KeMethod> ke1;
  [[nodiscard]] bool post_quantum() const noexcept { return is_ml_kem(ke) || ke1.has_value(); }
  friend bool operator==(const EspProposal&, const EspProposal&) = default;
};

// Syntax: aes256gcm16[-{ecp256,ecp384,x25519,mlkem768,mlkem1024}[-ke1_{mlkem768,mlkem1024}]]
// (strongSwan's esp_proposals spelling, with esn implied); errc::bad_choice otherwise.
core::Result<EspProposal> parse_esp_proposal(std::string_view text);
std::string to_string(const EspProposal& p);  // the canonical spelling parse accepts
inline constexpr std::string_view kDefaultEspProposal = "aes256gcm16-ecp384-ke1_mlkem1024";

inline constexpr std::string_view kDefaultIkeProposals[] = {
    "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024",
    "aes256gcm16-prfsha384-x25519-ke1_mlkem768",
};
std::vector<IkeProposal> default_ike_proposals();

// RFC 7296 §3.5 ID types. Written as text: an IP literal is ID_IPV4_ADDR / ID_IPV6_ADDR,
// text with an '@' ID_RFC822_ADDR, anything else ID_FQDN.
enum class IkeIdType : std::uint8_t { ipv4_addr = 1, fqdn = 2, rfc822_addr = 3, ipv6_addr = 5 };
struct IkeIdentity {
  IkeIdType type = IkeIdType::fqdn;
  std::string text;  // as written
  friend bool operator==(const IkeIdentity&, const IkeIdentity&) = default;
};
// Printable ASCII without spaces, 1..255 bytes.
core::Result<IkeIdentity> parse_ike_identity(std::string_view text);

enum class IkeAuth { psk, ecdsa };

inline constexpr std::uint16_t kDefaultFragmentSize = 1280;  // IPv6's minimum MTU
inline constexpr std::uint16_t kMinFragmentSize =
    576;  // RFC 7383 §2.5.1, IPv4  // "psk"; "ecdsa": P-256 certificate, RFC 7427 signature

struct Ikev2PeerSettings {
  std::string name;  // unique; names the peer in logs, status and metrics
  core::IpAddress local_address;
  core::IpAddress remote_address;
  std::uint16_t local_port = 500;        // IKE (RFC 7296 §2.11); the responder's is 500
  std::uint16_t local_natt_port = 4500;  // after NAT detection or when forced (RFC 7296 §2.23)
  IkeIdentity local_id;
  IkeIdentity remote_id;
  IkeAuth auth = IkeAuth::psk;
  // psk: a file holding the secret (0600 or 0400; trailing newlines are not part of it).
  // Never inline: agent.toml is often readable by more than root.
  std::filesystem::path psk_file;
  // ecdsa: this end's certificate and key (P-256), and the CA of the peer's certificate.
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path ca;
  std::vector<IkeProposal> proposals = default_ike_proposals();
  bool allow_classical = false;  // proposals without ML-KEM, and accepting them
  TunnelMode mode = TunnelMode::policy;
  std::vector<core::IpPrefix> local_ts;        // TSi: this side's traffic
  std::vector<core::IpPrefix> remote_ts;       // TSr: the peer's
  std::string interface;                       // route mode: the xfrm interface
  std::uint32_t if_id = 0;                     // route mode (not 0)
  std::uint32_t reqid = 0;                     // inside [ownership], unique
  NatMode nat_traversal = NatMode::automatic;  // "auto" or "force"
  // The IKE SA is rekeyed this long after it was made: with CREATE_CHILD_SA (the CHILD SA
  // moves to the new IKE SA), or, with `reauthenticate` or without CHILD SA rekeys, replaced
  // whole by a new IKE SA and CHILD SA; `lifetime` is the CHILD SA's hard limit in the kernel.
  Duration rekey_time = std::chrono::minutes{50};
  bool reauthenticate = false;
  // The CHILD SA is rekeyed in place (CREATE_CHILD_SA with `esp_proposal`'s key exchanges)
  // this long after it was installed, between the IKE SA's replacements; 0 turns it off.
  Duration child_rekey_time = std::chrono::minutes{20};
  EspProposal esp_proposal = parse_esp_proposal(kDefaultEspProposal).value();
  Duration lifetime = std::chrono::hours{1};
  // Requests are sent again after timeout, 2 x timeout, 4 x timeout, ... `tries` sends in all.
  Duration retransmit_timeout = std::chrono::seconds{2};
  std::uint32_t retransmit_tries = 5;
  // RFC 7383 fragments: the largest IP packet of one fragment (IP and UDP headers included,
  // as strongSwan's charon.fragment_size). 576 is the IPv4 minimum every host reassembles.
  std::uint16_t fragment_size = kDefaultFragmentSize;
  // Dead peer detection: an empty INFORMATIONAL after this long without a message from the
  // peer; 0 turns it off. Not strongSwan's 0: a branch must notice a dead hub before
  // rekey_time (docs/ikev2.md, "Dead peer detection").
  Duration dpd_delay = std::chrono::seconds{30};
  // NAT keepalives (RFC 3948 §4): with a NAT detected on our side, a one-byte 0xFF datagram
  // to the peer's NAT-T port after this long without an IKE message from us; 0 turns them off.
  Duration nat_keepalive = std::chrono::seconds{20};
  friend bool operator==(const Ikev2PeerSettings&, const Ikev2PeerSettings&) = default;
};

}  // namespace pqbranch::config
