#pragma once
// The SAs of one tunnel on one side, by generation, and the retirement rules both rotation
// machines share:
// - an inbound SA is deleted only after the peer is proven to send on a newer generation
//   (its counters moved, its acknowledgement, or the next exchange says so) AND a grace
//   period has passed since that proof (packets already in flight) — never on a timer alone;
// - SAs the ledger does not account for (larval SAs of abandoned attempts, SAs a restart did
//   not adopt, a delete that failed) wait in a cleanup queue and are retried.
// Pure bookkeeping: the machines turn its answers into actions.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/rotation/persisted_state.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/rotation/status.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation {

enum class SlotState : std::uint8_t {
  empty,       // not in the kernel (the SPI may still be remembered)
  installing,  // a step to install it was issued (already in the saved records)
  installed,
};

struct SaSlot {
  std::uint32_t spi = 0;
  core::IpAddress src;
  core::IpAddress dst;
  SlotState state = SlotState::empty;

  [[nodiscard]] bool installed() const noexcept { return state == SlotState::installed; }
};

struct GenerationSas {
  Generation generation = 0;
  SaSlot inbound;   // for the peer's packets (the SPI this side allocated)
  SaSlot outbound;  // for this side's packets (the SPI the peer allocated)
  std::optional<TimePoint> retire_inbound_at;
};

struct LocatedSa {
  Generation generation = 0;
  xfrm::SaDirection direction = xfrm::SaDirection::in;
};

class SaLedger {
 public:
  explicit SaLedger(const TunnelConfig& tunnel);

  GenerationSas& at(Generation g);  // creates it when missing
  [[nodiscard]] GenerationSas* find(Generation g);
  [[nodiscard]] const GenerationSas* find(Generation g) const;
  void erase(Generation g);
  // Drops generations with nothing installed or being installed.
  void prune();
  [[nodiscard]] const std::map<Generation, GenerationSas>& generations() const { return gens_; }

  [[nodiscard]] xfrm::SaId id_of(const SaSlot& slot) const;

  [[nodiscard]] Generation newest() const;           // highest known generation; 0 = none
  [[nodiscard]] Generation newest_outbound() const;  // highest with an installed outbound SA
  [[nodiscard]] Generation newest_inbound() const;   // highest with an installed inbound SA
  [[nodiscard]] std::size_t installed_inbound() const;
  [[nodiscard]] std::size_t installed_outbound() const;
  // Whether a slot of any generation (either direction, installed or not) names `spi`.
  [[nodiscard]] bool holds_spi(std::uint32_t spi) const;
  // An SPI for a new inbound SA that no slot holds (choose_spi, spi_choice.hpp); `draws`
  // counts the draws of one allocation across calls.
  [[nodiscard]] core::Result<std::uint32_t> choose_inbound_spi(const SpiRandom& random,
                                                               int& draws) const;

  // Evidence that the peer sends on generation `g`. Starts the grace period of every older
  // installed inbound SA. Ignored (false) when `g` is unknown or not newer than the proof
  // already held: proof only moves forward.
  bool prove_peer(Generation g, TimePoint now, Duration grace);
  [[nodiscard]] Generation peer_proven() const noexcept { return peer_proven_; }
  // The inbound SA whose counters would bring new proof: the newest installed inbound SA of
  // a generation the peer is not proven on, when an older inbound SA waits for that proof
  // (or always, with `even_alone`). nullopt = nothing worth polling.
  [[nodiscard]] std::optional<xfrm::SaId> probe(bool even_alone) const;
  // An inbound SA whose grace period ended; nullopt = none due.
  [[nodiscard]] std::optional<Generation> retire_due(TimePoint now) const;
  // The inbound SA of `sas` was deleted after its grace period: the slot is empty and the
  // generation goes when nothing of it is left.
  void inbound_retired(GenerationSas& sas);
  [[nodiscard]] std::optional<TimePoint> next_retirement() const;

  // The generation and direction of an SA the kernel reported (counters, expire).
  [[nodiscard]] std::optional<LocatedSa> locate(const xfrm::SaId& id) const;
  // The kernel deleted this SA (hard expiry): mark it gone.
  std::optional<LocatedSa> forget(const xfrm::SaId& id);

  void queue_cleanup(const xfrm::SaId& id);
  [[nodiscard]] std::optional<xfrm::SaId> cleanup_due(TimePoint now) const;
  // Result of deleting cleanup_due(): success or not_found drops it; another error keeps it
  // for a retry after `retry`.
  void cleanup_done(const core::Result<void>& result, TimePoint now, Duration retry);
  [[nodiscard]] std::optional<TimePoint> next_cleanup() const;
  [[nodiscard]] std::size_t cleanup_pending() const noexcept { return cleanup_.size(); }

  // The next deletion due at `now` outside an exchange: a queued cleanup first, then an
  // inbound SA whose grace period ended (`retire`: its generation). nullopt = none due.
  struct Housekeeping {
    xfrm::SaId id;
    std::optional<Generation> retire;
  };
  [[nodiscard]] std::optional<Housekeeping> housekeeping_due(TimePoint now) const;

  // The ledger's part of a machine's status: the peer's proven generation, the outbound SA
  // of `current`, the newest inbound SA and how many inbound SAs are kept.
  void fill_status(RotationStatus& s, Generation current) const;

  // Every slot installed or being installed, for the saved state.
  [[nodiscard]] std::vector<SaRecord> records() const;
  // Restart: adopts each of this tunnel's kernel SAs (its reqid, not larval) that a record
  // names with the same SPI, direction and local address; every other SA of the tunnel is
  // queued for cleanup. If more than one outbound SA survives, the newest generation wins
  // and the others are queued too (the peer has inbound SAs for all of them).
  // Returns how many SAs were adopted.
  std::size_t adopt(const std::vector<SaRecord>& records, const std::vector<xfrm::SaState>& kernel);
  // Restart without usable records (the state file is missing or corrupt): adopts every
  // installed SA of this tunnel anyway, so that traffic the peer may still send on keeps
  // flowing. Their generations are unknown: the inbound SAs get placeholder numbers 1..n
  // (oldest first by the kernel's add time, then SPI), the newest outbound SA the number
  // above (other outbound SAs are queued for cleanup), and the peer counts as proven on the
  // highest placeholder, so that only a generation issued later can retire them. At most
  // `max` SAs are adopted (the oldest inbound SAs go first). Returns how many were adopted.
  std::size_t adopt_unrecorded(const std::vector<xfrm::SaState>& kernel, std::size_t max);

 private:
  struct Cleanup {
    xfrm::SaId id;
    TimePoint not_before;
  };

  // The direction of a kernel SA that belongs to this tunnel and can be adopted; nullopt
  // for others, after queueing this tunnel's unadoptable ones (larval, foreign) for cleanup.
  std::optional<xfrm::SaDirection> adoptable(const xfrm::SaState& sa);

  std::uint32_t reqid_;
  std::uint32_t if_id_;
  xfrm::Mark mark_;
  core::IpAddress local_;
  std::map<Generation, GenerationSas> gens_;
  Generation peer_proven_ = 0;
  std::deque<Cleanup> cleanup_;
};

}  // namespace pqbranch::rotation
