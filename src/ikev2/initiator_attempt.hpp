#pragma once
// One IKE SA of the initiator machine from IKE_SA_INIT to its deletion, with its outstanding
// request (internal to ikev2).

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/fragment_reassembler.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/ikev2/initiator_actions.hpp"
#include "pqbranch/ikev2/retransmit.hpp"

namespace pqbranch::ikev2 {

// On the NAT-T port (RFC 3948 §2.2, §2.3): IKE messages follow four zero bytes (the non-ESP
// marker); a NAT keepalive is the single byte 0xFF.
inline constexpr std::array<std::uint8_t, 4> kNonEspMarker{0, 0, 0, 0};
inline constexpr std::uint8_t kNatKeepalive = 0xFF;

enum class Phase : std::uint8_t { init, intermediate, auth, established, deleting, done };

[[nodiscard]] constexpr const char* to_string(Phase p) noexcept {
  switch (p) {
    case Phase::init:
      return "IKE_SA_INIT";
    case Phase::intermediate:
      return "IKE_INTERMEDIATE";
    case Phase::auth:
      return "IKE_AUTH";
    case Phase::established:
      return "established";
    case Phase::deleting:
      return "deleting";
    case Phase::done:
      return "done";
  }
  return "?";
}

// What the outstanding request of an established IKE SA is: one at a time (RFC 7296 §2.3,
// a window of one).
// forgotten: a CREATE_CHILD_SA or IKE_FOLLOWUP_KE of a CHILD SA rekey whose CHILD SA the
// responder deleted (RFC 7296 §2.25.1) or replaced meanwhile; delete_stray: our Delete of
// the CHILD SA such a rekey made at the responder anyway, of the redundant one of a rekey
// collision (RFC 7296 §2.8.1), or of the responder's redundant one it did not delete.
enum class Request : std::uint8_t {
  liveness,
  child_rekey,
  followup_ke,
  delete_child,
  ike_rekey,
  forgotten,
  delete_stray
};

[[nodiscard]] constexpr const char* to_string(Request r) noexcept {
  switch (r) {
    case Request::liveness:
      return "liveness check";
    case Request::child_rekey:
      return "CREATE_CHILD_SA";
    case Request::followup_ke:
      return "IKE_FOLLOWUP_KE";
    case Request::delete_child:
      return "Delete of the replaced CHILD SA";
    case Request::ike_rekey:
      return "CREATE_CHILD_SA rekeying the IKE SA";
    case Request::forgotten:
      return "rekey of a deleted CHILD SA";
    case Request::delete_stray:
      return "Delete of a redundant CHILD SA";
  }
  return "?";
}

// What the kernel step being waited for is for.
enum class StepFor : std::uint8_t {
  auth_spi,
  install,
  rekey_spi,
  rekey_install,
  peer_rekey_spi,       // the responder's CHILD SA rekey: our inbound SPI
  peer_rekey_inbound,   // its new inbound SA, before our last answer goes
  peer_rekey_outbound,  // its new outbound SA, once the replaced CHILD SA is deleted
};

struct Attempt {
  explicit Attempt(RetransmitPolicy policy) : retransmit(policy) {}
  IkeSa sa;
  Phase phase = Phase::init;
  KeMethod method = KeMethod::none;
  // The outstanding request's datagrams as sent: one, or its RFC 7383 fragments; a
  // retransmission sends the same ones.
  std::vector<std::vector<std::uint8_t>> request;
  FragmentReassembler reassembler;  // the responder's fragments, under its SK_er
  Retransmitter retransmit;
  core::Clock::time_point established_at{};
  // The last authenticated message from the responder (dead peer detection).
  core::Clock::time_point heard{};
  // The last datagram we sent the responder (NAT keepalives).
  core::Clock::time_point sent{};
  bool installed = false;
  std::uint64_t drops_at_send = 0;  // the machine's dropped datagrams when the request went
  // The kernel step (AllocateSpi before IKE_AUTH, InstallPair after it, the same for a CHILD
  // SA rekey) being waited for.
  std::optional<StepId> step;
  StepFor step_for = StepFor::auth_spi;
  Request request_kind = Request::liveness;  // of an established IKE SA's request
  // CHILD SA rekeys (initiator_child_rekey.cpp): when the next one is due; the new CHILD SA
  // while its pair goes in; the replaced one until its Delete is answered (its outbound SA
  // goes when the drain ends).
  core::Clock::time_point child_installed_at{};
  std::optional<core::Clock::time_point> child_rekey_at;
  std::optional<ChildSa> rekeyed;
  std::optional<ChildSa> old_child;
  core::Clock::time_point old_drain_until{};
  bool old_outbound_deleted = false;
  bool old_deleted_by_peer = false;  // the responder deleted the replaced CHILD SA: no Delete
  // Request::forgotten: the exchange outstanding and the inbound SPI it offered.
  ExchangeType forgotten_exchange = ExchangeType::create_child_sa;
  std::uint32_t forgotten_spi = 0;
  // CHILD SA rekeys the responder starts (initiator_peer_rekey.cpp): our last answer while
  // the new inbound SA goes in; then the new CHILD SA, inbound only until the responder
  // deletes the one it replaces (or peer_outbound_by passes).
  std::optional<PeerRequest> held_answer;
  std::optional<ChildSa> peer_rekeyed;
  core::Clock::time_point peer_outbound_by{};
  std::optional<PeerRequest> last_answer;  // resent when the responder repeats a request
  // A rekey collision (RFC 7296 §2.8.1, initiator_rekey_collision.cpp): the lower nonce of the
  // responder's rekey answered while our CREATE_CHILD_SA of the same CHILD SA (or, §2.8.2,
  // initiator_ike_collision.cpp, ours rekeying the IKE SA) was out, until our response
  // decides; then, when ours won, the responder's new CHILD SA (inbound only)
  // until the responder deletes it, or we do at redundant_by.
  std::optional<std::vector<std::uint8_t>> crossing_nonce;
  // Our response to the exchange a crossing waited for is here: the crossing's nonce taken,
  // whether our exchange (our rekey's Ni and the responder's Nr) holds the lowest of the four
  // nonces (RFC 7296 §2.8); nullopt without a crossing (initiator_rekey_collision.cpp).
  std::optional<bool> decide_crossing();
  // The responder's new IKE SA of a collision, complete before our response decided: held
  // (without the CHILD SA, which stays in `sa`) until it does.
  std::optional<IkeSa> crossed_ike;
  // Our IKE SA rekey is not started before this (after a TEMPORARY_FAILURE).
  core::Clock::time_point ike_rekey_after{};
  std::optional<ChildSa> redundant;
  core::Clock::time_point redundant_by{};
  // The last refusal in an IKE_SA_INIT response: unauthenticated, so it ends the attempt
  // only if no acceptable response comes before the request times out (RFC 7296 §2.21.1).
  std::optional<core::Error> init_refusal;
};

}  // namespace pqbranch::ikev2
