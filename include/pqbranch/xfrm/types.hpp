#pragma once
// Typed parameters of the kernel's IPsec databases (SAD and SPD), as pqbranch uses them.
// Values only: no netlink or libnl types here. Numbers are host order; the message
// builders (netlink_messages.hpp) convert to the kernel's layouts in <linux/xfrm.h>.
//
// Choices fixed by design (see shared notes on kernel XFRM):
// - ESP only, AEAD only: rfc4106(gcm(aes)) with a 256-bit key + 32-bit salt, ICV 128 bits.
// - Replay protection through XFRMA_REPLAY_ESN_VAL with a window of at least 1024 (inbound).
// - One reqid per tunnel (not per generation); SPI changes on every rotation.

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/ipsec.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::xfrm {

// IPPROTO_ESP. The enum leaves room for AH, which pqbranch does not install.
enum class Proto : std::uint8_t { esp = 50 };
// XFRM_MODE_TRANSPORT / XFRM_MODE_TUNNEL.
enum class Mode : std::uint8_t { transport = 0, tunnel = 1 };
// XFRM_SA_DIR_IN / XFRM_SA_DIR_OUT (XFRMA_SA_DIR, Linux 6.10+).
enum class SaDirection : std::uint8_t { in = 1, out = 2 };
// XFRM_POLICY_IN / OUT / FWD.
enum class PolicyDirection : std::uint8_t { in = 0, out = 1, fwd = 2 };
// XFRM_POLICY_ALLOW / XFRM_POLICY_BLOCK.
enum class PolicyAction : std::uint8_t { allow = 0, block = 1 };

const char* to_string(Proto p) noexcept;
const char* to_string(Mode m) noexcept;
const char* to_string(SaDirection d) noexcept;
const char* to_string(PolicyDirection d) noexcept;
const char* to_string(PolicyAction a) noexcept;

// The AEAD pqbranch installs (RFC 4106): key = 32 bytes of AES-256 key + 4 bytes of salt.
inline constexpr const char* kAeadName = "rfc4106(gcm(aes))";
inline constexpr std::size_t kAeadKeyBytes = 36;
inline constexpr std::uint32_t kIcvBits = 128;
// Inbound replay window bounds: at least 1024 (our rule); at most 4096, because the kernel
// caps the ESN bitmap at XFRMA_REPLAY_ESN_MAX / sizeof(__u32) / 8 = 128 words.
inline constexpr std::uint32_t kMinReplayWindow = 1024;
inline constexpr std::uint32_t kMaxReplayWindow = 4096;
using core::kMinSpi;
// UDP_ENCAP_ESPINUDP (RFC 3948), the only encapsulation pqbranch uses.
inline constexpr std::uint16_t kEncapEspInUdp = 2;
inline constexpr std::uint16_t kNatTPort = 4500;
// "No limit" for byte and packet lifetimes (XFRM_INF).
inline constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

// An SA's identity in the kernel: the inbound lookup key (RFC 4301 §4.1) plus the mark
// the SA was installed with (the kernel looks SAs up within a mark).
struct SaId {
  core::IpAddress dst;
  std::uint32_t spi = 0;
  Proto proto = Proto::esp;
  std::uint32_t mark_value = 0;
  std::uint32_t mark_mask = 0;

  friend bool operator==(const SaId&, const SaId&) = default;
};
std::string to_string(const SaId& id);  // "spi 0x00001234 dst 10.0.0.2"

// XFRMA_MARK: matches packets whose mark & mask == value. mask 0 = no mark.
struct Mark {
  std::uint32_t value = 0;
  std::uint32_t mask = 0;

  friend bool operator==(const Mark&, const Mark&) = default;
};

// Traffic selector (struct xfrm_selector). Port 0 with proto 0 means any; a nonzero port
// is matched exactly. src and dst must be of the same family.
struct Selector {
  core::IpPrefix src;
  core::IpPrefix dst;
  std::uint8_t proto = 0;  // IPPROTO_*, 0 = any
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;

  [[nodiscard]] core::Family family() const noexcept { return dst.family(); }
  friend bool operator==(const Selector&, const Selector&) = default;
};
std::string to_string(const Selector& s);  // "10.1.0.0/16 -> 10.2.0.0/16 proto 0"

// SA lifetimes (struct xfrm_lifetime_cfg). Byte/packet limits use kNoLimit for none;
// add-time limits are seconds since the SA was added, 0 = none. Soft expiry makes the SA
// "dying" (still used, but loses outbound selection to a non-dying SA) and emits a soft
// expire event; hard expiry deletes it and emits a hard expire event.
struct Lifetime {
  std::uint64_t soft_bytes = kNoLimit;
  std::uint64_t hard_bytes = kNoLimit;
  std::uint64_t soft_packets = kNoLimit;
  std::uint64_t hard_packets = kNoLimit;
  std::chrono::seconds soft_add{0};
  std::chrono::seconds hard_add{0};

  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

// NAT-T (struct xfrm_encap_tmpl, RFC 3948): ESP in UDP between src_port and dst_port.
// original_address is the peer's address before NAT (encap_oa); unset = none.
struct Encap {
  std::uint16_t type = kEncapEspInUdp;
  std::uint16_t src_port = kNatTPort;
  std::uint16_t dst_port = kNatTPort;
  std::optional<core::IpAddress> original_address;

  friend bool operator==(const Encap&, const Encap&) = default;
};

// Everything about an SA but its key: a plain value, copied as a whole.
struct SaParameters {
  core::IpAddress src;
  core::IpAddress dst;
  std::uint32_t spi = 0;
  Proto proto = Proto::esp;
  std::uint32_t reqid = 0;
  Mode mode = Mode::tunnel;
  SaDirection direction = SaDirection::out;
  Lifetime lifetime;
  // Extended sequence numbers (RFC 4303 §2.2.1). Without ESN, lifetime.hard_packets must be
  // below 2^32 so the sequence number never wraps.
  bool esn = true;
  // Inbound anti-replay window in packets [kMinReplayWindow, kMaxReplayWindow]. Ignored for
  // outbound SAs: with XFRMA_SA_DIR=out the kernel requires a window of 0, so 0 is sent.
  std::uint32_t replay_window = kMinReplayWindow;
  std::optional<Encap> encap;
  std::uint32_t if_id = 0;  // XFRMA_IF_ID; route mode: the xfrm interface's if_id
  Mark mark;
  // XFRMA_SET_MARK: marks packets after processing; never selects the SA.
  std::optional<Mark> output_mark;
  // Inner traffic the SA may carry; unset = any (what tunnel mode normally uses).
  std::optional<Selector> selector;

  [[nodiscard]] core::Family family() const noexcept { return dst.family(); }
  [[nodiscard]] SaId id() const { return {dst, spi, proto, mark.value, mark.mask}; }
};

// One SA to install (ADDSA) or complete/update (UPDSA): its parameters and its key.
// Move-only because of the key; clone() makes the explicit copy (the parameters as a whole,
// so a new field cannot be forgotten there).
struct Sa : SaParameters {
  // AEAD rfc4106(gcm(aes)): kAeadKeyBytes (key || salt). ICV is always kIcvBits.
  core::SecureBytes aead_key;

  [[nodiscard]] Sa clone() const {
    Sa copy;
    static_cast<SaParameters&>(copy) = *this;
    copy.aead_key = aead_key.clone();
    return copy;
  }
};

// ALLOCSPI parameters: the larval SA the kernel creates carries these, and the SA that
// completes it (UPDSA) must repeat them (addresses, reqid, mode, if_id, mark, direction).
struct SpiRequest {
  core::IpAddress src;
  core::IpAddress dst;
  Proto proto = Proto::esp;
  std::uint32_t reqid = 0;
  Mode mode = Mode::tunnel;
  SaDirection direction = SaDirection::in;
  std::uint32_t if_id = 0;
  Mark mark;
  std::uint32_t min_spi = kMinSpi;  // inclusive range the kernel picks from
  std::uint32_t max_spi = std::numeric_limits<std::uint32_t>::max();
};

// Counters of an installed SA (struct xfrm_lifetime_cur + struct xfrm_stats).
struct SaCounters {
  std::uint64_t bytes = 0;
  std::uint64_t packets = 0;
  // Wall-clock second the SA was added / first used (0 = never), as the kernel keeps them.
  std::chrono::sys_seconds add_time{};
  std::chrono::sys_seconds use_time{};
  std::uint32_t replay_errors = 0;
  std::uint32_t integrity_failures = 0;
};

// An SA as the kernel reports it (get_sa, list_sas). Never carries key material.
struct SaState {
  core::IpAddress src;
  core::IpAddress dst;
  std::uint32_t spi = 0;
  Proto proto = Proto::esp;
  std::uint32_t reqid = 0;
  Mode mode = Mode::tunnel;
  std::optional<SaDirection> direction;  // unset when installed without XFRMA_SA_DIR
  std::uint32_t if_id = 0;
  Mark mark;
  std::optional<Mark> output_mark;
  std::optional<Encap> encap;
  std::optional<Selector> selector;  // unset when the selector is "any"
  Lifetime lifetime;
  SaCounters current;
  bool esn = false;
  std::uint32_t replay_window = 0;
  std::string algorithm;  // "rfc4106(gcm(aes))"; empty for a larval SA
  bool larval = false;    // created by ALLOCSPI, not completed yet (no algorithm)
  bool owned = false;     // per Ownership (ownership.hpp)

  [[nodiscard]] SaId id() const { return {dst, spi, proto, mark.value, mark.mask}; }
};

// A policy template (struct xfrm_user_tmpl): which SA protects matching traffic.
struct PolicyTemplate {
  core::IpAddress src;  // tunnel endpoints (tunnel mode)
  core::IpAddress dst;
  Proto proto = Proto::esp;
  std::uint32_t reqid = 0;
  Mode mode = Mode::tunnel;
  std::optional<std::uint32_t> spi;  // pins the template to one SA; unset = any SPI

  friend bool operator==(const PolicyTemplate&, const PolicyTemplate&) = default;
};

// A security policy (struct xfrm_userpolicy_info + XFRMA_TMPL, XFRMA_IF_ID, XFRMA_MARK).
// allow without templates = bypass; allow with templates = protect; block = drop.
struct Policy {
  Selector selector;
  PolicyDirection direction = PolicyDirection::out;
  PolicyAction action = PolicyAction::allow;
  std::uint32_t priority = 0;  // lower value = preferred
  std::vector<PolicyTemplate> templates;
  std::uint32_t if_id = 0;
  Mark mark;

  friend bool operator==(const Policy&, const Policy&) = default;
};

// What identifies a policy for DELPOLICY/GETPOLICY: selector, direction, mark and if_id.
struct PolicyId {
  Selector selector;
  PolicyDirection direction = PolicyDirection::out;
  std::uint32_t if_id = 0;
  Mark mark;

  friend bool operator==(const PolicyId&, const PolicyId&) = default;
};
PolicyId id_of(const Policy& p);
std::string to_string(const PolicyId& id);  // "out 10.1.0.0/16 -> 10.2.0.0/16 proto 0"

// A policy as the kernel reports it.
struct PolicyState {
  Policy policy;
  std::uint32_t index = 0;  // kernel-assigned
  bool owned = false;
};

// An xfrm interface (route mode): traffic routed into it is encrypted with SAs and
// policies of the same if_id. underlying = device the ESP packets leave through; empty =
// none (the route decides).
struct XfrmInterface {
  std::string name;
  std::uint32_t if_id = 0;
  std::string underlying;
};

}  // namespace pqbranch::xfrm
