#pragma once
// The edge's side of rotation for one site, as a pure state machine (the edge keeps one
// instance per site; the site comes from the client certificate). No I/O: the executor
// (TLS server + xfrm::Kernel) performs the actions and feeds results back.
//
// On a request (see docs/rotation.md):
//   its current_generation is evidence of what the agent sends on (promotes a pending
//   generation whose acknowledgement was lost, when the keys are still in memory) ->
//   a new generation number (saved first) -> ALLOCSPI -> keys from the connection's
//   exporter -> UPDSA inbound -> offer. The keys for the outbound SA stay in memory only.
// On the acknowledgement (or when the inbound SA's counters or the next request prove the
// agent is on the pending generation): ADDSA outbound, DELSA the old outbound after the
// outbound drain (EdgeSiteConfig::outbound_drain).
// Inbound n goes only after the agent is proven on a newer generation and a grace period.
// After a restart the pending keys are gone: the edge keeps its outbound generation and
// issues a fresh generation on the next request.
// Limits (GenerationLimits): a request that would issue a generation is refused `busy`
// (with a Retry-After) above the site's rate or when too many generations are outstanding,
// and `bad_request` when its current_generation leaves no number the agent would accept.
// An abandoned generation's inbound SA is retired once abandoned_lifetime passed and its
// counters show no packet from the agent.
// A NAT mapping change (XFRM_MSG_MAPPING on one of the site's inbound SAs: the agent's
// translated port moved) is applied to every SA of the site towards that address and to
// the pending generation's outbound SA-to-be; an address change cannot be (an SA's
// addresses are fixed) and waits for the agent's next rotation, whose hello carries it.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/events.hpp"
#include "pqbranch/rotation/persisted_state.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/rotation/sa_ledger.hpp"
#include "pqbranch/rotation/status.hpp"

namespace pqbranch::rotation {

class EdgeRotation {
 public:
  explicit EdgeRotation(EdgeSiteConfig config);

  // The first call: adopts this site's SAs (`kernel_sas`, from Kernel::list_sas) that
  // `saved` names and deletes the others. Without saved state, the site starts empty.
  std::vector<EdgeAction> start(const std::optional<EdgeSiteState>& saved,
                                const std::vector<xfrm::SaState>& kernel_sas, TimePoint now);
  std::vector<EdgeAction> handle(EdgeEvent event, TimePoint now);

  [[nodiscard]] RotationStatus status() const;
  [[nodiscard]] EdgeSiteState saved_state() const;
  [[nodiscard]] Generation generation() const noexcept { return current_; }
  [[nodiscard]] Generation pending() const noexcept { return pending_; }
  [[nodiscard]] const SaLedger& ledger() const noexcept { return ledger_; }
  // Generations above the outbound one with an inbound SA, the agent not proven on them.
  [[nodiscard]] std::size_t outstanding() const;

 private:
  enum class Phase : std::uint8_t { idle, waiting, allocating, deriving, installing };
  enum class Promotion : std::uint8_t { none, adding, removing_old };
  enum class StepKind : std::uint8_t { exchange, promotion, mapping, cleanup, retire };
  struct Exchange {
    ConnectionId conn = 0;
    GenerationRequest request;
    std::optional<NatMapping> nat;
    std::optional<core::IpAddress> address;  // RequestReceived::agent_address
    Generation generation = 0;
    std::uint32_t edge_spi = 0;
    int spi_draws = 0;  // random SPIs drawn for this allocation (spi_choice.hpp)
    bool larval = false;
    GenerationKeys keys;
  };
  struct Pending {
    GenerationOffer offer;
    core::SecureBytes outbound_key;  // edge_to_agent, memory only
  };
  struct LastOffer {
    ConnectionId conn = 0;
    GenerationOffer offer;
  };
  struct Abandoned {
    TimePoint retire_at;
    bool counters_read = false;  // once read without a packet, the inbound SA goes
  };
  using Out = std::vector<EdgeAction>;

  // A tick only runs pump(): the time alone may have made work due.
  void on(const Tick& /*e*/, TimePoint /*now*/, Out& /*out*/) {}
  void on(SpiAllocated& e, TimePoint now, Out& out);
  void on(KernelDone& e, TimePoint now, Out& out);
  void on(KeysDerived& e, TimePoint now, Out& out);
  void on(const CountersRead& e, TimePoint now, Out& out);
  void on(const KernelEvent& e, TimePoint now, Out& out);
  void on(const RequestReceived& e, TimePoint now, Out& out);
  void on(const AckReceived& e, TimePoint now, Out& out);
  void on(const ConnectionLost& e, TimePoint now, Out& out);

  void exchange_done(const core::Result<void>& r, TimePoint now, Out& out);
  void promotion_done(const core::Result<void>& r, TimePoint now, Out& out);
  void agent_on(Generation g, const char* how, TimePoint now, Out& out);
  void mapping_changed(const xfrm::MappingEvent& m, Out& out);
  bool emit_mapping_step(Out& out);
  void pump(TimePoint now, Out& out);
  bool emit_promotion_step(TimePoint now, Out& out);
  bool emit_exchange_step(Out& out);
  bool emit_housekeeping_step(TimePoint now, Out& out);
  void issue(TimePoint now, Out& out);
  bool refused_by_limits(const RequestReceived& e, TimePoint now, Out& out);
  void refill(TimePoint now);
  void abandon(Generation g, TimePoint now);
  void expire_abandoned(TimePoint now, Out& out);
  void refuse(RefusalCode code, const std::string& why, Out& out);
  void abort_exchange(const std::string& why, Out& out);
  void save(Out& out) const;
  void arm(TimePoint now, Out& out);
  StepId begin_step(StepKind kind);
  [[nodiscard]] bool promotable(TimePoint now) const;
  [[nodiscard]] core::IpAddress agent_address() const;
  [[nodiscard]] std::optional<xfrm::Encap> encap() const;

  EdgeSiteConfig config_;
  SaLedger ledger_;
  bool started_ = false;
  Phase phase_ = Phase::idle;
  Exchange ex_;
  Promotion promotion_ = Promotion::none;
  Generation promotion_old_ = 0;
  TimePoint promote_after_{};
  TimePoint drain_until_{};  // Promotion::removing_old: not before (outbound_drain)
  Generation current_ = 0;
  Generation last_issued_ = 0;
  Generation pending_ = 0;
  std::optional<Pending> pending_keys_;
  std::optional<LastOffer> last_offer_;
  std::uint32_t tokens_ = 0;  // generations the site may still ask for at once
  TimePoint refilled_at_{};
  bool limited_ = false;  // the last request was refused by a limit (logged once)
  std::map<Generation, Abandoned> abandoned_;
  std::deque<UpdatePeerPort> mapping_updates_;  // steps not issued yet (step ids unset)
  std::optional<NatMapping> applied_mapping_;   // the agent's mapping the SAs were moved to
  StepId next_step_ = 1;
  std::optional<StepId> step_;
  StepKind step_kind_ = StepKind::exchange;
  Generation step_generation_ = 0;
  TimePoint next_poll_{};
  std::optional<TimePoint> armed_;
  std::string last_error_;
};

}  // namespace pqbranch::rotation
