#include "pqbranch/rotation/sa_ledger.hpp"

#include <algorithm>
#include <utility>

#include "pqbranch/rotation/spi_choice.hpp"
#include "pqbranch/xfrm/errc.hpp"

namespace pqbranch::rotation {

SaLedger::SaLedger(const TunnelConfig& tunnel)
    : reqid_(tunnel.reqid), if_id_(tunnel.if_id), mark_(tunnel.mark), local_(tunnel.local) {}

GenerationSas& SaLedger::at(Generation g) {
  GenerationSas& sas = gens_[g];
  sas.generation = g;
  return sas;
}

GenerationSas* SaLedger::find(Generation g) {
  auto it = gens_.find(g);
  return it == gens_.end() ? nullptr : &it->second;
}

const GenerationSas* SaLedger::find(Generation g) const {
  auto it = gens_.find(g);
  return it == gens_.end() ? nullptr : &it->second;
}

void SaLedger::erase(Generation g) {
  gens_.erase(g);
}

void SaLedger::prune() {
  std::erase_if(gens_, [](const auto& kv) {
    return kv.second.inbound.state == SlotState::empty &&
           kv.second.outbound.state == SlotState::empty;
  });
}

xfrm::SaId SaLedger::id_of(const SaSlot& slot) const {
  return {slot.dst, slot.spi, xfrm::Proto::esp, mark_.value, mark_.mask};
}

Generation SaLedger::newest() const {
  return gens_.empty() ? 0 : gens_.rbegin()->first;
}

Generation SaLedger::newest_outbound() const {
  for (auto it = gens_.rbegin(); it != gens_.rend(); ++it) {
    if (it->second.outbound.installed()) return it->first;
  }
  return 0;
}

Generation SaLedger::newest_inbound() const {
  for (auto it = gens_.rbegin(); it != gens_.rend(); ++it) {
    if (it->second.inbound.installed()) return it->first;
  }
  return 0;
}

std::size_t SaLedger::installed_inbound() const {
  return static_cast<std::size_t>(std::count_if(
      gens_.begin(), gens_.end(), [](const auto& kv) { return kv.second.inbound.installed(); }));
}

bool SaLedger::holds_spi(std::uint32_t spi) const {
  return std::any_of(gens_.begin(), gens_.end(), [spi](const auto& kv) {
    return kv.second.inbound.spi == spi || kv.second.outbound.spi == spi;
  });
}

core::Result<std::uint32_t> SaLedger::choose_inbound_spi(const SpiRandom& random,
                                                         int& draws) const {
  return choose_spi(random, [this](std::uint32_t s) { return holds_spi(s); }, draws);
}

std::size_t SaLedger::installed_outbound() const {
  return static_cast<std::size_t>(std::count_if(
      gens_.begin(), gens_.end(), [](const auto& kv) { return kv.second.outbound.installed(); }));
}

bool SaLedger::prove_peer(Generation g, TimePoint now, Duration grace) {
  if (g <= peer_proven_ || g > newest()) return false;
  peer_proven_ = g;
  for (auto& [gen, sas] : gens_) {
    if (gen >= g) break;
    if (sas.inbound.installed() && !sas.retire_inbound_at) sas.retire_inbound_at = now + grace;
  }
  return true;
}

std::optional<xfrm::SaId> SaLedger::probe(bool even_alone) const {
  const Generation newest_in = newest_inbound();
  if (newest_in == 0 || newest_in <= peer_proven_) return std::nullopt;
  const bool older_waits = installed_inbound() > 1;
  if (!older_waits && !even_alone) return std::nullopt;
  return id_of(gens_.at(newest_in).inbound);
}

std::optional<Generation> SaLedger::retire_due(TimePoint now) const {
  for (const auto& [gen, sas] : gens_) {
    if (sas.inbound.installed() && sas.retire_inbound_at && *sas.retire_inbound_at <= now) {
      return gen;
    }
  }
  return std::nullopt;
}

void SaLedger::inbound_retired(GenerationSas& sas) {
  sas.inbound.state = SlotState::empty;
  sas.retire_inbound_at.reset();
  prune();
}

std::optional<SaLedger::Housekeeping> SaLedger::housekeeping_due(TimePoint now) const {
  if (auto id = cleanup_due(now)) return Housekeeping{*id, std::nullopt};
  if (auto g = retire_due(now)) return Housekeeping{id_of(find(*g)->inbound), g};
  return std::nullopt;
}

void SaLedger::fill_status(RotationStatus& s, Generation current) const {
  s.peer_generation = peer_proven_;
  if (const GenerationSas* g = find(current); g != nullptr && g->outbound.installed()) {
    s.outbound_spi = g->outbound.spi;
  }
  if (const Generation n = newest_inbound(); n != 0) s.inbound_spi = find(n)->inbound.spi;
  s.inbound_sas = installed_inbound();
}

std::optional<TimePoint> SaLedger::next_retirement() const {
  std::optional<TimePoint> next;
  for (const auto& [gen, sas] : gens_) {
    if (sas.inbound.installed() && sas.retire_inbound_at &&
        (!next || *sas.retire_inbound_at < *next)) {
      next = sas.retire_inbound_at;
    }
  }
  return next;
}

std::optional<LocatedSa> SaLedger::locate(const xfrm::SaId& id) const {
  for (const auto& [gen, sas] : gens_) {
    if (sas.inbound.state != SlotState::empty && id_of(sas.inbound) == id) {
      return LocatedSa{gen, xfrm::SaDirection::in};
    }
    if (sas.outbound.state != SlotState::empty && id_of(sas.outbound) == id) {
      return LocatedSa{gen, xfrm::SaDirection::out};
    }
  }
  return std::nullopt;
}

std::optional<LocatedSa> SaLedger::forget(const xfrm::SaId& id) {
  auto where = locate(id);
  if (!where) return std::nullopt;
  GenerationSas& sas = gens_.at(where->generation);
  SaSlot& slot = where->direction == xfrm::SaDirection::in ? sas.inbound : sas.outbound;
  slot.state = SlotState::empty;
  return where;
}

void SaLedger::queue_cleanup(const xfrm::SaId& id) {
  const bool queued =
      std::any_of(cleanup_.begin(), cleanup_.end(), [&](const Cleanup& c) { return c.id == id; });
  if (!queued) cleanup_.push_back({id, TimePoint{}});
}

std::optional<xfrm::SaId> SaLedger::cleanup_due(TimePoint now) const {
  if (cleanup_.empty() || cleanup_.front().not_before > now) return std::nullopt;
  return cleanup_.front().id;
}

void SaLedger::cleanup_done(const core::Result<void>& result, TimePoint now, Duration retry) {
  if (cleanup_.empty()) return;
  Cleanup c = cleanup_.front();
  cleanup_.pop_front();
  if (result || result.error() == xfrm::errc::not_found) return;
  c.not_before = now + retry;
  cleanup_.push_back(c);
}

std::optional<TimePoint> SaLedger::next_cleanup() const {
  if (cleanup_.empty()) return std::nullopt;
  return cleanup_.front().not_before;
}

std::vector<SaRecord> SaLedger::records() const {
  std::vector<SaRecord> out;
  for (const auto& [gen, sas] : gens_) {
    if (sas.inbound.state != SlotState::empty) {
      out.push_back({gen, xfrm::SaDirection::in, sas.inbound.spi});
    }
    if (sas.outbound.state != SlotState::empty) {
      out.push_back({gen, xfrm::SaDirection::out, sas.outbound.spi});
    }
  }
  return out;
}

std::optional<xfrm::SaDirection> SaLedger::adoptable(const xfrm::SaState& sa) {
  if (sa.reqid != reqid_ || (if_id_ != 0 && sa.if_id != if_id_)) return std::nullopt;  // not ours
  const xfrm::SaDirection dir =
      sa.direction.value_or(sa.dst == local_ ? xfrm::SaDirection::in : xfrm::SaDirection::out);
  const bool local_matches = dir == xfrm::SaDirection::in ? sa.dst == local_ : sa.src == local_;
  if (sa.larval || !local_matches || sa.mark != mark_) {
    queue_cleanup(sa.id());
    return std::nullopt;
  }
  return dir;
}

std::size_t SaLedger::adopt(const std::vector<SaRecord>& records,
                            const std::vector<xfrm::SaState>& kernel) {
  std::size_t adopted = 0;
  for (const xfrm::SaState& sa : kernel) {
    const auto dir = adoptable(sa);
    if (!dir) continue;
    auto record = std::find_if(records.begin(), records.end(), [&](const SaRecord& r) {
      return r.spi == sa.spi && r.direction == *dir && r.generation != 0;
    });
    if (record == records.end()) {
      queue_cleanup(sa.id());
      continue;
    }
    GenerationSas& sas = at(record->generation);
    SaSlot& slot = *dir == xfrm::SaDirection::in ? sas.inbound : sas.outbound;
    slot = {sa.spi, sa.src, sa.dst, SlotState::installed};
    ++adopted;
  }
  const Generation keep = newest_outbound();
  for (auto& [gen, sas] : gens_) {
    if (gen != keep && sas.outbound.installed()) {
      queue_cleanup(id_of(sas.outbound));
      sas.outbound.state = SlotState::empty;
      --adopted;
    }
  }
  return adopted;
}

std::size_t SaLedger::adopt_unrecorded(const std::vector<xfrm::SaState>& kernel, std::size_t max) {
  // SPIs are random, so only the kernel's add time orders SAs by age (SPI breaks a tie).
  const auto older = [](const xfrm::SaState* a, const xfrm::SaState* b) {
    return std::pair(a->current.add_time, a->spi) < std::pair(b->current.add_time, b->spi);
  };
  std::vector<const xfrm::SaState*> inbound;
  const xfrm::SaState* outbound = nullptr;
  for (const xfrm::SaState& sa : kernel) {
    const auto dir = adoptable(sa);
    if (!dir) continue;
    if (*dir == xfrm::SaDirection::in) {
      inbound.push_back(&sa);
    } else if (outbound == nullptr || older(outbound, &sa)) {
      if (outbound != nullptr) queue_cleanup(outbound->id());
      outbound = &sa;
    } else {
      queue_cleanup(sa.id());
    }
  }
  std::sort(inbound.begin(), inbound.end(), older);
  const std::size_t room = max - std::min<std::size_t>(max, outbound != nullptr ? 1 : 0);
  while (inbound.size() > room) {
    queue_cleanup(inbound.front()->id());
    inbound.erase(inbound.begin());
  }
  Generation g = 0;
  for (const xfrm::SaState* sa : inbound)
    at(++g).inbound = {sa->spi, sa->src, sa->dst, SlotState::installed};
  if (outbound != nullptr) {
    at(++g).outbound = {outbound->spi, outbound->src, outbound->dst, SlotState::installed};
  }
  peer_proven_ = std::max(peer_proven_, g);
  return inbound.size() + (outbound != nullptr ? 1 : 0);
}

}  // namespace pqbranch::rotation
