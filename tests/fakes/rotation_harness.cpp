#include "fakes/rotation_harness.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/rotation/persisted_state.hpp"

namespace pqbranch::test {
namespace {

using namespace std::chrono_literals;
namespace ks = pqbranch::rotation;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

core::IpAddress addr(const char* text) {
  return core::IpAddress::parse(text).value();
}

const core::IpAddress kAgentAddress = addr("192.0.2.1");
const core::IpAddress kEdgeAddress = addr("198.51.100.1");
constexpr std::uint32_t kReqid = 0x70710001;
constexpr std::size_t kMaxViolations = 20;

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

core::SecureBytes derive(std::uint64_t session, ks::Generation g, std::uint32_t agent_spi,
                         std::uint32_t edge_spi, std::uint64_t direction) {
  std::uint64_t state = session * 0x100000001b3ULL;
  for (const std::uint64_t v : {g, std::uint64_t{agent_spi}, std::uint64_t{edge_spi}, direction}) {
    state ^= splitmix(state) + v;
  }
  core::SecureBytes key(xfrm::kAeadKeyBytes);
  for (std::size_t i = 0; i < key.size(); ++i) {
    key.data()[i] = static_cast<std::uint8_t>(splitmix(state));
  }
  return key;
}

core::Error network_error(const char* what) {
  return core::make_error(boost::system::errc::connection_reset, what);
}

}  // namespace

RotationHarness::RotationHarness(HarnessOptions options)
    : o_(std::move(options)),
      random_(std::make_shared<std::mt19937_64>(o_.seed)),
      packet_random_(o_.seed + 7),
      agent_table_(o_.seed * 31 + 1),
      edge_table_(o_.seed * 31 + 2),
      endpoint_up_(o_.endpoints, true) {
  ks::TunnelConfig agent_tunnel;
  agent_tunnel.local = kAgentAddress;
  agent_tunnel.remote = kEdgeAddress;
  agent_tunnel.reqid = kReqid;
  if (o_.nat) agent_tunnel.nat_port = xfrm::kNatTPort;
  agent_config_.tunnel = agent_tunnel;
  agent_config_.endpoints = o_.endpoints;
  agent_config_.interval = o_.interval;
  agent_config_.jitter = o_.jitter;
  agent_config_.exchange_timeout = o_.exchange_timeout;
  agent_config_.retry_initial = o_.retry_initial;
  agent_config_.retry_max = o_.retry_max;
  agent_config_.grace = o_.grace;
  agent_config_.counter_poll = o_.counter_poll;
  agent_config_.cleanup_retry = 2s;
  agent_table_.prefer_oldest_on_tie(o_.prefer_oldest_on_tie);
  edge_table_.prefer_oldest_on_tie(o_.prefer_oldest_on_tie);

  ks::TunnelConfig edge_tunnel = agent_tunnel;
  edge_tunnel.local = kEdgeAddress;
  edge_tunnel.remote = kAgentAddress;
  edge_config_.site_id = "branch-1";
  edge_config_.tunnel = edge_tunnel;
  edge_config_.lifetime.soft_add = o_.soft_lifetime;
  edge_config_.lifetime.hard_add = o_.hard_lifetime;
  edge_config_.grace = o_.grace;
  edge_config_.counter_poll = o_.counter_poll;
  edge_config_.retry = 2s;
}

RotationHarness::~RotationHarness() = default;

void RotationHarness::start() {
  edge_ = std::make_unique<ks::EdgeRotation>(edge_config_);
  perform_edge(edge_->start(std::nullopt, edge_table_.list(), now()));
  auto rng = random_;
  agent_ = std::make_unique<ks::AgentRotation>(agent_config_, [rng] { return (*rng)(); });
  perform_agent(agent_->start(std::nullopt, agent_table_.list(), now()));
  dispatch();
}

// --- time ---

void RotationHarness::step() {
  clock_.advance(o_.step);
  const TimePoint t = now();
  for (;;) {
    auto due = std::min_element(network_.begin(), network_.end(), [](const auto& a, const auto& b) {
      return a.at != b.at ? a.at < b.at : a.seq < b.seq;
    });
    if (due == network_.end() || due->at > t) break;
    std::function<void()> run = std::move(due->run);
    network_.erase(due);
    run();
    dispatch();
  }
  expire_sas();
  dispatch();
  if (agent_wake_ && *agent_wake_ <= t) {
    agent_wake_.reset();
    agent_events_.emplace_back(ks::Tick{});
  }
  if (edge_wake_ && *edge_wake_ <= t) {
    edge_wake_.reset();
    edge_events_.emplace_back(ks::Tick{});
  }
  dispatch();
  traffic();
}

void RotationHarness::run_for(Duration d) {
  const TimePoint end = now() + d;
  while (now() < end)
    step();
}

bool RotationHarness::run_until(const std::function<bool()>& done, Duration limit) {
  const TimePoint end = now() + limit;
  while (now() < end) {
    step();
    if (done()) return true;
  }
  return false;
}

bool RotationHarness::run_until_generation(ks::Generation g, Duration limit) {
  return run_until([&] { return agent_->generation() >= g && settled(); }, limit);
}

// --- dispatching ---

void RotationHarness::dispatch() {
  bool progress = true;
  while (progress) {
    progress = false;
    while (!agent_events_.empty()) {
      ks::AgentEvent e = std::move(agent_events_.front());
      agent_events_.pop_front();
      perform_agent(agent_->handle(std::move(e), now()));
      progress = true;
    }
    while (!edge_events_.empty()) {
      ks::EdgeEvent e = std::move(edge_events_.front());
      edge_events_.pop_front();
      perform_edge(edge_->handle(std::move(e), now()));
      progress = true;
    }
  }
}

void RotationHarness::perform_agent(std::vector<ks::AgentAction> actions) {
  for (ks::AgentAction& a : actions) {
    perform(a);
    ++agent_actions_;
    check_invariant(fmt::format("agent action #{}", agent_actions_));
    if (agent_crash_countdown_ > 0 && --agent_crash_countdown_ == 0) {
      agent_crashed_ = true;
      break;  // the rest of the list is never performed
    }
  }
  if (agent_crashed_) {
    agent_crashed_ = false;
    restart_agent_now();
  }
}

void RotationHarness::perform_edge(std::vector<ks::EdgeAction> actions) {
  for (ks::EdgeAction& a : actions) {
    perform(a);
    ++edge_actions_;
    check_invariant(fmt::format("edge action #{}", edge_actions_));
    if (edge_crash_countdown_ > 0 && --edge_crash_countdown_ == 0) {
      edge_crashed_ = true;
      break;
    }
  }
  if (edge_crashed_) {
    edge_crashed_ = false;
    restart_edge_now();
  }
}

void RotationHarness::perform(ks::AgentAction& action) {
  const std::uint64_t inc = agent_incarnation_;
  std::visit(
      Overloaded{
          [&](const ks::Connect& a) {
            const std::uint64_t s = next_session_++;
            sessions_[s] = {a.endpoint, a.conn, inc, edge_incarnation_, true};
            agent_sessions_[a.conn] = s;
            connects_.emplace_back(now(), a.endpoint);
            if (a.endpoint < endpoint_up_.size() && endpoint_up_[a.endpoint]) {
              schedule(o_.latency,
                       [this, inc, conn = a.conn] { to_agent(inc, ks::Connected{conn}); });
            } else {
              sessions_[s].open = false;
              schedule(o_.connect_failure_after, [this, inc, conn = a.conn] {
                to_agent(inc, ks::ConnectFailed{conn, network_error("connection refused")});
              });
            }
          },
          [&](const ks::SendRequest& a) {
            auto it = agent_sessions_.find(a.conn);
            if (it == agent_sessions_.end() || !sessions_[it->second].open) return;
            const std::uint64_t s = it->second;
            const std::uint64_t edge_inc = sessions_[s].edge_incarnation;
            send(Msg::request, [this, s, edge_inc, req = a.request] {
              to_edge(edge_inc, ks::RequestReceived{s, req, o_.nat, std::nullopt});
            });
          },
          [&](const ks::SendAck& a) {
            ++acks_sent_;
            auto it = agent_sessions_.find(a.conn);
            if (it == agent_sessions_.end() || !sessions_[it->second].open) return;
            const std::uint64_t s = it->second;
            const std::uint64_t edge_inc = sessions_[s].edge_incarnation;
            send(Msg::ack, [this, s, edge_inc, ack = a.ack] {
              if (edge_inc != edge_incarnation_) return;
              // As EdgeExecutor::ack: a generation the edge does not know with these SPIs
              // is refused; otherwise the answer says whether the edge sends on it.
              const ks::GenerationSas* sas = edge_->ledger().find(ack.generation);
              const bool known = sas != nullptr && sas->outbound.spi == ack.agent_spi &&
                                 sas->inbound.spi == ack.edge_spi;
              if (known) to_edge(edge_inc, ks::AckReceived{s, ack});
              send(Msg::ack_answer, [this, s, edge_inc, known, ack] {
                if (edge_inc != edge_incarnation_) return;  // the connection broke with it
                const Session& session = sessions_[s];
                if (!known) {
                  to_agent(session.agent_incarnation,
                           ks::RefusalReceived{session.agent_conn,
                                               {ks::RefusalCode::generation_mismatch, "unknown"}});
                  return;
                }
                to_agent(session.agent_incarnation,
                         ks::AckAnswered{session.agent_conn, ack.generation,
                                         edge_->generation() >= ack.generation});
              });
            });
          },
          [&](const ks::CloseConnection& a) {
            auto it = agent_sessions_.find(a.conn);
            if (it != agent_sessions_.end()) close_session(it->second, false, true);
          },
          [&](const ks::AllocateSpi& a) {
            agent_events_.emplace_back(
                ks::SpiAllocated{a.step, agent_table_.allocate_spi(a.request, now())});
          },
          [&](const ks::AddSa& a) {
            agent_events_.emplace_back(ks::KernelDone{a.step, agent_table_.add_sa(a.sa, now())});
          },
          [&](const ks::UpdateSa& a) {
            agent_events_.emplace_back(ks::KernelDone{a.step, agent_table_.update_sa(a.sa, now())});
          },
          [&](const ks::DeleteSa& a) {
            agent_events_.emplace_back(ks::KernelDone{a.step, agent_table_.delete_sa(a.id)});
          },
          [&](const ks::ReadCounters& a) {
            agent_events_.emplace_back(ks::CountersRead{a.id, agent_table_.packets(a.id)});
          },
          [&](const ks::SaveAgentState& a) {
            agent_saved_ = ks::encode(a.state);
            auto back = ks::decode_agent_state(agent_saved_);
            if (!back || *back != a.state)
              violations_.emplace_back("agent state does not round-trip");
          },
          [&](const ks::WakeAt& a) { agent_wake_ = a.at; },
          [&](const ks::Note& a) { agent_notes_.push_back(a.text); },
      },
      action);
}

void RotationHarness::perform(ks::EdgeAction& action) {
  std::visit(
      Overloaded{
          [&](const ks::SendOffer& a) {
            auto it = sessions_.find(a.conn);
            if (it == sessions_.end()) return;
            const Session s = it->second;
            send(Msg::offer, [this, session = a.conn, s, offer = a.offer] {
              if (!sessions_[session].open) return;  // the agent closed it
              to_agent(s.agent_incarnation,
                       ks::OfferReceived{s.agent_conn, offer,
                                         derive_keys(session, offer.generation, offer.agent_spi,
                                                     offer.edge_spi)});
            });
          },
          [&](const ks::SendRefusal& a) {
            auto it = sessions_.find(a.conn);
            if (it == sessions_.end()) return;
            const Session s = it->second;
            send(Msg::refusal, [this, session = a.conn, s, refusal = a.refusal] {
              if (!sessions_[session].open) return;
              to_agent(s.agent_incarnation, ks::RefusalReceived{s.agent_conn, refusal});
            });
          },
          [&](const ks::DeriveKeys& a) {
            edge_events_.emplace_back(ks::KeysDerived{
                a.step, derive_keys(a.conn, a.generation, a.agent_spi, a.edge_spi)});
          },
          [&](const ks::AllocateSpi& a) {
            edge_events_.emplace_back(
                ks::SpiAllocated{a.step, edge_table_.allocate_spi(a.request, now())});
          },
          [&](const ks::AddSa& a) {
            edge_events_.emplace_back(ks::KernelDone{a.step, edge_table_.add_sa(a.sa, now())});
          },
          [&](const ks::UpdateSa& a) {
            edge_events_.emplace_back(ks::KernelDone{a.step, edge_table_.update_sa(a.sa, now())});
          },
          [&](const ks::DeleteSa& a) {
            edge_events_.emplace_back(ks::KernelDone{a.step, edge_table_.delete_sa(a.id)});
          },
          [&](const ks::UpdatePeerPort& a) {
            // The simulated network has no NAT, so no mapping event ever asks for this.
            violations_.emplace_back("edge updated a peer port without a NAT");
            edge_events_.emplace_back(ks::KernelDone{a.step, {}});
          },
          [&](const ks::ReadCounters& a) {
            edge_events_.emplace_back(ks::CountersRead{a.id, edge_table_.packets(a.id)});
          },
          [&](const ks::SaveEdgeState& a) {
            edge_saved_ = ks::encode(a.state);
            auto back = ks::decode_edge_site_state(edge_saved_);
            if (!back || *back != a.state)
              violations_.emplace_back("edge state does not round-trip");
          },
          [&](const ks::WakeAt& a) { edge_wake_ = a.at; },
          [&](const ks::Note& a) { edge_notes_.push_back(a.text); },
      },
      action);
}

// --- network ---

void RotationHarness::schedule(Duration after, std::function<void()> run) {
  network_.push_back({now() + after, ++seq_, std::move(run)});
}

void RotationHarness::send(Msg m, const std::function<void()>& deliver) {
  Fault& f = faults_[m];
  if (f.drop > 0) {
    --f.drop;
    return;
  }
  Duration latency = o_.latency;
  if (f.delay_count > 0) {
    --f.delay_count;
    latency += f.delay;
  }
  schedule(latency, deliver);
  if (f.duplicate > 0) {
    --f.duplicate;
    schedule(latency + o_.step, deliver);
  }
}

void RotationHarness::to_agent(std::uint64_t incarnation, ks::AgentEvent e) {
  if (incarnation == agent_incarnation_) agent_events_.push_back(std::move(e));
}

void RotationHarness::to_edge(std::uint64_t incarnation, ks::EdgeEvent e) {
  if (incarnation == edge_incarnation_) edge_events_.push_back(std::move(e));
}

void RotationHarness::close_session(std::uint64_t session, bool tell_agent, bool tell_edge) {
  Session& s = sessions_[session];
  if (!s.open) return;
  s.open = false;
  if (tell_agent) {
    schedule(o_.latency, [this, inc = s.agent_incarnation, conn = s.agent_conn] {
      to_agent(inc, ks::ConnectionLost{conn, network_error("connection closed by the edge")});
    });
  }
  if (tell_edge) {
    schedule(o_.latency, [this, inc = s.edge_incarnation, session] {
      to_edge(inc, ks::ConnectionLost{session, network_error("connection closed by the agent")});
    });
  }
}

void RotationHarness::drop_next(Msg m, int count) {
  faults_[m].drop += count;
}
void RotationHarness::heal(Msg m) {
  faults_[m] = Fault{};
}
void RotationHarness::duplicate_next(Msg m, int count) {
  faults_[m].duplicate += count;
}
void RotationHarness::delay_next(Msg m, Duration extra, int count) {
  faults_[m].delay = extra;
  faults_[m].delay_count += count;
}

void RotationHarness::set_endpoint_up(std::size_t endpoint, bool up) {
  endpoint_up_.at(endpoint) = up;
  if (up) return;
  for (auto& [id, s] : sessions_) {
    if (s.endpoint == endpoint && s.open) close_session(id, true, true);
  }
}

// --- restarts ---

void RotationHarness::restart_agent() {
  restart_agent_now();
  dispatch();
}

void RotationHarness::restart_edge() {
  restart_edge_now();
  dispatch();
}

void RotationHarness::restart_agent_now() {
  for (auto& [id, s] : sessions_) {
    if (s.agent_incarnation == agent_incarnation_ && s.open) close_session(id, false, true);
  }
  ++agent_incarnation_;
  ++agent_restarts_;
  agent_sessions_.clear();
  agent_events_.clear();
  agent_wake_.reset();
  std::optional<ks::AgentState> saved;
  if (!agent_saved_.empty()) saved = ks::decode_agent_state(agent_saved_).value();
  auto rng = random_;
  agent_ = std::make_unique<ks::AgentRotation>(agent_config_, [rng] { return (*rng)(); });
  perform_agent(agent_->start(saved, agent_table_.list(), now()));
}

void RotationHarness::restart_edge_now() {
  for (auto& [id, s] : sessions_) {
    if (s.edge_incarnation == edge_incarnation_ && s.open) close_session(id, true, false);
  }
  ++edge_incarnation_;
  ++edge_restarts_;
  edge_events_.clear();
  edge_wake_.reset();
  std::optional<ks::EdgeSiteState> saved;
  if (!edge_saved_.empty()) saved = ks::decode_edge_site_state(edge_saved_).value();
  edge_ = std::make_unique<ks::EdgeRotation>(edge_config_);
  perform_edge(edge_->start(saved, edge_table_.list(), now()));
}

// --- kernel and traffic ---

void RotationHarness::expire_sas() {
  for (const xfrm::ExpireEvent& e : agent_table_.expire(now())) {
    agent_events_.emplace_back(ks::KernelEvent{e});
  }
  for (const xfrm::ExpireEvent& e : edge_table_.expire(now())) {
    edge_events_.emplace_back(ks::KernelEvent{e});
  }
  check_invariant("kernel expiry");
}

void RotationHarness::traffic() {
  const TimePoint t = now();
  for (auto it = packets_.begin(); it != packets_.end();) {
    if (it->at > t) {
      ++it;
      continue;
    }
    MiniSaTable& receiver = it->to_edge ? edge_table_ : agent_table_;
    const core::IpAddress& dst = it->to_edge ? kEdgeAddress : kAgentAddress;
    MiniSaTable::Entry* sa = receiver.find({dst, it->spi, xfrm::Proto::esp, 0, 0});
    if (sa != nullptr && !sa->larval && sa->direction == xfrm::SaDirection::in &&
        sa->key.equals(it->key.span())) {
      ++sa->packets;
      ++delivered_;
    } else {
      ++lost_;
      if (violations_.size() < kMaxViolations) {
        violations_.push_back(fmt::format("packet to the {} on SPI 0x{:08x} lost\n{}",
                                          it->to_edge ? "edge" : "agent", it->spi, describe()));
      }
    }
    it = packets_.erase(it);
  }
  if (!o_.traffic) return;
  for (const bool to_edge : {true, false}) {
    const MiniSaTable::Entry* out = (to_edge ? agent_table_ : edge_table_).selected_outbound();
    if (out == nullptr) {
      ++dropped_;  // the policy has no SA: dropped, never sent in clear
      continue;
    }
    Duration latency = o_.packet_latency;
    if (o_.packet_latency_max > latency) {
      std::uniform_int_distribution<Duration::rep> pick(latency.count(),
                                                        o_.packet_latency_max.count());
      latency = Duration(pick(packet_random_));
    }
    packets_.push_back({t + latency, to_edge, out->id.spi, out->key.clone()});
  }
}

void RotationHarness::check_invariant(const std::string& after) {
  for (const bool agent_side : {true, false}) {
    const MiniSaTable& sender = agent_side ? agent_table_ : edge_table_;
    const MiniSaTable& receiver = agent_side ? edge_table_ : agent_table_;
    const core::IpAddress& dst = agent_side ? kEdgeAddress : kAgentAddress;
    max_inbound_seen_ = std::max(max_inbound_seen_, sender.installed(xfrm::SaDirection::in).size());
    bool& had = had_outbound_.at(agent_side ? 0 : 1);
    const bool has = sender.selected_outbound() != nullptr;
    if (had && !has && o_.continuous_outbound && violations_.size() < kMaxViolations) {
      violations_.push_back(fmt::format("after {}: the {} has no outbound SA any more\n{}", after,
                                        agent_side ? "agent" : "edge", describe()));
    }
    had = had || has;
    std::vector<const MiniSaTable::Entry*> checked = sender.installed(xfrm::SaDirection::out);
    if (!o_.strict_invariant) {
      checked.clear();
      if (const MiniSaTable::Entry* used = sender.selected_outbound()) checked.push_back(used);
    }
    for (const MiniSaTable::Entry* out : checked) {
      const MiniSaTable::Entry* in = receiver.find({dst, out->id.spi, xfrm::Proto::esp, 0, 0});
      const bool ok = in != nullptr && !in->larval && in->direction == xfrm::SaDirection::in &&
                      in->key.equals(out->key.span());
      if (!ok && violations_.size() < kMaxViolations) {
        violations_.push_back(fmt::format(
            "after {}: the {}'s outbound SPI 0x{:08x} has no inbound SA with its key on the "
            "peer\n{}",
            after, agent_side ? "agent" : "edge", out->id.spi, describe()));
      }
    }
  }
}

// --- observations ---

bool RotationHarness::agent_noted(const std::string& needle) const {
  return std::any_of(agent_notes_.begin(), agent_notes_.end(),
                     [&](const std::string& n) { return n.find(needle) != std::string::npos; });
}

bool RotationHarness::settled() const {
  const auto ao = agent_table_.installed(xfrm::SaDirection::out);
  const auto ai = agent_table_.installed(xfrm::SaDirection::in);
  const auto eo = edge_table_.installed(xfrm::SaDirection::out);
  const auto ei = edge_table_.installed(xfrm::SaDirection::in);
  if (ao.size() != 1 || ai.size() != 1 || eo.size() != 1 || ei.size() != 1) return false;
  if (agent_table_.larval_count() != 0 || edge_table_.larval_count() != 0) return false;
  if (agent_->generation() == 0 || agent_->generation() != edge_->generation()) return false;
  if (edge_->pending() != 0) return false;
  return ao[0]->id.spi == ei[0]->id.spi && ao[0]->key.equals(ei[0]->key.span()) &&
         eo[0]->id.spi == ai[0]->id.spi && eo[0]->key.equals(ai[0]->key.span());
}

std::string RotationHarness::describe() const {
  const ks::RotationStatus a = agent_->status();
  const ks::RotationStatus e = edge_->status();
  return fmt::format(
      "agent: {} gen {} (pending {}, peer {}) last error '{}'\n{}edge: {} gen {} (pending {}, "
      "peer {})\n{}",
      a.state, a.generation, a.pending_generation, a.peer_generation, a.last_error,
      agent_table_.describe(), e.state, e.generation, e.pending_generation, e.peer_generation,
      edge_table_.describe());
}

ks::GenerationKeys RotationHarness::derive_keys(std::uint64_t session, ks::Generation g,
                                                std::uint32_t agent_spi, std::uint32_t edge_spi) {
  return {derive(session, g, agent_spi, edge_spi, 1), derive(session, g, agent_spi, edge_spi, 2)};
}

}  // namespace pqbranch::test
