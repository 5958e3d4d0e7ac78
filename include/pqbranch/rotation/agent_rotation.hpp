#pragma once
// The agent's rotation logic as a pure state machine: events and the time in, actions out.
// No I/O: the executor (TLS client + xfrm::Kernel) performs the actions and feeds results
// back. One instance per tunnel.
//
// One rotation to generation n+1 (make-before-break, see docs/rotation.md):
//   connect (new TLS connection) -> ALLOCSPI (inbound n+1, larval) -> request(n, spi) ->
//   offer(n+1) with its keys -> UPDSA inbound n+1 -> ADDSA outbound n+1 -> DELSA outbound n
//   after the outbound drain (AgentRotationConfig::outbound_drain) -> ack(n+1) -> close.
// Inbound n stays until the edge is proven on n+1 (counters of inbound n+1 moved, the answer
// to the ack, or the next offer's edge_generation) and a grace period passed. An ack whose
// answer never came (lost, connection broken, no answer in time) is sent again on a new
// connection with backoff until the edge confirms it, proves it otherwise, or the next
// exchange supersedes it; generation_mismatch (the edge lost the pending keys) starts a new
// rotation at once. A refusal with a Retry-After (`busy`) is honoured, up to retry_max. A failed
// step rolls back what is half done, so generation n keeps working; failed attempts move to the
// next endpoint, and after a round in which all failed, retry with exponential backoff and jitter.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/events.hpp"
#include "pqbranch/rotation/persisted_state.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/rotation/sa_ledger.hpp"
#include "pqbranch/rotation/status.hpp"

namespace pqbranch::rotation {

class AgentRotation {
 public:
  AgentRotation(AgentRotationConfig config, RandomSource random);

  // The first call. Reconciles: adopts the owned SAs of this tunnel (`kernel_sas`, from
  // Kernel::list_sas) that `saved` names, deletes the others, and rotates at once.
  std::vector<AgentAction> start(const std::optional<AgentState>& saved,
                                 const std::vector<xfrm::SaState>& kernel_sas, TimePoint now);
  std::vector<AgentAction> handle(AgentEvent event, TimePoint now);

  [[nodiscard]] RotationStatus status() const;
  [[nodiscard]] AgentState saved_state() const;
  // The generation the agent's outbound SA uses (what its next request will say).
  [[nodiscard]] Generation generation() const noexcept { return current_; }
  [[nodiscard]] const SaLedger& ledger() const noexcept { return ledger_; }

 private:
  enum class Phase : std::uint8_t {
    idle,
    backoff,
    connecting,
    allocating,
    requesting,
    installing_inbound,
    installing_outbound,
    removing_old_outbound,
    rolling_back,
  };
  enum class StepKind : std::uint8_t { exchange, cleanup, retire };
  struct Exchange {
    ConnectionId conn = 0;
    std::size_t endpoint = 0;
    TimePoint deadline;
    int larval_retries = 0;
    int spi_draws = 0;  // random SPIs drawn for this attempt's allocation (spi_choice.hpp)
    std::uint32_t agent_spi = 0;
    bool larval = false;  // SPI allocated, larval SA not completed
    std::optional<core::Error> lost;
    std::optional<GenerationOffer> offer;
    GenerationKeys keys;
    Generation old_generation = 0;
    TimePoint drain_until{};          // removing_old_outbound: not before (outbound_drain)
    bool old_outbound_stuck = false;  // its delete failed: no acknowledgement (see .cpp)
    std::string failure;              // why a rollback is running
  };
  using Out = std::vector<AgentAction>;

  // A tick only runs pump(): the time alone may have made work due.
  void on(const Tick& /*e*/, TimePoint /*now*/, Out& /*out*/) {}
  void on(SpiAllocated& e, TimePoint now, Out& out);
  void on(KernelDone& e, TimePoint now, Out& out);
  void on(const CountersRead& e, TimePoint now, Out& out);
  void on(const KernelEvent& e, TimePoint now, Out& out);
  void on(const Connected& e, TimePoint now, Out& out);
  void on(const ConnectFailed& e, TimePoint now, Out& out);
  void on(OfferReceived& e, TimePoint now, Out& out);
  void on(const RefusalReceived& e, TimePoint now, Out& out);
  void on(const AckAnswered& e, TimePoint now, Out& out);
  void on(const ConnectionLost& e, TimePoint now, Out& out);
  void on(const RotateNow& e, TimePoint now, Out& out);
  void on(const TimingChanged& e, TimePoint now, Out& out);

  // The acknowledgement of the current generation until the edge confirmed it.
  struct PendingAck {
    GenerationAck ack;
    ConnectionId conn = 0;  // 0: none open; a new one at retry_at
    bool sent = false;      // on conn
    TimePoint deadline;     // for the connection and the answer
    TimePoint retry_at;
    std::size_t endpoint = 0;
    unsigned attempts = 0;
  };
  // `not_before`: the edge's Retry-After (honoured up to retry_max).
  void ack_unconfirmed(const std::string& why, TimePoint now, Out& out,
                       std::optional<Duration> not_before = std::nullopt);
  void ack_confirmed(const std::string& how, Out& out);
  void pump_ack(TimePoint now, Out& out);

  void exchange_step_done(const core::Result<void>& r, TimePoint now, Out& out);
  void pump(TimePoint now, Out& out);
  void emit_exchange_step(TimePoint now, Out& out);
  bool emit_housekeeping_step(TimePoint now, Out& out);
  void accept_offer(TimePoint now, Out& out);
  void begin_attempt(std::size_t endpoint, int larval_retries, TimePoint now, Out& out);
  // `not_before` (the edge's Retry-After): the round ends here, no other endpoint is tried,
  // and the next attempt waits at least that long (up to retry_max).
  // `reason`: CloseConnection::reason (a label for the metrics); `why`: the sentence.
  void fail_attempt(std::string_view reason, const std::string& why, TimePoint now, Out& out,
                    std::optional<Duration> not_before = std::nullopt);
  [[nodiscard]] Duration delay_after(unsigned rounds, std::optional<Duration> not_before);
  void retry_after_larval_expiry(TimePoint now, Out& out);
  void finish_rotation(TimePoint now, Out& out);
  void rotate_soon(const std::string& why, TimePoint now, Out& out);
  void expire(const xfrm::ExpireEvent& e, TimePoint now, Out& out);
  void save(Out& out) const;
  void arm(TimePoint now, Out& out);
  StepId begin_step(StepKind kind);
  Duration random_up_to(Duration max);
  Duration backoff(unsigned rounds);
  [[nodiscard]] bool in_exchange() const noexcept;
  [[nodiscard]] const char* phase_name() const noexcept;

  AgentRotationConfig config_;
  RandomSource random_;
  SaLedger ledger_;
  bool started_ = false;
  Phase phase_ = Phase::idle;
  Exchange ex_;
  Generation current_ = 0;
  ConnectionId next_conn_ = 1;
  StepId next_step_ = 1;
  std::optional<StepId> step_;
  StepKind step_kind_ = StepKind::exchange;
  Generation step_generation_ = 0;
  TimePoint next_rotation_{};
  std::optional<TimePoint> last_rotation_;  // the last successful one (status, re-planning)
  TimePoint retry_at_{};
  TimePoint next_poll_{};
  std::optional<TimePoint> armed_;
  unsigned failures_ = 0;
  std::string last_error_;
  std::size_t last_endpoint_ = 0;  // of the current or last attempt (status)
  // Where a round of attempts starts (and, wrapping around, ends): 0 until a failover
  // (RotateNow with next_endpoint) moves it.
  std::size_t round_start_ = 0;
  std::optional<PendingAck> ack_;
};

}  // namespace pqbranch::rotation
