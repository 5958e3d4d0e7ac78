#include "pqbranch/rotation/edge_rotation.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/rotation/spi_choice.hpp"
#include "pqbranch/xfrm/errc.hpp"

#include "machine_step.hpp"
#include "sa_builder.hpp"

namespace pqbranch::rotation {
namespace {

using detail::not_found;
using detail::note;

// Whole seconds for Retry-After, rounded up, at least one.
std::chrono::seconds retry_seconds(Duration d) {
  const auto s = std::chrono::ceil<std::chrono::seconds>(d);
  return std::max(s, std::chrono::seconds(1));
}

}  // namespace

EdgeRotation::EdgeRotation(EdgeSiteConfig config)
    : config_(std::move(config)), ledger_(config_.tunnel) {}

std::vector<EdgeAction> EdgeRotation::handle(EdgeEvent event, TimePoint now) {
  return detail::step<EdgeAction>(
      started_, event, [&](auto& e, Out& out) { on(e, now, out); },
      [&](Out& out) { pump(now, out); });
}

std::vector<EdgeAction> EdgeRotation::start(const std::optional<EdgeSiteState>& saved,
                                            const std::vector<xfrm::SaState>& kernel_sas,
                                            TimePoint now) {
  Out out;
  if (started_) {
    note(out, NoteLevel::warn, "site already started");
    return out;
  }
  started_ = true;
  EdgeSiteState s;
  std::size_t adopted = 0;
  if (saved && saved->site_id == config_.site_id) {
    s = *saved;
    adopted = ledger_.adopt(s.sas, kernel_sas);
  } else {
    if (saved) {
      note(out, NoteLevel::error,
           fmt::format("saved state of site '{}' ignored for site '{}'", saved->site_id,
                       config_.site_id));
    }
    // No records (a first start, or a lost or corrupt file): what the kernel holds in the
    // site's tunnel may be what the agent sends on, so it stays until a generation issued
    // from now on replaces it. Deleting it would cut the tunnel until the next rotation.
    adopted = ledger_.adopt_unrecorded(kernel_sas, kMaxSavedSas / 2);
    if (adopted > 0) {
      note(out, NoteLevel::warn,
           fmt::format("site '{}': no saved state; {} SA(s) of its tunnel kept as they are until "
                       "the agent's next rotation replaces them",
                       config_.site_id, adopted));
    }
  }
  current_ = std::max(ledger_.newest_outbound(), s.generation);
  // Never issue a number again, even one whose SAs are gone.
  last_issued_ = std::max({s.last_issued, current_, ledger_.newest()});
  ledger_.prune();
  tokens_ = config_.limits.burst;
  refilled_at_ = now;
  // Inbound SAs above the outbound generation: their keys died with the last run, so they
  // are abandoned now (an agent sending on one proves it by its counters).
  for (const auto& [g, sas] : ledger_.generations()) {
    if (g > current_ && sas.inbound.installed()) abandon(g, now);
  }
  save(out);
  note(out, NoteLevel::info,
       fmt::format("site '{}' restored: generation {}, last issued {}, {} SA(s) adopted, {} to "
                   "remove",
                   config_.site_id, current_, last_issued_, adopted, ledger_.cleanup_pending()));
  pump(now, out);
  return out;
}

// --- events ---

void EdgeRotation::on(const RequestReceived& e, TimePoint now, Out& out) {
  const GenerationRequest& req = e.request;
  // The same request again on the same connection: the same answer, nothing installed twice.
  if (last_offer_ && last_offer_->conn == e.conn && last_offer_->offer.agent_spi == req.agent_spi) {
    note(out, NoteLevel::debug,
         fmt::format("site '{}': repeated request: offering generation {} again", config_.site_id,
                     last_offer_->offer.generation));
    out.emplace_back(SendOffer{e.conn, last_offer_->offer});
    return;
  }
  if (phase_ != Phase::idle) {
    if (ex_.conn == e.conn && ex_.request == req) return;  // duplicate of the one in progress
    out.emplace_back(SendRefusal{
        e.conn, {RefusalCode::busy, "another exchange is in progress", std::chrono::seconds(1)}});
    return;
  }
  const bool spi_used =
      std::any_of(ledger_.generations().begin(), ledger_.generations().end(),
                  [&](const auto& kv) { return kv.second.outbound.spi == req.agent_spi; });
  if (req.agent_spi < xfrm::kMinSpi || spi_used) {
    const std::string why =
        fmt::format("agent SPI 0x{:08x} is reserved or was used before", req.agent_spi);
    note(out, NoteLevel::warn, fmt::format("site '{}': refused: {}", config_.site_id, why));
    out.emplace_back(SendRefusal{e.conn, {RefusalCode::bad_request, why}});
    return;
  }
  // Evidence of what the agent sends on counts even when a limit refuses the request.
  if (req.current_generation != 0) agent_on(req.current_generation, "request", now, out);
  if (refused_by_limits(e, now, out)) return;
  if (req.current_generation > last_issued_) {
    note(out, NoteLevel::warn,
         fmt::format("site '{}': agent reports generation {} above the last issued {}",
                     config_.site_id, req.current_generation, last_issued_));
    last_issued_ = req.current_generation;
  }
  ex_ = Exchange{};
  ex_.conn = e.conn;
  ex_.request = req;
  ex_.nat = e.nat;
  ex_.address = e.agent_address;
  phase_ = Phase::waiting;
}

bool EdgeRotation::refused_by_limits(const RequestReceived& e, TimePoint now, Out& out) {
  const GenerationLimits& l = config_.limits;
  const Generation reported = e.request.current_generation;
  auto refuse = [&](RefusalCode code, const std::string& why, std::string_view limit,
                    std::optional<Duration> retry) {
    // One line when a limit starts refusing, not one per refused request.
    note(out, limited_ ? NoteLevel::debug : NoteLevel::warn,
         fmt::format("site '{}': request refused: {}", config_.site_id, why));
    limited_ = true;
    Refusal r{code, why, std::nullopt};
    if (retry) r.retry_after = retry_seconds(*retry);
    out.emplace_back(SendRefusal{e.conn, std::move(r), limit});
    return true;
  };
  if (std::max(last_issued_, reported) >= kMaxGeneration ||
      (reported > last_issued_ && reported - last_issued_ > detail::kMaxGenerationJump)) {
    return refuse(RefusalCode::bad_request,
                  fmt::format("current_generation {} leaves no generation number to issue "
                              "(last issued {})",
                              reported, last_issued_),
                  "generation_space", std::nullopt);
  }
  // The state file must stay loadable: a new generation adds an inbound record, and its
  // promotion an outbound one.
  if (outstanding() >= l.max_outstanding || ledger_.records().size() + 2 > kMaxSavedSas) {
    // Until an inbound SA goes: a retirement due, or an abandoned generation's end.
    std::optional<TimePoint> first = ledger_.next_retirement();
    for (const auto& [g, a] : abandoned_) {
      const TimePoint at = a.counters_read ? a.retire_at : a.retire_at + config_.counter_poll;
      if (!first || at < *first) first = at;
    }
    return refuse(RefusalCode::busy,
                  fmt::format("{} generations offered and not acknowledged (at most {})",
                              outstanding(), l.max_outstanding),
                  "outstanding", first ? *first - now : l.abandoned_lifetime);
  }
  refill(now);
  if (tokens_ == 0) {
    return refuse(
        RefusalCode::busy,
        fmt::format("more than {} generations in a row; one more every {} ms", l.burst,
                    std::chrono::duration_cast<std::chrono::milliseconds>(l.refill).count()),
        "rate", refilled_at_ + l.refill - now);
  }
  --tokens_;
  limited_ = false;
  return false;
}

void EdgeRotation::refill(TimePoint now) {
  const GenerationLimits& l = config_.limits;
  if (tokens_ >= l.burst || l.refill <= Duration::zero()) {
    tokens_ = l.burst;
    refilled_at_ = now;
    return;
  }
  if (now <= refilled_at_) return;
  const auto periods = (now - refilled_at_) / l.refill;
  if (periods <= 0) return;
  if (static_cast<std::uint64_t>(periods) >= l.burst - tokens_) {
    tokens_ = l.burst;
    refilled_at_ = now;
    return;
  }
  tokens_ += static_cast<std::uint32_t>(periods);
  refilled_at_ += periods * l.refill;
}

std::size_t EdgeRotation::outstanding() const {
  const Generation floor = std::max(current_, ledger_.peer_proven());
  return static_cast<std::size_t>(std::count_if(
      ledger_.generations().begin(), ledger_.generations().end(), [&](const auto& kv) {
        return kv.first > floor && kv.second.inbound.state != SlotState::empty;
      }));
}

void EdgeRotation::abandon(Generation g, TimePoint now) {
  abandoned_[g] = Abandoned{now + config_.limits.abandoned_lifetime, false};
}

// An abandoned generation the agent never sent on (no proof, counters at zero once its time
// is up) is retired; the agent only installs an offer within its exchange deadline, and
// one that did sends, acknowledges or names it well before abandoned_lifetime.
void EdgeRotation::expire_abandoned(TimePoint now, Out& out) {
  for (auto it = abandoned_.begin(); it != abandoned_.end();) {
    const Generation g = it->first;
    GenerationSas* sas = ledger_.find(g);
    if (sas == nullptr || !sas->inbound.installed() || g <= ledger_.peer_proven()) {
      it = abandoned_.erase(it);  // gone, or the normal retirement rules apply now
      continue;
    }
    if (now < it->second.retire_at) {
      ++it;
      continue;
    }
    if (!it->second.counters_read) {
      out.emplace_back(ReadCounters{ledger_.id_of(sas->inbound)});
      it->second.counters_read = true;
      it->second.retire_at = now + config_.counter_poll;
      ++it;
      continue;
    }
    note(out, NoteLevel::info,
         fmt::format("site '{}': generation {} was abandoned and never used; retiring its "
                     "inbound SA",
                     config_.site_id, g));
    if (!sas->retire_inbound_at || *sas->retire_inbound_at > now) sas->retire_inbound_at = now;
    it = abandoned_.erase(it);
  }
}

void EdgeRotation::on(const AckReceived& e, TimePoint now, Out& out) {
  const GenerationSas* sas = ledger_.find(e.ack.generation);
  if (sas == nullptr || sas->outbound.spi != e.ack.agent_spi ||
      sas->inbound.spi != e.ack.edge_spi) {
    note(out, NoteLevel::debug,
         fmt::format("site '{}': ignoring acknowledgement of generation {}", config_.site_id,
                     e.ack.generation));
    return;
  }
  agent_on(e.ack.generation, "acknowledgement", now, out);
}

void EdgeRotation::on(const ConnectionLost& e, TimePoint /*now*/, Out& /*out*/) {
  if (last_offer_ && last_offer_->conn == e.conn) last_offer_.reset();
}

void EdgeRotation::on(SpiAllocated& e, TimePoint /*now*/, Out& out) {
  if (!step_ || e.step != *step_) return;
  step_.reset();
  if (phase_ != Phase::allocating) return;
  if (!e.spi) {
    // The kernel holds the drawn SPI already (another site's SA on the same address, or one
    // this ledger does not know): the pump draws another, within the bound.
    if (e.spi.error() == xfrm::errc::spi_exhausted && ex_.spi_draws < kMaxSpiDraws) return;
    abort_exchange("allocate SPI: " + e.spi.error().message(), out);
    return;
  }
  ex_.edge_spi = *e.spi;
  ex_.larval = true;
  phase_ = Phase::deriving;
}

void EdgeRotation::on(KeysDerived& e, TimePoint /*now*/, Out& out) {
  if (!step_ || e.step != *step_) return;
  step_.reset();
  if (phase_ != Phase::deriving) return;
  if (!e.keys) {
    abort_exchange("derive keys: " + e.keys.error().message(), out);
    return;
  }
  if (e.keys->agent_to_edge.size() != xfrm::kAeadKeyBytes ||
      e.keys->edge_to_agent.size() != xfrm::kAeadKeyBytes) {
    abort_exchange("derive keys: wrong size", out);
    return;
  }
  ex_.keys = std::move(*e.keys);
  const core::IpAddress agent = agent_address();
  GenerationSas& sas = ledger_.at(ex_.generation);
  sas.inbound = {ex_.edge_spi, agent, config_.tunnel.local, SlotState::installing};
  sas.outbound = {ex_.request.agent_spi, config_.tunnel.local, agent, SlotState::empty};
  save(out);  // before the SA exists: a restart then knows it
  phase_ = Phase::installing;
}

void EdgeRotation::on(KernelDone& e, TimePoint now, Out& out) {
  if (!step_ || e.step != *step_) return;
  step_.reset();
  switch (step_kind_) {
    case StepKind::cleanup:
      ledger_.cleanup_done(e.result, now, config_.retry);
      return;
    case StepKind::exchange:
      exchange_done(e.result, now, out);
      return;
    case StepKind::promotion:
      promotion_done(e.result, now, out);
      return;
    case StepKind::mapping:
      if (!mapping_updates_.empty()) {
        if (!e.result && !not_found(e.result)) {
          note(out, NoteLevel::warn,
               fmt::format("site '{}': NAT mapping not applied to {}: {}", config_.site_id,
                           xfrm::to_string(mapping_updates_.front().id),
                           e.result.error().message()));
        }
        mapping_updates_.pop_front();
      }
      return;
    case StepKind::retire: {
      GenerationSas* sas = ledger_.find(step_generation_);
      if (sas == nullptr) return;
      if (!e.result && !not_found(e.result)) ledger_.queue_cleanup(ledger_.id_of(sas->inbound));
      note(out, NoteLevel::info,
           fmt::format("site '{}': retired inbound SA of generation {}", config_.site_id,
                       step_generation_));
      ledger_.inbound_retired(*sas);
      save(out);
      return;
    }
  }
}

void EdgeRotation::exchange_done(const core::Result<void>& r, TimePoint /*now*/, Out& out) {
  if (phase_ != Phase::installing) return;
  GenerationSas* sas = ledger_.find(ex_.generation);
  if (sas == nullptr) return;
  if (!r) {
    ledger_.erase(ex_.generation);
    abort_exchange(
        fmt::format("install inbound SA of generation {}: {}", ex_.generation, r.error().message()),
        out);
    return;
  }
  ex_.larval = false;
  sas->inbound.state = SlotState::installed;
  GenerationOffer offer;
  offer.generation = ex_.generation;
  offer.edge_generation = current_;
  offer.agent_spi = ex_.request.agent_spi;
  offer.edge_spi = ex_.edge_spi;
  offer.lifetime = config_.lifetime;
  offer.tunnel = {agent_address(), config_.tunnel.local, config_.selectors, config_.tunnel.if_id};
  offer.encap = encap();
  pending_ = ex_.generation;
  pending_keys_ = Pending{offer, std::move(ex_.keys.edge_to_agent)};
  last_offer_ = LastOffer{ex_.conn, offer};
  out.emplace_back(SendOffer{ex_.conn, offer});
  note(out, NoteLevel::info,
       fmt::format("site '{}': offered generation {} (edge SPI 0x{:08x}, agent SPI 0x{:08x})",
                   config_.site_id, offer.generation, offer.edge_spi, offer.agent_spi));
  last_error_.clear();
  phase_ = Phase::idle;
  ex_ = Exchange{};
  save(out);
}

void EdgeRotation::promotion_done(const core::Result<void>& r, TimePoint now, Out& out) {
  GenerationSas* sas = ledger_.find(pending_);
  switch (promotion_) {
    case Promotion::adding:
      if (!r) {
        if (sas != nullptr) sas->outbound.state = SlotState::empty;
        promotion_ = Promotion::none;
        promote_after_ = now + config_.retry;
        last_error_ =
            fmt::format("install outbound SA of generation {}: {}", pending_, r.error().message());
        note(out, NoteLevel::warn,
             fmt::format("site '{}': {}; keeping generation {}", config_.site_id, last_error_,
                         current_));
        save(out);
        return;
      }
      if (sas != nullptr) sas->outbound.state = SlotState::installed;
      promotion_old_ = current_;
      current_ = pending_;
      if (const GenerationSas* old = ledger_.find(promotion_old_);
          old != nullptr && promotion_old_ != current_ && old->outbound.installed()) {
        promotion_ = Promotion::removing_old;
        drain_until_ = now + config_.outbound_drain;
        return;
      }
      break;
    case Promotion::removing_old:
      if (GenerationSas* old = ledger_.find(promotion_old_); old != nullptr) {
        // Going forward on a failed delete: the agent keeps inbound n until the edge is
        // proven on n+1, so the stale SA is only retried, never rolled back to.
        if (!r && !not_found(r)) ledger_.queue_cleanup(ledger_.id_of(old->outbound));
        old->outbound.state = SlotState::empty;
      }
      break;
    case Promotion::none:
      return;
  }
  note(out, NoteLevel::info,
       fmt::format("site '{}': sending on generation {}", config_.site_id, current_));
  pending_ = 0;
  pending_keys_.reset();
  promotion_ = Promotion::none;
  ledger_.prune();
  save(out);
}

void EdgeRotation::on(const CountersRead& e, TimePoint now, Out& out) {
  if (!e.packets || *e.packets == 0) return;
  const auto where = ledger_.locate(e.id);
  if (where && where->direction == xfrm::SaDirection::in) {
    agent_on(where->generation, "inbound counters moved", now, out);
  }
}

void EdgeRotation::on(const KernelEvent& e, TimePoint /*now*/, Out& out) {
  if (const auto* m = std::get_if<xfrm::MappingEvent>(&e.event)) {
    mapping_changed(*m, out);
    return;
  }
  const auto* x = std::get_if<xfrm::ExpireEvent>(&e.event);
  if (x == nullptr || !x->hard || x->reqid != config_.tunnel.reqid) return;  // the agent rotates
  if (ex_.larval && x->id.spi == ex_.edge_spi && x->id.dst == config_.tunnel.local) {
    ex_.larval = false;  // the pending UPDSA fails with not_found
    return;
  }
  if (const auto where = ledger_.forget(x->id)) {
    note(out, NoteLevel::warn,
         fmt::format("site '{}': {} SA of generation {} hard-expired", config_.site_id,
                     where->direction == xfrm::SaDirection::in ? "inbound" : "outbound",
                     where->generation));
    ledger_.prune();
    save(out);
  }
}

void EdgeRotation::mapping_changed(const xfrm::MappingEvent& m, Out& out) {
  if (m.reqid != config_.tunnel.reqid) return;
  const auto where = ledger_.locate(m.id);
  if (!where || where->direction != xfrm::SaDirection::in) return;
  const NatMapping to{m.new_src, m.new_sport};
  // The kernel reports every packet from the new port until the inbound SA knows it.
  if (applied_mapping_ == to) return;
  if (m.new_src != m.old_src) {
    note(out, NoteLevel::warn,
         fmt::format("site '{}': NAT mapping moved to another address ({} -> {}:{}); SAs keep "
                     "their addresses, the agent's next rotation brings the new one",
                     config_.site_id, m.old_src.to_string(), m.new_src.to_string(), m.new_sport));
    applied_mapping_ = to;
    return;
  }
  applied_mapping_ = to;
  std::size_t n = 0;
  for (const auto& entry : ledger_.generations()) {
    const GenerationSas& sas = entry.second;
    if (sas.inbound.installed() && sas.inbound.src == m.old_src) {
      mapping_updates_.push_back({0, ledger_.id_of(sas.inbound), xfrm::SaDirection::in, to.port});
      ++n;
    }
    if (sas.outbound.installed() && sas.outbound.dst == m.old_src) {
      mapping_updates_.push_back({0, ledger_.id_of(sas.outbound), xfrm::SaDirection::out, to.port});
      ++n;
    }
  }
  // The pending generation's outbound SA is installed at promotion from the offer.
  if (pending_keys_ && pending_keys_->offer.encap &&
      pending_keys_->offer.tunnel.agent_address == m.old_src) {
    pending_keys_->offer.encap->dst_port = to.port;
  }
  note(out, NoteLevel::info,
       fmt::format("site '{}': NAT mapping of the agent moved from {}:{} to port {}; updating {} "
                   "SA(s)",
                   config_.site_id, m.old_src.to_string(), m.old_sport, to.port, n));
}

bool EdgeRotation::emit_mapping_step(Out& out) {
  if (mapping_updates_.empty()) return false;
  UpdatePeerPort u = mapping_updates_.front();
  u.step = begin_step(StepKind::mapping);
  out.emplace_back(u);
  return true;
}

void EdgeRotation::agent_on(Generation g, const char* how, TimePoint now, Out& out) {
  if (ledger_.prove_peer(g, now, config_.grace)) {
    note(out, NoteLevel::info,
         fmt::format("site '{}': agent proven on generation {} ({})", config_.site_id, g, how));
  }
}

// --- driving ---

void EdgeRotation::pump(TimePoint now, Out& out) {
  expire_abandoned(now, out);
  if (!step_) emit_mapping_step(out);
  if (!step_) emit_promotion_step(now, out);
  // A request waits for a promotion its evidence made possible, so the offer reports the
  // outbound generation the edge really uses.
  if (!step_ && phase_ == Phase::waiting && promotion_ == Promotion::none && !promotable(now)) {
    issue(now, out);
  }
  if (!step_) emit_exchange_step(out);
  if (!step_) emit_housekeeping_step(now, out);
  const bool pending_unproven = pending_ != 0 && ledger_.peer_proven() < pending_;
  if (auto probe = ledger_.probe(pending_unproven); probe && now >= next_poll_) {
    out.emplace_back(ReadCounters{*probe});
    next_poll_ = now + config_.counter_poll;
  }
  arm(now, out);
}

bool EdgeRotation::promotable(TimePoint now) const {
  return pending_ != 0 && pending_keys_ && ledger_.peer_proven() >= pending_ &&
         now >= promote_after_;
}

bool EdgeRotation::emit_promotion_step(TimePoint now, Out& out) {
  if (promotion_ == Promotion::none) {
    if (!promotable(now)) return false;
    GenerationSas* sas = ledger_.find(pending_);
    if (sas == nullptr) {
      pending_ = 0;
      pending_keys_.reset();
      return false;
    }
    sas->outbound.state = SlotState::installing;
    save(out);
    promotion_ = Promotion::adding;
  }
  if (promotion_ == Promotion::adding) {
    const GenerationOffer& o = pending_keys_->offer;
    const detail::SaSpec spec{xfrm::SaDirection::out,
                              config_.tunnel.local,
                              o.tunnel.agent_address,
                              o.agent_spi,
                              o.lifetime,
                              o.encap};
    out.emplace_back(
        AddSa{begin_step(StepKind::promotion),
              detail::make_sa(config_.tunnel, spec, pending_keys_->outbound_key.clone())});
  } else {
    if (now < drain_until_) return false;  // arm() wakes us then
    out.emplace_back(DeleteSa{begin_step(StepKind::promotion),
                              ledger_.id_of(ledger_.find(promotion_old_)->outbound)});
  }
  return true;
}

void EdgeRotation::issue(TimePoint now, Out& out) {
  // A pending generation that was not promoted is abandoned: its keys are dropped so its
  // number can never carry other keys; its inbound SA stays until the agent is proven past
  // it (the agent might be sending on it).
  if (pending_ != 0) {
    note(out, NoteLevel::info,
         fmt::format("site '{}': generation {} abandoned (not acknowledged)", config_.site_id,
                     pending_));
    abandon(pending_, now);
    pending_ = 0;
    pending_keys_.reset();
  }
  ex_.generation = ++last_issued_;
  save(out);  // the number is used up before anything is installed under it
  phase_ = Phase::allocating;
}

bool EdgeRotation::emit_exchange_step(Out& out) {
  const TunnelConfig& t = config_.tunnel;
  switch (phase_) {
    case Phase::allocating: {
      const auto spi = ledger_.choose_inbound_spi(t.spi_random, ex_.spi_draws);
      if (!spi) {
        abort_exchange("allocate SPI: " + spi.error().message(), out);
        return false;
      }
      out.emplace_back(AllocateSpi{begin_step(StepKind::exchange),
                                   detail::make_spi_request(t, agent_address(), t.local, *spi)});
      return true;
    }
    case Phase::deriving:
      out.emplace_back(DeriveKeys{begin_step(StepKind::exchange), ex_.conn, ex_.generation,
                                  ex_.request.agent_spi, ex_.edge_spi});
      return true;
    case Phase::installing: {
      const detail::SaSpec spec{xfrm::SaDirection::in,
                                agent_address(),
                                t.local,
                                ex_.edge_spi,
                                detail::inbound_lifetime(config_.lifetime, config_.grace),
                                detail::reversed(encap())};
      out.emplace_back(UpdateSa{begin_step(StepKind::exchange),
                                detail::make_sa(t, spec, std::move(ex_.keys.agent_to_edge))});
      return true;
    }
    default:
      return false;
  }
}

bool EdgeRotation::emit_housekeeping_step(TimePoint now, Out& out) {
  return detail::emit_housekeeping(ledger_, now, step_generation_, out, [this](bool retire) {
    return begin_step(retire ? StepKind::retire : StepKind::cleanup);
  });
}

void EdgeRotation::abort_exchange(const std::string& why, Out& out) {
  if (ex_.larval) {
    ledger_.queue_cleanup({config_.tunnel.local, ex_.edge_spi, xfrm::Proto::esp,
                           config_.tunnel.mark.value, config_.tunnel.mark.mask});
  }
  last_error_ = why;
  note(out, NoteLevel::warn, fmt::format("site '{}': exchange failed: {}", config_.site_id, why));
  out.emplace_back(SendRefusal{ex_.conn, {RefusalCode::internal_error, why}});
  phase_ = Phase::idle;
  ex_ = Exchange{};
  save(out);
}

// --- helpers ---

core::IpAddress EdgeRotation::agent_address() const {
  if (ex_.nat) return ex_.nat->address;
  return ex_.address ? *ex_.address : config_.tunnel.remote;
}

std::optional<xfrm::Encap> EdgeRotation::encap() const {
  if (!ex_.nat) return std::nullopt;
  xfrm::Encap e;
  e.src_port = config_.tunnel.nat_port != 0 ? config_.tunnel.nat_port : xfrm::kNatTPort;
  e.dst_port = ex_.nat->port;
  return e;
}

void EdgeRotation::save(Out& out) const {
  out.emplace_back(SaveEdgeState{saved_state()});
}

void EdgeRotation::arm(TimePoint now, Out& out) {
  if (step_) return;
  detail::Wakeup wake;
  auto consider = [&](std::optional<TimePoint> t) { wake.consider(t); };
  consider(ledger_.next_retirement());
  consider(ledger_.next_cleanup());
  if (promotion_ == Promotion::removing_old) consider(drain_until_);
  if (promotion_ == Promotion::none && pending_ != 0 && pending_keys_ &&
      ledger_.peer_proven() >= pending_) {
    consider(promote_after_);
  }
  if (ledger_.probe(pending_ != 0 && ledger_.peer_proven() < pending_)) consider(next_poll_);
  for (const auto& [g, a] : abandoned_)
    consider(a.retire_at);
  wake.arm(now, armed_, out);
}

StepId EdgeRotation::begin_step(StepKind kind) {
  step_ = next_step_++;
  step_kind_ = kind;
  return *step_;
}

RotationStatus EdgeRotation::status() const {
  RotationStatus s;
  if (promotion_ != Promotion::none) {
    s.state = "promoting";
  } else {
    s.state = phase_ == Phase::idle ? "serving" : "issuing";
  }
  s.generation = current_;
  s.pending_generation = pending_;
  ledger_.fill_status(s, current_);
  s.last_error = last_error_;
  return s;
}

EdgeSiteState EdgeRotation::saved_state() const {
  return {config_.site_id, last_issued_, current_, ledger_.records()};
}

}  // namespace pqbranch::rotation
