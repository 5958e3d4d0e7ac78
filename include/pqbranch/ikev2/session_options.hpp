#pragma once
// What one initiator session is configured with (SessionOptions) and what it reports
// (SessionStatus); the machine (initiator_machine.hpp) and its executor
// (initiator_session.hpp) share them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"
#include "pqbranch/ikev2/retransmit.hpp"
#include "pqbranch/xfrm/kernel_steps.hpp"

namespace pqbranch::ikev2 {

struct SessionOptions {
  std::string name;  // the peer's name in logs and metrics
  InitiatorSettings settings;
  core::IpAddress local_address;
  core::IpAddress remote_address;
  std::uint16_t local_port = 500;
  std::uint16_t local_natt_port = 4500;
  std::uint16_t remote_port = 500;        // the responder's IKE port
  std::uint16_t remote_natt_port = 4500;  // and its NAT-T port (RFC 3948)
  std::uint32_t reqid = 0;
  std::uint32_t if_id = 0;  // route mode; 0 in policy mode
  // At rekey_time the IKE SA is rekeyed with CREATE_CHILD_SA (ike_rekey_task.hpp); with
  // `reauthenticate`, or without CHILD SA rekeys (the CHILD SA would reach `lifetime`), a new
  // IKE SA and CHILD SA replace the old ones instead (continuity).
  std::chrono::milliseconds rekey_time = std::chrono::minutes{50};
  bool reauthenticate = false;
  std::chrono::milliseconds lifetime = std::chrono::hours{1};
  // The CHILD SA is rekeyed with CREATE_CHILD_SA this long after it went in; 0: never.
  std::chrono::milliseconds child_rekey_time{0};
  // Continuity: the old outbound SA goes this long after the new pair is in, and only then is
  // the old IKE SA deleted (the responder removes its SAs with it).
  std::chrono::milliseconds outbound_drain = xfrm::kOutboundDrain;
  RetransmitPolicy retransmit;
  std::chrono::milliseconds retry_initial = std::chrono::seconds{5};
  std::chrono::milliseconds retry_max = std::chrono::minutes{2};
  std::chrono::milliseconds dpd_delay = std::chrono::seconds{30};  // 0: off
  // With a NAT on our side: a keepalive after this long without a datagram from us; 0: off.
  std::chrono::milliseconds nat_keepalive = std::chrono::seconds{20};
};

struct SessionStatus {
  std::string state;     // "connecting", "established", "waiting to retry", "stopped"
  std::string proposal;  // of the established IKE SA, e.g. "aes256gcm16-prfsha384-..."
  bool post_quantum = false;
  bool udp_encapsulation = false;
  std::uint32_t inbound_spi = 0;
  std::uint32_t outbound_spi = 0;
  std::uint64_t established = 0;        // IKE SAs established so far
  std::uint64_t child_rekeys = 0;       // CHILD SAs we replaced with CREATE_CHILD_SA so far
  std::uint64_t peer_child_rekeys = 0;  // and those the responder replaced
  std::uint64_t ike_rekeys = 0;         // IKE SAs we rekeyed with CREATE_CHILD_SA
  std::uint64_t peer_ike_rekeys = 0;    // and those the responder rekeyed
  std::string esp_proposal;             // the CHILD SA's rekeys', e.g. "aes256gcm16-ecp384-..."
  // Of the established IKE SA (the machine's clock): when it was made and its CHILD SA went
  // in, when the CHILD SA's next rekey and the IKE SA's replacement are due. Unset otherwise.
  std::optional<core::Clock::time_point> established_at;
  std::optional<core::Clock::time_point> child_installed_at;
  std::optional<core::Clock::time_point> next_child_rekey;
  std::optional<core::Clock::time_point> next_ike_replacement;
  std::string last_error;
};

}  // namespace pqbranch::ikev2
