#include "fakes/rotation_harness.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/rotation/persisted_state.hpp"

#include "fakes/spi_sources.hpp"

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

FakeKernel::Options kernel_options(const HarnessOptions& o, std::uint64_t side) {
  FakeKernel::Options k;
  k.outbound_tie = o.prefer_oldest_on_tie ? FakeKernel::TieBreak::oldest_first
                                          : FakeKernel::TieBreak::newest_first;
  k.spi_seed = o.seed * 31 + side;  // random SPIs, as the kernel picks them
  return k;
}

// The tunnel's outbound policy on one side: its template selects the SA traffic uses.
xfrm::Policy outbound_policy(const core::IpAddress& local, const core::IpAddress& remote) {
  xfrm::Policy p;
  p.direction = xfrm::PolicyDirection::out;
  p.templates.push_back(
      xfrm::PolicyTemplate{local, remote, xfrm::Proto::esp, kReqid, xfrm::Mode::tunnel, {}});
  return p;
}

// The key of the inbound SA an ESP packet to `dst` with this SPI is processed by, if any.
const core::SecureBytes* inbound_key(FakeKernel& kernel, const core::IpAddress& dst,
                                     std::uint32_t spi) {
  const xfrm::SaId id{dst, spi, xfrm::Proto::esp, 0, 0};
  return kernel.select_inbound(id) ? kernel.key_of(id) : nullptr;
}

bool same_key(const core::SecureBytes* a, const core::SecureBytes* b) {
  return a != nullptr && b != nullptr && a->equals(b->span());
}

std::size_t larval_count(FakeKernel& kernel) {
  const auto all = kernel.sas();
  return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [](const xfrm::SaState& s) { return s.larval; }));
}

core::Result<std::uint64_t> packets_of(FakeKernel& kernel, const xfrm::SaId& id) {
  auto state = kernel.get_sa(id);
  if (!state) return state.error();
  return state->current.packets;
}

// Hands the kernel's queued events (expiries) to a machine's event queue.
template <class Queue>
void take_events(FakeKernel& kernel, Queue& queue) {
  auto events = kernel.read_events();
  if (!events) return;  // FakeKernel::read_events never fails
  for (const xfrm::Event& e : *events)
    queue.emplace_back(ks::KernelEvent{e});
}

std::string describe_kernel(FakeKernel& kernel) {
  std::string s;
  for (const xfrm::SaState& e : kernel.sas()) {
    s += fmt::format("  {} {} spi 0x{:08x} dst {}{} packets {}\n", e.larval ? "larval" : "sa",
                     e.direction ? xfrm::to_string(*e.direction) : "-", e.spi, e.dst,
                     e.encap ? " encap" : "", e.current.packets);
  }
  return s;
}

}  // namespace

RotationHarness::RotationHarness(HarnessOptions options)
    : o_(std::move(options)),
      random_(std::make_shared<std::mt19937_64>(o_.seed)),
      packet_random_(o_.seed + 7),
      agent_kernel_(clock_, kernel_options(o_, 1)),
      edge_kernel_(clock_, kernel_options(o_, 2)),
      agent_out_(outbound_policy(kAgentAddress, kEdgeAddress)),
      edge_out_(outbound_policy(kEdgeAddress, o_.nat ? o_.nat->address : kAgentAddress)),
      endpoint_up_(o_.endpoints, true) {
  ks::TunnelConfig agent_tunnel;
  agent_tunnel.local = kAgentAddress;
  agent_tunnel.remote = kEdgeAddress;
  agent_tunnel.reqid = kReqid;
  if (o_.nat) agent_tunnel.nat_port = xfrm::kNatTPort;
  agent_tunnel.spi_random = seeded_spi_random(o_.seed * 31 + 1);
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

  ks::TunnelConfig edge_tunnel = agent_tunnel;
  edge_tunnel.local = kEdgeAddress;
  edge_tunnel.remote = kAgentAddress;
  edge_tunnel.spi_random = seeded_spi_random(o_.seed * 31 + 2);
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
  perform_edge(edge_->start(std::nullopt, edge_kernel_.sas(), now()));
  auto rng = random_;
  agent_ = std::make_unique<ks::AgentRotation>(agent_config_, [rng] { return (*rng)(); });
  perform_agent(agent_->start(std::nullopt, agent_kernel_.sas(), now()));
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
            agent_events_.emplace_back(xfrm::perform(agent_kernel_, a));
          },
          [&](const ks::AddSa& a) { agent_events_.emplace_back(xfrm::perform(agent_kernel_, a)); },
          [&](const ks::UpdateSa& a) {
            agent_events_.emplace_back(xfrm::perform(agent_kernel_, a));
          },
          [&](const ks::DeleteSa& a) {
            agent_events_.emplace_back(xfrm::perform(agent_kernel_, a));
          },
          [&](const ks::ReadCounters& a) {
            agent_events_.emplace_back(ks::CountersRead{a.id, packets_of(agent_kernel_, a.id)});
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
            edge_events_.emplace_back(xfrm::perform(edge_kernel_, a));
          },
          [&](const ks::AddSa& a) { edge_events_.emplace_back(xfrm::perform(edge_kernel_, a)); },
          [&](const ks::UpdateSa& a) { edge_events_.emplace_back(xfrm::perform(edge_kernel_, a)); },
          [&](const ks::DeleteSa& a) { edge_events_.emplace_back(xfrm::perform(edge_kernel_, a)); },
          [&](const ks::UpdatePeerPort& a) {
            // The simulated network has no NAT, so no mapping event ever asks for this.
            violations_.emplace_back("edge updated a peer port without a NAT");
            edge_events_.emplace_back(ks::KernelDone{a.step, {}});
          },
          [&](const ks::ReadCounters& a) {
            edge_events_.emplace_back(ks::CountersRead{a.id, packets_of(edge_kernel_, a.id)});
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
  perform_agent(agent_->start(saved, agent_kernel_.sas(), now()));
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
  perform_edge(edge_->start(saved, edge_kernel_.sas(), now()));
}

// --- kernel and traffic ---

void RotationHarness::expire_sas() {
  take_events(agent_kernel_, agent_events_);
  take_events(edge_kernel_, edge_events_);
  check_invariant("kernel expiry");
}

void RotationHarness::traffic() {
  constexpr std::uint64_t kPacketBytes = 100;
  const TimePoint t = now();
  for (auto it = packets_.begin(); it != packets_.end();) {
    if (it->at > t) {
      ++it;
      continue;
    }
    FakeKernel& receiver = it->to_edge ? edge_kernel_ : agent_kernel_;
    const core::IpAddress& dst = it->to_edge ? kEdgeAddress : kAgentAddress;
    const core::SecureBytes* key = inbound_key(receiver, dst, it->spi);
    if (key != nullptr && key->equals(it->key.span()) &&
        receiver.account_traffic({dst, it->spi, xfrm::Proto::esp, 0, 0}, kPacketBytes, 1)) {
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
    FakeKernel& sender = to_edge ? agent_kernel_ : edge_kernel_;
    const std::optional<xfrm::SaState> out =
        sender.select_outbound(to_edge ? agent_out_ : edge_out_);
    const core::SecureBytes* key = out ? sender.key_of(out->id()) : nullptr;
    if (key == nullptr) {
      ++dropped_;  // the policy has no SA: dropped, never sent in clear
      continue;
    }
    Duration latency = o_.packet_latency;
    if (o_.packet_latency_max > latency) {
      std::uniform_int_distribution<Duration::rep> pick(latency.count(),
                                                        o_.packet_latency_max.count());
      latency = Duration(pick(packet_random_));
    }
    packets_.push_back({t + latency, to_edge, out->spi, key->clone()});
  }
}

void RotationHarness::check_invariant(const std::string& after) {
  agent_kernel_.tick();
  edge_kernel_.tick();
  for (const bool agent_side : {true, false}) {
    FakeKernel& sender = agent_side ? agent_kernel_ : edge_kernel_;
    FakeKernel& receiver = agent_side ? edge_kernel_ : agent_kernel_;
    const core::IpAddress& dst = agent_side ? kEdgeAddress : kAgentAddress;
    bool& had = had_outbound_.at(agent_side ? 0 : 1);
    const std::optional<xfrm::SaState> used =
        sender.select_outbound(agent_side ? agent_out_ : edge_out_);
    if (had && !used && o_.continuous_outbound && violations_.size() < kMaxViolations) {
      violations_.push_back(fmt::format("after {}: the {} has no outbound SA any more\n{}", after,
                                        agent_side ? "agent" : "edge", describe()));
    }
    had = had || used;
    // Each installed outbound SA (or, not strict, the one traffic uses) needs the peer's
    // inbound SA with its SPI and key.
    std::size_t inbound = 0;
    std::vector<std::uint32_t> unmatched;
    sender.visit_sas([&](const xfrm::Sa& sa, bool larval) {
      if (larval) return;
      if (sa.direction == xfrm::SaDirection::in) ++inbound;
      if (sa.direction != xfrm::SaDirection::out) return;
      if (!o_.strict_invariant && (!used || used->id() != sa.id())) return;
      if (!same_key(inbound_key(receiver, dst, sa.spi), &sa.aead_key)) unmatched.push_back(sa.spi);
    });
    max_inbound_seen_ = std::max(max_inbound_seen_, inbound);
    for (const std::uint32_t spi : unmatched) {
      if (violations_.size() >= kMaxViolations) break;
      violations_.push_back(fmt::format(
          "after {}: the {}'s outbound SPI 0x{:08x} has no inbound SA with its key on the peer\n{}",
          after, agent_side ? "agent" : "edge", spi, describe()));
    }
  }
}

// --- observations ---

bool RotationHarness::agent_noted(const std::string& needle) const {
  return std::any_of(agent_notes_.begin(), agent_notes_.end(),
                     [&](const std::string& n) { return n.find(needle) != std::string::npos; });
}

bool RotationHarness::settled() {
  const auto ao = installed(agent_kernel_, xfrm::SaDirection::out);
  const auto ai = installed(agent_kernel_, xfrm::SaDirection::in);
  const auto eo = installed(edge_kernel_, xfrm::SaDirection::out);
  const auto ei = installed(edge_kernel_, xfrm::SaDirection::in);
  if (ao.size() != 1 || ai.size() != 1 || eo.size() != 1 || ei.size() != 1) return false;
  if (larval_count(agent_kernel_) != 0 || larval_count(edge_kernel_) != 0) return false;
  if (agent_->generation() == 0 || agent_->generation() != edge_->generation()) return false;
  if (edge_->pending() != 0) return false;
  return ao[0].spi == ei[0].spi &&
         same_key(agent_kernel_.key_of(ao[0].id()), edge_kernel_.key_of(ei[0].id())) &&
         eo[0].spi == ai[0].spi &&
         same_key(edge_kernel_.key_of(eo[0].id()), agent_kernel_.key_of(ai[0].id()));
}

std::string RotationHarness::describe() {
  const ks::RotationStatus a = agent_->status();
  const ks::RotationStatus e = edge_->status();
  return fmt::format(
      "agent: {} gen {} (pending {}, peer {}) last error '{}'\n{}edge: {} gen {} (pending {}, "
      "peer {})\n{}",
      a.state, a.generation, a.pending_generation, a.peer_generation, a.last_error,
      describe_kernel(agent_kernel_), e.state, e.generation, e.pending_generation,
      e.peer_generation, describe_kernel(edge_kernel_));
}

ks::GenerationKeys RotationHarness::derive_keys(std::uint64_t session, ks::Generation g,
                                                std::uint32_t agent_spi, std::uint32_t edge_spi) {
  return {derive(session, g, agent_spi, edge_spi, 1), derive(session, g, agent_spi, edge_spi, 2)};
}

std::vector<xfrm::SaState> installed(FakeKernel& kernel, xfrm::SaDirection d) {
  std::vector<xfrm::SaState> out;
  for (xfrm::SaState& s : kernel.sas()) {
    if (!s.larval && s.direction == d) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace pqbranch::test
