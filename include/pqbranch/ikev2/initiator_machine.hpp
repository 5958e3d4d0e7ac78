#pragma once
// One IKEv2 initiator kept up against one responder, as a pure state machine: events and the
// time in (initiator_events.hpp), actions out (initiator_actions.hpp). No I/O and no clock:
// InitiatorSession is the executor that owns the sockets, the timer and the kernel. The
// exchanges themselves are the tasks (ike_sa_init_task.hpp, ...); this composes them:
// - IKE_SA_INIT (retried with the method INVALID_KE_PAYLOAD names, the COOKIE answered),
//   IKE_INTERMEDIATE when the chosen proposal has ADDKE1, IKE_AUTH with an inbound SPI from
//   AllocateSpi, then the CHILD SA's two halves through InstallPair;
// - message IDs and retransmission (retransmit.hpp); a request that runs out of tries ends
//   the attempt;
// - after NAT detection (or when forced), every message from IKE_INTERMEDIATE/IKE_AUTH on
//   goes to the NAT-T port with the non-ESP marker (RFC 3948 §2.2, RFC 7296 §2.23);
// - the responder's requests: liveness checks answered, Delete of the IKE or CHILD SA
//   removes the kernel's SAs (and a new IKE SA is made after the retry delay);
// - CHILD SA rekeys: child_rekey_time (less up to a tenth, at random) after a CHILD SA went
//   in, CREATE_CHILD_SA replaces it in place (with the ESP proposal's key exchange, then an
//   IKE_FOLLOWUP_KE per additional one); the new pair goes in, the old outbound SA goes after
//   the outbound drain, then a Delete of the old CHILD SA, then its inbound SA. A refused or
//   failed rekey keeps the CHILD SA and is tried again after retry_initial;
// - CHILD SA rekeys the responder starts are answered (initiator_peer_rekey.cpp): an inbound
//   SPI is allocated, the new inbound SA goes in before our last answer is sent (the
//   responder sends on it as soon as it has the answer), the new outbound SA when the
//   responder deletes the CHILD SA it replaced (or kPeerDeleteWait after the answer), the old
//   outbound SA after the drain, then its inbound SA. While a rekey of either side is under
//   way, the responder's gets TEMPORARY_FAILURE and ours waits, except that its rekey
//   crossing our CREATE_CHILD_SA of the same CHILD SA is answered and the nonces decide
//   which pair survives (RFC 7296 §2.8.1, initiator_rekey_collision.cpp);
// - IKE SA rekeys (initiator_ike_rekey.cpp): rekey_time after the IKE SA was made, once no
//   CHILD SA work and no request is under way, CREATE_CHILD_SA (then IKE_FOLLOWUP_KE per
//   additional key exchange) makes the new IKE SA; the CHILD SA moves to it and the old IKE
//   SA is deleted. TEMPORARY_FAILURE retries it after retry_initial (RFC 7296 §2.25); another
//   refusal or a failure falls back to continuity (below). The responder's
//   IKE SA rekeys are answered under the same condition (else TEMPORARY_FAILURE): the new IKE
//   SA, whose original initiator it is, takes the CHILD SA once our last answer is sent, and
//   the responder deletes the old one (or we do, kPeerDeleteWait later). Both sides rekeying
//   the IKE SA at once: both exchanges complete and the nonces decide which new IKE SA
//   takes the CHILD SA (RFC 7296 §2.8.2, initiator_ike_collision.cpp);
// - continuity (with `reauthenticate`, or without CHILD SA rekeys, or after a failed IKE SA
//   rekey): rekey_time after establishment a new IKE SA and CHILD SA are made, the new
//   pair goes in (the kernel prefers the newest outbound SA), the old outbound SA is deleted
//   after the outbound drain (SessionOptions::outbound_drain), then the old IKE SA is deleted
//   with an INFORMATIONAL exchange (the responder removes its SAs with it), then its inbound SA;
// - dead peer detection: after dpd_delay without an authenticated message from the
//   responder, an empty INFORMATIONAL with the normal retransmissions; unanswered, the IKE
//   SA is dead (ikev2_dpd_failures): its CHILD SA leaves the kernel, a new attempt follows;
// - NAT keepalives (initiator_dpd.cpp): with a NAT detected on our side, the byte 0xFF to the
//   responder's NAT-T port after nat_keepalive without a datagram from us;
// - a failed attempt is noted with its reason and retried with doubling delays; the
//   installed SAs keep working meanwhile (until their hard lifetime);
// - RFC 7383 fragmentation: FRAGMENTATION_SUPPORTED is announced; when the responder
//   announces it too, a request that does not fit `fragment_size` goes out as SKF fragments
//   (retransmitted as the same datagrams), and the responder's fragments are reassembled per
//   IKE SA before they take the normal path (initiator_fragments.hpp);
// - a malformed or unexpected datagram is dropped and counted (ikev2_dropped_messages; a
//   fragment also ikev2_dropped_fragments), never a reason to touch a working SA.
// SPIs, nonces and key exchange keys come from the injected Randomness.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/ikev2/header.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/ikev2/initiator_actions.hpp"
#include "pqbranch/ikev2/initiator_events.hpp"
#include "pqbranch/ikev2/randomness.hpp"
#include "pqbranch/ikev2/received_message.hpp"
#include "pqbranch/ikev2/session_options.hpp"

namespace pqbranch::ikev2 {

struct Attempt;  // one IKE SA from IKE_SA_INIT to its deletion (src/ikev2/initiator_attempt.hpp)
enum class StepFor : std::uint8_t;

// How long the new outbound SA of a CHILD SA the responder rekeyed waits for the responder's
// Delete of the one it replaces before it goes in anyway (strongSwan sends that Delete at once).
inline constexpr std::chrono::seconds kPeerDeleteWait{30};

class InitiatorMachine {
 public:
  using TimePoint = core::Clock::time_point;
  // The local ports the executor's sockets are bound to (NAT detection hashes the IKE port;
  // UDP-encapsulated ESP uses the NAT-T port); `options`' own ports are not read.
  struct LocalPorts {
    std::uint16_t ike = 500;
    std::uint16_t natt = 4500;
  };

  InitiatorMachine(SessionOptions options, LocalPorts ports, Randomness& random);
  ~InitiatorMachine();
  InitiatorMachine(const InitiatorMachine&) = delete;
  InitiatorMachine& operator=(const InitiatorMachine&) = delete;

  std::vector<InitiatorAction> handle(InitiatorEvent event, TimePoint now);

  // The counters and state, with the established IKE SA's times.
  [[nodiscard]] SessionStatus status() const;
  [[nodiscard]] bool running() const noexcept { return running_; }

 private:
  using Out = std::vector<InitiatorAction>;

  void on(const Start& e, Out& out);
  void on(const Stop& e, Out& out);
  void on(const TimerFired& e, Out& out);
  void on(const DatagramReceived& e, Out& out);
  void on(const SpiAllocated& e, Out& out);
  void on(const KernelDone& e, Out& out);

  // sending and receiving
  void send(Attempt& a, const std::vector<std::uint8_t>& bytes, Out& out);
  void drop(const std::string& why, Out& out);
  void note(NoteLevel level, std::string text, Out& out) const;
  void count(std::string_view metric, Out& out) const;
  Attempt* attempt_for(const Header& h);
  Attempt* attempt_waiting_for(StepId step);
  void on_datagram(std::span<const std::uint8_t> bytes, const core::IpAddress& from, Out& out);
  void on_fragment(Attempt& a, const Header& h, std::span<const std::uint8_t> bytes, Out& out);
  void on_message(Attempt& a, const Header& h, const ReceivedMessage& m, Out& out);

  // the exchanges
  void begin_attempt(Out& out);
  void send_init(Attempt& a, Out& out);
  void send_request(Attempt& a, std::vector<std::uint8_t> bytes, Out& out);
  void on_response(Attempt& a, const ReceivedMessage& m, Out& out);
  void after_init(Attempt& a, Out& out);
  void allocate_spi(Attempt& a, StepFor purpose, Out& out);
  void send_auth(Attempt& a, std::uint32_t spi, Out& out);
  void install(Attempt& a, Out& out);
  void established(Attempt& a, Out& out);
  void replace_current(Out& out);
  void retire_after_drain(Out& out);
  void start_delete(Attempt& a, Out& out);
  void remove_child(Attempt& a, Out& out);
  void delete_sa(const xfrm::SaId& id, std::string what, bool missing_is_fine, Out& out);
  void finish_delete(Attempt& a, Out& out);
  void on_peer_request(Attempt& a, const ReceivedMessage& m, Out& out);
  void on_peer_deleted(Attempt& a, bool ike_deleted, Out& out);
  void fail(Attempt& a, const core::Error& error, Out& out);
  void release_unused_spi(Attempt& a, Out& out);
  void release_spi(std::uint32_t spi, Out& out);
  [[nodiscard]] std::string no_response(const Attempt& a, const std::string& tries) const;
  void schedule_retry(Out& out);

  // CHILD SA rekeys with CREATE_CHILD_SA (initiator_child_rekey.cpp)
  void child_work(Attempt& a, Out& out);
  void on_rekey_spi(Attempt& a, const core::Result<std::uint32_t>& spi, Out& out);
  void on_child_response(Attempt& a, const ReceivedMessage& m, Out& out);
  void on_rekey_installed(Attempt& a, const core::Result<void>& result, Out& out);
  void replace_child(Attempt& a, ChildSa next, bool by_responder, Out& out);
  void child_rekey_failed(Attempt& a, const core::Error& error, Out& out);
  void abandon_child_rekey(Attempt& a, Out& out);
  void on_forgotten_response(Attempt& a, const ReceivedMessage& m, Out& out);
  void delete_child_sas(const Attempt& a, const ChildSa& c, const std::string& what, Out& out);
  [[nodiscard]] std::optional<TimePoint> child_deadline(const Attempt& a) const;
  [[nodiscard]] TimePoint next_child_rekey();

  // IKE SA rekeys with CREATE_CHILD_SA (initiator_ike_rekey.cpp)
  [[nodiscard]] bool rekeys_ike_sa() const noexcept;
  [[nodiscard]] bool ike_idle(const Attempt& a) const;
  void start_ike_rekey(Attempt& a, Out& out);
  void ike_rekeyed(Attempt& a, Out& out);
  void ike_rekey_failed(Attempt& a, const core::Error& error, Out& out);
  void peer_ike_rekeyed(Attempt& a, PeerRequest answer, Out& out);
  void adopt_peer_ike_sa(Attempt& a, IkeSa next, Out& out);
  void move_to_new_ike_sa(Attempt& a, IkeSa next);
  [[nodiscard]] TimePoint ike_rekey_due(const Attempt& a) const;

  // Rekeys of the IKE SA by both sides at once (initiator_ike_collision.cpp)
  [[nodiscard]] bool ike_crossable(const Attempt& a) const;
  void hold_crossed_ike_sa(Attempt& a, IkeSa next, Out& out);
  [[nodiscard]] bool lost_ike_crossing(Attempt& a, bool complete, Out& out);
  [[nodiscard]] bool ike_crossing_ended(Attempt& a, const std::string& why, Out& out);
  void adopt_crossed_ike_sa(Attempt& a, Out& out);
  void keep_redundant_ike_sa(IkeSa sa, bool ours, Out& out);
  void on_redundant_ike_timer(Out& out);

  // CHILD SA rekeys the responder starts (initiator_peer_rekey.cpp)
  [[nodiscard]] PeerRequestPolicy peer_policy(const Attempt& a) const;
  void on_peer_answer(Attempt& a, PeerRequest answer, Out& out);
  void on_peer_rekey_spi(Attempt& a, const core::Result<std::uint32_t>& spi, Out& out);
  void on_peer_inbound(Attempt& a, const core::Result<void>& result, Out& out);
  void refuse_peer_rekey_now(Attempt& a, std::uint32_t message_id, ExchangeType exchange,
                             const std::string& why, Out& out);
  void on_peer_deletes(Attempt& a, const std::vector<std::uint32_t>& deleted, Out& out);
  void switch_to_peer_rekeyed(Attempt& a, bool replaced_deleted, Out& out);
  void on_peer_outbound(Attempt& a, const core::Result<void>& result, Out& out);
  void abandon_peer_rekey(Attempt& a, Out& out);
  void answer(Attempt& a, PeerRequest answer, Out& out);

  // Rekeys of the CHILD SA by both sides at once (initiator_rekey_collision.cpp)
  [[nodiscard]] static bool crossable(const Attempt& a);
  void note_crossing(Attempt& a, Out& out);
  [[nodiscard]] bool lost_crossing(Attempt& a, bool complete, Out& out);
  void delete_redundant(Attempt& a, Out& out);
  void delete_stray(Attempt& a, std::uint32_t inbound_spi, Out& out);

  // time
  void on_retransmit_timers(Out& out);
  void check_liveness(Out& out);  // dead peer detection (initiator_dpd.cpp)
  [[nodiscard]] std::optional<TimePoint> keepalive_due() const;
  void send_keepalive(Out& out);  // NAT keepalives (initiator_dpd.cpp)
  [[nodiscard]] std::optional<TimePoint> liveness_deadline() const;
  void schedule(Out& out) const;
  StepId next_step() { return next_step_++; }
  [[nodiscard]] Endpoints endpoints() const;
  [[nodiscard]] std::optional<xfrm::Encap> encap(const Attempt& a, bool outbound) const;
  [[nodiscard]] xfrm::Sa child_sa(const Attempt& a, bool outbound) const;
  [[nodiscard]] xfrm::Sa child_sa(const Attempt& a, const ChildSa& c, bool outbound) const;

  // A DeleteSa outstanding: what to say if it fails.
  struct PendingDelete {
    std::string what;
    bool missing_is_fine = false;
  };

  SessionOptions options_;
  LocalPorts ports_;
  Randomness& random_;
  TimePoint now_{};
  std::unique_ptr<Attempt> current_;   // established (or the first being made)
  std::unique_ptr<Attempt> next_;      // continuity: the replacement being made
  std::unique_ptr<Attempt> retiring_;  // the replaced IKE SA being deleted
  // The redundant new IKE SA of an IKE SA rekey collision (RFC 7296 §2.8.2): ours, being
  // deleted, or the responder's, until it deletes it (or we do at redundant_ike_by_).
  std::unique_ptr<Attempt> redundant_ike_;
  TimePoint redundant_ike_by_{};
  std::optional<TimePoint> retry_at_;
  std::optional<TimePoint> retire_at_;  // the retiring attempt's outbound drain ends
  std::chrono::milliseconds retry_delay_{0};
  bool running_ = false;
  bool ever_established_ = false;
  StepId next_step_ = 1;
  std::map<StepId, PendingDelete> deletes_;
  SessionStatus stats_;
  std::uint64_t drops_ = 0;  // datagrams dropped so far
  std::string last_drop_;    // why the last one was dropped
};

}  // namespace pqbranch::ikev2
