#include "pqbranch/rotation/agent_rotation.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/rotation/errc.hpp"
#include "pqbranch/rotation/spi_choice.hpp"
#include "pqbranch/xfrm/errc.hpp"

#include "machine_step.hpp"
#include "sa_builder.hpp"

namespace pqbranch::rotation {

using detail::not_found;
using detail::note;

namespace {

using std::chrono::milliseconds;

std::string seconds(Duration d) {
  return fmt::format("{:.1f} s", std::chrono::duration<double>(d).count());
}

// The agent's encapsulation mirrors the edge's: its own port as source, the edge's as
// destination.
std::optional<xfrm::Encap> agent_encap(const GenerationOffer& o, const TunnelConfig& t) {
  if (!o.encap) return std::nullopt;
  xfrm::Encap e;
  e.type = o.encap->type;
  e.src_port = t.nat_port != 0 ? t.nat_port : xfrm::kNatTPort;
  e.dst_port = o.encap->src_port;
  return e;
}

bool lifetimes_consistent(const xfrm::Lifetime& l) {
  if (l.soft_add.count() < 0 || l.hard_add.count() < 0) return false;
  if (l.hard_add.count() != 0 && l.soft_add > l.hard_add) return false;
  return l.soft_bytes <= l.hard_bytes && l.soft_packets <= l.hard_packets;
}

}  // namespace

AgentRotation::AgentRotation(AgentRotationConfig config, RandomSource random)
    : config_(config), random_(std::move(random)), ledger_(config_.tunnel) {
  config_.endpoints = std::max<std::size_t>(config_.endpoints, 1);
}

std::vector<AgentAction> AgentRotation::start(const std::optional<AgentState>& saved,
                                              const std::vector<xfrm::SaState>& kernel_sas,
                                              TimePoint now) {
  Out out;
  if (started_) {
    note(out, NoteLevel::warn, "rotation already started");
    return out;
  }
  started_ = true;
  const AgentState none;
  const AgentState& s = saved ? *saved : none;
  const std::size_t adopted = ledger_.adopt(s.sas, kernel_sas);
  current_ = std::max(ledger_.newest_outbound(), s.generation);
  // Inbound SAs above our outbound generation were never announced to the edge as in use
  // (it moves its outbound only after ours moved), so nothing will ever arrive on them.
  for (const auto& [gen, sas] : ledger_.generations()) {
    if (gen > current_ && sas.inbound.installed())
      ledger_.queue_cleanup(ledger_.id_of(sas.inbound));
  }
  for (Generation g = ledger_.newest(); g > current_; g = ledger_.newest())
    ledger_.erase(g);
  ledger_.prune();
  save(out);
  note(out, NoteLevel::info,
       fmt::format("reconciled: generation {}, {} SA(s) adopted, {} to remove; rotating now",
                   current_, adopted, ledger_.cleanup_pending()));
  next_rotation_ = now;
  pump(now, out);
  return out;
}

std::vector<AgentAction> AgentRotation::handle(AgentEvent event, TimePoint now) {
  return detail::step<AgentAction>(
      started_, event, [&](auto& e, Out& out) { on(e, now, out); },
      [&](Out& out) { pump(now, out); });
}

// --- events ---

void AgentRotation::on(const RotateNow& e, TimePoint now, Out& out) {
  if (in_exchange()) {
    note(out, NoteLevel::info, "rotate now (" + e.why + "): a rotation is already running");
    return;
  }
  if (e.next_endpoint) round_start_ = (last_endpoint_ + 1) % config_.endpoints;
  note(out, NoteLevel::info,
       fmt::format("rotating now: {}{}", e.why,
                   e.next_endpoint ? fmt::format(" (via endpoint {})", round_start_) : ""));
  // pump() then starts the attempt.
  if (phase_ == Phase::idle) next_rotation_ = now;
  if (phase_ == Phase::backoff) retry_at_ = now;
}

void AgentRotation::on(const TimingChanged& e, TimePoint now, Out& out) {
  const bool replan = e.interval != config_.interval || e.jitter != config_.jitter;
  config_.interval = e.interval;
  config_.jitter = e.jitter;
  config_.exchange_timeout = e.exchange_timeout;
  config_.retry_initial = e.retry_initial;
  config_.retry_max = e.retry_max;
  const std::size_t endpoints = std::max<std::size_t>(e.endpoints, 1);
  if (endpoints != config_.endpoints) {
    // A new list: rounds start at its first endpoint; indices past its end wrap around.
    config_.endpoints = endpoints;
    round_start_ = 0;
    last_endpoint_ %= endpoints;
    if (ack_) ack_->endpoint %= endpoints;
  }
  if (!replan || phase_ != Phase::idle) return;
  const TimePoint from = last_rotation_.value_or(now);
  next_rotation_ = std::max(now, from + config_.interval + random_up_to(config_.jitter));
  note(out, NoteLevel::info,
       fmt::format("rotation timing changed: next rotation in {} ms",
                   std::chrono::duration_cast<milliseconds>(next_rotation_ - now).count()));
}

void AgentRotation::on(SpiAllocated& e, TimePoint now, Out& out) {
  if (!step_ || e.step != *step_) return;
  step_.reset();
  if (phase_ != Phase::allocating) return;
  if (!e.spi) {
    // The kernel holds the drawn SPI already (an SA this ledger does not know): the pump
    // draws another, within the bound of one allocation.
    if (e.spi.error() == xfrm::errc::spi_exhausted && ex_.spi_draws < kMaxSpiDraws) return;
    fail_attempt("spi", "allocate SPI: " + e.spi.error().message(), now, out);
    return;
  }
  ex_.agent_spi = *e.spi;
  ex_.larval = true;
  if (ex_.lost) return;  // pump fails the attempt
  GenerationRequest request;
  request.current_generation = current_;
  request.agent_spi = ex_.agent_spi;
  if (config_.tunnel.nat_port != 0) request.nat_source_port = config_.tunnel.nat_port;
  out.emplace_back(SendRequest{ex_.conn, request});
  phase_ = Phase::requesting;
}

void AgentRotation::on(KernelDone& e, TimePoint now, Out& out) {
  if (!step_ || e.step != *step_) return;
  step_.reset();
  switch (step_kind_) {
    case StepKind::exchange:
      exchange_step_done(e.result, now, out);
      return;
    case StepKind::cleanup:
      if (!e.result && !not_found(e.result)) {
        note(out, NoteLevel::warn,
             "cleanup delete failed, will retry: " + e.result.error().message());
      }
      ledger_.cleanup_done(e.result, now, config_.cleanup_retry);
      return;
    case StepKind::retire: {
      GenerationSas* sas = ledger_.find(step_generation_);
      if (sas == nullptr) return;
      if (!e.result && !not_found(e.result)) {
        note(out, NoteLevel::warn,
             fmt::format("delete inbound SA of generation {} failed, will retry: {}",
                         step_generation_, e.result.error().message()));
        ledger_.queue_cleanup(ledger_.id_of(sas->inbound));
      } else {
        note(out, NoteLevel::info,
             fmt::format("retired inbound SA of generation {} (SPI 0x{:08x})", step_generation_,
                         sas->inbound.spi));
      }
      ledger_.inbound_retired(*sas);
      save(out);
      return;
    }
  }
}

void AgentRotation::exchange_step_done(const core::Result<void>& r, TimePoint now, Out& out) {
  const Generation g = ex_.offer ? ex_.offer->generation : 0;
  GenerationSas* sas = ledger_.find(g);
  if (sas == nullptr) return;
  const SaSlot sas_inbound = sas->inbound;
  switch (phase_) {
    case Phase::installing_inbound:
      if (r) {
        ex_.larval = false;
        sas->inbound.state = SlotState::installed;
        sas->outbound.state = SlotState::installing;
        save(out);
        phase_ = Phase::installing_outbound;
        return;
      }
      ledger_.erase(g);
      if (not_found(r)) {
        // The larval SA expired. Deleting it anyway costs nothing (not_found is fine) and
        // leaves nothing behind should the kernel have answered for another reason.
        ledger_.queue_cleanup(ledger_.id_of(sas_inbound));
        ex_.larval = false;
        save(out);
        retry_after_larval_expiry(now, out);
        return;
      }
      fail_attempt("kernel",
                   fmt::format("install inbound SA of generation {}: {}", g, r.error().message()),
                   now, out);
      return;
    case Phase::installing_outbound:
      if (r) {
        sas->outbound.state = SlotState::installed;
        ex_.old_generation = current_;
        current_ = g;
        const GenerationSas* old = ledger_.find(ex_.old_generation);
        if (old != nullptr && ex_.old_generation != g && old->outbound.installed()) {
          phase_ = Phase::removing_old_outbound;
          ex_.drain_until = now + config_.outbound_drain;
          return;
        }
        finish_rotation(now, out);
        return;
      }
      // Nothing was sent on generation g: undo its inbound SA, keep generation n.
      sas->outbound.state = SlotState::empty;
      ex_.failure = fmt::format("install outbound SA of generation {}: {}", g, r.error().message());
      note(out, NoteLevel::warn, ex_.failure + "; rolling back");
      phase_ = Phase::rolling_back;
      return;
    case Phase::removing_old_outbound: {
      GenerationSas* old = ledger_.find(ex_.old_generation);
      if (old == nullptr) break;
      if (!r && !not_found(r)) {
        // Go forward, but without acknowledging: while the old outbound SA exists the kernel
        // may still pick it, so only the edge's own evidence (counters of inbound n+1, or the
        // next request once the retried delete went through) may retire its inbound n.
        // Rolling back instead could contradict counters that already moved on n+1.
        note(out, NoteLevel::warn,
             fmt::format("delete outbound SA of generation {} failed, will retry: {}",
                         ex_.old_generation, r.error().message()));
        ledger_.queue_cleanup(ledger_.id_of(old->outbound));
        ex_.old_outbound_stuck = true;
      }
      old->outbound.state = SlotState::empty;
      break;
    }
    case Phase::rolling_back:
      if (!r && !not_found(r)) ledger_.queue_cleanup(ledger_.id_of(sas->inbound));
      sas->inbound.state = SlotState::empty;
      ledger_.prune();
      fail_attempt("kernel", ex_.failure, now, out);
      return;
    default:
      return;
  }
  finish_rotation(now, out);
}

void AgentRotation::on(const CountersRead& e, TimePoint now, Out& out) {
  if (!e.packets || *e.packets == 0) return;
  auto where = ledger_.locate(e.id);
  if (!where || where->direction != xfrm::SaDirection::in) return;
  if (ledger_.prove_peer(where->generation, now, config_.grace)) {
    note(out, NoteLevel::info,
         fmt::format("edge proven on generation {} (inbound counters moved)", where->generation));
  }
  // The edge sends on it, so it has installed its outbound SA: the ack did its job.
  if (ack_ && ledger_.peer_proven() >= ack_->ack.generation) ack_confirmed("inbound counters", out);
}

void AgentRotation::on(const KernelEvent& e, TimePoint now, Out& out) {
  if (const auto* x = std::get_if<xfrm::ExpireEvent>(&e.event)) expire(*x, now, out);
}

void AgentRotation::on(const Connected& e, TimePoint now, Out& out) {
  if (phase_ == Phase::connecting && e.conn == ex_.conn) phase_ = Phase::allocating;
  if (ack_ && e.conn == ack_->conn && !ack_->sent) {
    // The ack may be repeated on a new connection of the same site (key-service.md §3).
    out.emplace_back(SendAck{e.conn, ack_->ack, true});
    out.emplace_back(CloseConnection{e.conn});
    ack_->sent = true;
    ack_->deadline = now + config_.exchange_timeout;
  }
}

void AgentRotation::on(const ConnectFailed& e, TimePoint now, Out& out) {
  if (ack_ && e.conn == ack_->conn) {
    ack_unconfirmed(fmt::format("connect to endpoint {}: {}", ack_->endpoint, e.error.message()),
                    now, out);
    return;
  }
  if (phase_ != Phase::connecting || e.conn != ex_.conn) return;
  fail_attempt("connect",
               fmt::format("connect to endpoint {}: {}", ex_.endpoint, e.error.message()), now,
               out);
}

void AgentRotation::on(OfferReceived& e, TimePoint /*now*/, Out& out) {
  if (phase_ == Phase::requesting && e.conn == ex_.conn && !ex_.offer) {
    ex_.offer = std::move(e.offer);
    ex_.keys = std::move(e.keys);
    return;
  }
  note(out, NoteLevel::debug,
       fmt::format("ignoring offer of generation {} on connection {} (not awaited)",
                   e.offer.generation, e.conn));
}

void AgentRotation::on(const RefusalReceived& e, TimePoint now, Out& out) {
  const std::optional<Duration> not_before =
      e.refusal.retry_after ? std::optional<Duration>(*e.refusal.retry_after) : std::nullopt;
  if (ack_ && e.conn == ack_->conn) {
    if (e.refusal.code != RefusalCode::generation_mismatch) {
      ack_unconfirmed(fmt::format("{}: {}", to_string(e.refusal.code), e.refusal.detail), now, out,
                      not_before);
      return;
    }
    // The edge lost the pending generation's keys (it restarted): a request naming our
    // generation makes it issue a new one (key-service.md §6).
    const Generation g = ack_->ack.generation;
    ack_.reset();
    note(out, NoteLevel::warn,
         fmt::format("the edge no longer knows generation {} (generation_mismatch)", g));
    rotate_soon(fmt::format("the edge could not complete generation {}", g), now, out);
    return;
  }
  if (phase_ != Phase::requesting || e.conn != ex_.conn || ex_.offer) return;
  fail_attempt("refused",
               core::make_error(errc::refused,
                                fmt::format("{}: {}", to_string(e.refusal.code), e.refusal.detail))
                   .message(),
               now, out, not_before);
}

void AgentRotation::on(const AckAnswered& e, TimePoint now, Out& out) {
  if (!ack_ || e.conn != ack_->conn || e.generation != ack_->ack.generation) return;
  if (!e.edge_outbound_installed) {
    ack_unconfirmed("the edge has not installed its outbound SA yet", now, out);
    return;
  }
  if (ledger_.prove_peer(e.generation, now, config_.grace)) {
    note(out, NoteLevel::info,
         fmt::format("edge proven on generation {} (acknowledgement answered)", e.generation));
  }
  ack_confirmed("answer", out);
}

void AgentRotation::on(const ConnectionLost& e, TimePoint now, Out& out) {
  if (ack_ && e.conn == ack_->conn) {
    ack_unconfirmed("connection lost: " + e.error.message(), now, out);
    return;
  }
  // After the offer arrived the rotation completes without the connection (the ack is
  // confirmed or repeated separately); before, the attempt fails (in pump, once no step is
  // running).
  if (e.conn == ex_.conn && in_exchange()) ex_.lost = e.error;
}

// --- the acknowledgement ---

void AgentRotation::ack_unconfirmed(const std::string& why, TimePoint now, Out& out,
                                    std::optional<Duration> not_before) {
  ++ack_->attempts;
  ack_->conn = 0;
  ack_->sent = false;
  ack_->endpoint = (ack_->endpoint + 1) % config_.endpoints;
  const Duration delay = delay_after(ack_->attempts, not_before);
  ack_->retry_at = now + delay;
  note(out, NoteLevel::warn,
       fmt::format("acknowledgement of generation {} not confirmed ({}); sending it again in {}",
                   ack_->ack.generation, why, seconds(delay)));
}

void AgentRotation::ack_confirmed(const std::string& how, Out& out) {
  note(out, NoteLevel::debug,
       fmt::format("acknowledgement of generation {} confirmed ({})", ack_->ack.generation, how));
  ack_.reset();
}

void AgentRotation::pump_ack(TimePoint now, Out& out) {
  if (!ack_) return;
  if (ack_->conn != 0) {
    if (now < ack_->deadline) return;
    out.emplace_back(CloseConnection{ack_->conn});
    ack_unconfirmed("no answer in time", now, out);
    return;
  }
  // During an exchange the request itself names our generation, which confirms it.
  if (phase_ != Phase::idle || now < ack_->retry_at) return;
  ack_->conn = next_conn_++;
  ack_->deadline = now + config_.exchange_timeout;
  out.emplace_back(Connect{ack_->conn, ack_->endpoint});
}

// --- driving ---

void AgentRotation::pump(TimePoint now, Out& out) {
  const bool awaiting_network = phase_ == Phase::connecting ||
                                (phase_ == Phase::allocating && !step_) ||
                                (phase_ == Phase::requesting && !ex_.offer);
  if (awaiting_network && ex_.lost) {
    fail_attempt(
        "connection_lost",
        fmt::format("connection to endpoint {} lost: {}", ex_.endpoint, ex_.lost->message()), now,
        out);
  } else if (awaiting_network && now >= ex_.deadline) {
    fail_attempt(
        "timeout",
        core::make_error(errc::timeout, fmt::format("endpoint {}", ex_.endpoint)).message(), now,
        out);
  }
  if (!step_ && phase_ == Phase::requesting && ex_.offer) accept_offer(now, out);
  if (!step_) emit_exchange_step(now, out);
  if (!step_) emit_housekeeping_step(now, out);
  pump_ack(now, out);
  if ((phase_ == Phase::idle && now >= next_rotation_) ||
      (phase_ == Phase::backoff && now >= retry_at_)) {
    begin_attempt(round_start_, 0, now, out);
  }
  if (auto probe = ledger_.probe(false); probe && now >= next_poll_) {
    out.emplace_back(ReadCounters{*probe});
    next_poll_ = now + config_.counter_poll;
  }
  arm(now, out);
}

void AgentRotation::emit_exchange_step(TimePoint now, Out& out) {
  const TunnelConfig& t = config_.tunnel;
  switch (phase_) {
    case Phase::allocating: {
      const auto spi = ledger_.choose_inbound_spi(t.spi_random, ex_.spi_draws);
      if (!spi) {
        fail_attempt("spi", "allocate SPI: " + spi.error().message(), now, out);
        return;
      }
      out.emplace_back(AllocateSpi{begin_step(StepKind::exchange),
                                   detail::make_spi_request(t, t.remote, t.local, *spi)});
      return;
    }
    case Phase::installing_inbound: {
      const GenerationOffer& o = *ex_.offer;
      const detail::SaSpec spec{xfrm::SaDirection::in,
                                t.remote,
                                t.local,
                                ex_.agent_spi,
                                detail::inbound_lifetime(o.lifetime, config_.grace),
                                detail::reversed(agent_encap(o, t))};
      out.emplace_back(UpdateSa{begin_step(StepKind::exchange),
                                detail::make_sa(t, spec, std::move(ex_.keys.edge_to_agent))});
      return;
    }
    case Phase::installing_outbound: {
      const GenerationOffer& o = *ex_.offer;
      const detail::SaSpec spec{xfrm::SaDirection::out, t.local, t.remote, o.edge_spi, o.lifetime,
                                agent_encap(o, t)};
      out.emplace_back(AddSa{begin_step(StepKind::exchange),
                             detail::make_sa(t, spec, std::move(ex_.keys.agent_to_edge))});
      return;
    }
    case Phase::removing_old_outbound:
      if (now < ex_.drain_until) return;  // arm() wakes us then
      out.emplace_back(DeleteSa{begin_step(StepKind::exchange),
                                ledger_.id_of(ledger_.find(ex_.old_generation)->outbound)});
      return;
    case Phase::rolling_back:
      out.emplace_back(DeleteSa{begin_step(StepKind::exchange),
                                ledger_.id_of(ledger_.find(ex_.offer->generation)->inbound)});
      return;
    default:
      return;
  }
}

bool AgentRotation::emit_housekeeping_step(TimePoint now, Out& out) {
  return detail::emit_housekeeping(ledger_, now, step_generation_, out, [this](bool retire) {
    return begin_step(retire ? StepKind::retire : StepKind::cleanup);
  });
}

void AgentRotation::accept_offer(TimePoint now, Out& out) {
  const GenerationOffer& o = *ex_.offer;
  const Generation floor = std::max(current_, ledger_.newest());
  const bool spi_reused =
      std::any_of(ledger_.generations().begin(), ledger_.generations().end(),
                  [&](const auto& kv) { return kv.second.outbound.spi == o.edge_spi; });
  std::string why;
  std::string_view reason;  // agent_rotation_failures_total's label
  if (o.agent_spi != ex_.agent_spi) {
    why = "the agent SPI does not match the request";
    reason = "offer_agent_spi";
  } else if (o.generation <= floor) {
    why = fmt::format("generation {} is not above {}", o.generation, floor);
    reason = "offer_generation";
  } else if (o.generation - floor > detail::kMaxGenerationJump) {
    why = fmt::format("generation {} jumps more than 2^32 above {}", o.generation, floor);
    reason = "offer_generation";
  } else if (o.edge_spi < xfrm::kMinSpi || spi_reused) {
    why = fmt::format("edge SPI 0x{:08x} is reserved or was used before", o.edge_spi);
    reason = "offer_edge_spi";
  } else if (ex_.keys.agent_to_edge.size() != xfrm::kAeadKeyBytes ||
             ex_.keys.edge_to_agent.size() != xfrm::kAeadKeyBytes) {
    why = "keys of the wrong size";
    reason = "offer_keys";
  } else if (o.tunnel.edge_address != config_.tunnel.remote ||
             o.tunnel.if_id != config_.tunnel.if_id) {
    why = "tunnel parameters differ from the configured tunnel";
    reason = "offer_tunnel";
  } else if (!lifetimes_consistent(o.lifetime)) {
    why = "inconsistent lifetimes";
    reason = "offer_lifetime";
  }
  if (!why.empty()) {
    fail_attempt(reason, core::make_error(errc::invalid_offer, why).message(), now, out);
    return;
  }
  if (ledger_.prove_peer(o.edge_generation, now, config_.grace)) {
    note(out, NoteLevel::info,
         fmt::format("edge proven on generation {} (offer)", o.edge_generation));
  }
  // The request named our generation: the edge completed it (rule 1) or, if it lost the
  // keys, this new generation replaces it. Either way nothing is left to acknowledge.
  if (ack_) ack_confirmed("superseded by the next exchange", out);
  const TunnelConfig& t = config_.tunnel;
  GenerationSas& sas = ledger_.at(o.generation);
  sas.inbound = {ex_.agent_spi, t.remote, t.local, SlotState::installing};
  sas.outbound = {o.edge_spi, t.local, t.remote, SlotState::empty};
  save(out);  // before the SA exists: a restart then knows it
  phase_ = Phase::installing_inbound;
}

void AgentRotation::begin_attempt(std::size_t endpoint, int larval_retries, TimePoint now,
                                  Out& out) {
  ex_ = Exchange{};
  ex_.conn = next_conn_++;
  ex_.endpoint = endpoint;
  last_endpoint_ = endpoint;
  ex_.deadline = now + config_.exchange_timeout;
  ex_.larval_retries = larval_retries;
  phase_ = Phase::connecting;
  out.emplace_back(Connect{ex_.conn, endpoint});
}

void AgentRotation::fail_attempt(std::string_view reason, const std::string& why, TimePoint now,
                                 Out& out, std::optional<Duration> not_before) {
  if (ex_.larval) {
    ledger_.queue_cleanup({config_.tunnel.local, ex_.agent_spi, xfrm::Proto::esp,
                           config_.tunnel.mark.value, config_.tunnel.mark.mask});
  }
  ledger_.prune();
  out.emplace_back(CloseConnection{ex_.conn, reason});
  last_error_ = why;
  note(out, NoteLevel::warn,
       fmt::format("rotation attempt on endpoint {} failed: {}", ex_.endpoint, why));
  save(out);
  const std::size_t next = (ex_.endpoint + 1) % config_.endpoints;
  if (!not_before && next != round_start_) {
    begin_attempt(next, 0, now, out);
    return;
  }
  ++failures_;
  const Duration delay = delay_after(failures_, not_before);
  retry_at_ = now + delay;
  phase_ = Phase::backoff;
  ex_ = Exchange{};
  note(out, NoteLevel::warn,
       fmt::format("{}, retrying in {} (failed rounds: {})",
                   not_before ? "edge busy (Retry-After)" : "edge unreachable", seconds(delay),
                   failures_));
}

void AgentRotation::retry_after_larval_expiry(TimePoint now, Out& out) {
  ex_.larval = false;
  if (ex_.larval_retries >= config_.max_larval_retries) {
    fail_attempt("larval_expired",
                 core::make_error(errc::larval_expired, "too often in a row").message(), now, out);
    return;
  }
  note(out, NoteLevel::warn,
       fmt::format("reserved SPI 0x{:08x} expired before completion; allocating a new one",
                   ex_.agent_spi));
  out.emplace_back(CloseConnection{ex_.conn});
  begin_attempt(ex_.endpoint, ex_.larval_retries + 1, now, out);
}

void AgentRotation::finish_rotation(TimePoint now, Out& out) {
  const GenerationOffer o = *ex_.offer;
  ledger_.prune();
  save(out);
  ack_.reset();
  if (!ex_.old_outbound_stuck) {
    const GenerationAck ack{o.generation, o.agent_spi, o.edge_spi};
    out.emplace_back(SendAck{ex_.conn, ack, false});
    // Until the edge answers (or proves it otherwise), the ack may have been lost.
    ack_ = PendingAck{ack, ex_.conn, true, now + config_.exchange_timeout, {}, ex_.endpoint, 0};
    if (ex_.lost) {
      // The connection broke after the offer: this ack cannot leave, send it again at once.
      ack_->conn = 0;
      ack_->sent = false;
      ack_->retry_at = now;
    }
  }
  out.emplace_back(CloseConnection{ex_.conn});
  note(out, NoteLevel::info,
       fmt::format("generation {} installed (inbound SPI 0x{:08x}, outbound SPI 0x{:08x}) "
                   "via endpoint {}",
                   o.generation, o.agent_spi, o.edge_spi, ex_.endpoint));
  failures_ = 0;
  last_error_.clear();
  phase_ = Phase::idle;
  last_rotation_ = now;
  next_rotation_ = now + config_.interval + random_up_to(config_.jitter);
  ex_ = Exchange{};
}

void AgentRotation::rotate_soon(const std::string& why, TimePoint now, Out& out) {
  if (phase_ != Phase::idle || next_rotation_ <= now) return;
  next_rotation_ = now;
  note(out, NoteLevel::info, "rotating early: " + why);
}

void AgentRotation::expire(const xfrm::ExpireEvent& e, TimePoint now, Out& out) {
  if (e.reqid != config_.tunnel.reqid) return;
  if (e.hard && ex_.larval && e.id.spi == ex_.agent_spi && e.id.dst == config_.tunnel.local) {
    ex_.larval = false;
    // Before the offer was accepted: start over with a new SPI. Later, the pending UPDSA
    // fails with not_found and its result does the same.
    if (phase_ == Phase::requesting) retry_after_larval_expiry(now, out);
    return;
  }
  const auto where = ledger_.locate(e.id);
  if (!where) return;
  const bool current_out =
      where->direction == xfrm::SaDirection::out && where->generation == current_;
  const bool newest_in =
      where->direction == xfrm::SaDirection::in && where->generation == ledger_.newest_inbound();
  const char* dir = where->direction == xfrm::SaDirection::in ? "inbound" : "outbound";
  if (!e.hard) {
    if (current_out || newest_in) {
      rotate_soon(fmt::format("soft expiry of the {} SA of generation {}", dir, where->generation),
                  now, out);
    }
    return;
  }
  ledger_.forget(e.id);
  ledger_.prune();
  save(out);
  const std::string what =
      fmt::format("{} SA of generation {} hard-expired", dir, where->generation);
  if (current_out) {
    last_error_ = what + ": traffic is dropped (policies stay) until a new generation";
    note(out, NoteLevel::error, last_error_);
  } else {
    note(out, NoteLevel::warn, what);
  }
  if (current_out || newest_in) rotate_soon("hard expiry", now, out);
}

// --- helpers ---

void AgentRotation::save(Out& out) const {
  out.emplace_back(SaveAgentState{saved_state()});
}

void AgentRotation::arm(TimePoint now, Out& out) {
  if (step_) return;  // its result comes back first and arms again
  detail::Wakeup wake;
  auto consider = [&](std::optional<TimePoint> t) { wake.consider(t); };
  switch (phase_) {
    case Phase::idle:
      consider(next_rotation_);
      break;
    case Phase::backoff:
      consider(retry_at_);
      break;
    case Phase::connecting:
    case Phase::allocating:
    case Phase::requesting:
      consider(ex_.deadline);
      break;
    case Phase::removing_old_outbound:
      consider(ex_.drain_until);
      break;
    default:
      break;
  }
  consider(ledger_.next_retirement());
  consider(ledger_.next_cleanup());
  if (ledger_.probe(false)) consider(next_poll_);
  if (ack_ && ack_->conn != 0) consider(ack_->deadline);
  if (ack_ && ack_->conn == 0 && phase_ == Phase::idle) consider(ack_->retry_at);
  wake.arm(now, armed_, out);
}

// initial * 2^(rounds-1) capped at max, then a uniform pick in [half, whole].
Duration AgentRotation::backoff(unsigned rounds) {
  Duration delay = config_.retry_initial;
  for (unsigned i = 1; i < rounds && delay < config_.retry_max; ++i)
    delay *= 2;
  delay = std::min(delay, config_.retry_max);
  return delay / 2 + random_up_to(delay - delay / 2);
}

// The backoff, or the edge's Retry-After when that is longer: never before it asked, never
// later than retry_max (a hostile edge cannot park the agent until its SAs expire), plus up
// to a quarter of it at random so that agents told the same do not return together.
Duration AgentRotation::delay_after(unsigned rounds, std::optional<Duration> not_before) {
  const Duration delay = backoff(rounds);
  if (!not_before || *not_before <= delay) return delay;
  const Duration asked = std::min(*not_before, config_.retry_max);
  return std::min(asked + random_up_to(asked / 4), std::max(asked, config_.retry_max));
}

StepId AgentRotation::begin_step(StepKind kind) {
  step_ = next_step_++;
  step_kind_ = kind;
  return *step_;
}

Duration AgentRotation::random_up_to(Duration max) {
  if (max.count() <= 0 || !random_) return Duration::zero();
  const auto span = static_cast<std::uint64_t>(max.count()) + 1;
  return Duration(static_cast<Duration::rep>(random_() % span));
}

bool AgentRotation::in_exchange() const noexcept {
  return phase_ != Phase::idle && phase_ != Phase::backoff;
}

const char* AgentRotation::phase_name() const noexcept {
  switch (phase_) {
    case Phase::idle:
      return "idle";
    case Phase::backoff:
      return "edge unreachable, retrying";
    case Phase::connecting:
      return "connecting";
    case Phase::allocating:
      return "allocating SPI";
    case Phase::requesting:
      return "requesting";
    case Phase::installing_inbound:
      return "installing inbound";
    case Phase::installing_outbound:
      return "installing outbound";
    case Phase::removing_old_outbound:
      return "removing old outbound";
    case Phase::rolling_back:
      return "rolling back";
  }
  return "?";
}

RotationStatus AgentRotation::status() const {
  RotationStatus s;
  s.state = phase_name();
  s.generation = current_;
  s.pending_generation = ex_.offer ? ex_.offer->generation : 0;
  ledger_.fill_status(s, current_);
  s.last_error = last_error_;
  if (phase_ == Phase::idle) s.next_rotation = next_rotation_;
  if (phase_ == Phase::backoff) s.next_rotation = retry_at_;
  s.last_rotation = last_rotation_;
  s.consecutive_failures = failures_;
  s.endpoint = last_endpoint_;
  s.edge_reachable = failures_ == 0;
  return s;
}

AgentState AgentRotation::saved_state() const {
  return {current_, ledger_.records()};
}

}  // namespace pqbranch::rotation
