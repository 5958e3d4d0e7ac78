#pragma once
// A tiny executor-independent simulator for the rotation state machines: one AgentRotation
// and one EdgeRotation (one site) run against each other over an in-memory network whose
// messages can be dropped, duplicated or delayed (which reorders them), each side applying
// its kernel actions to its own FakeKernel (the in-memory kernel the kernel contract checks
// against the real one), whose expire events reach the machines once per step.
// - Keys stand in for the TLS exporter: derived deterministically from the connection (a
//   session number), the generation, both SPIs and the direction, so the two ends agree
//   only when they used the same connection and parameters.
// - Time is simulated (ManualClock, fixed steps, no sleeps); randomness is seeded.
// - ESP "packets" flow both ways at every step on the SA the sender's kernel selects for
//   the tunnel's outbound policy and are counted as delivered (the peer had an inbound SA
//   with that SPI and key when the packet arrived; that SA's packet counter moves), lost
//   (it did not) or dropped (the sender had no outbound SA: its policy drops them, never
//   sent in clear).
// - After every single action of either machine (and every kernel expiry) the invariant is
//   checked: each installed outbound SA (or, not strict, the one traffic uses) has the
//   peer's inbound SA with the same SPI and key.
// - Crashes: a side can be crashed right after its k-th next action and restarts at once
//   from its saved state (encoded and decoded, as the executor would store it) and what its
//   kernel still holds.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "pqbranch/rotation/agent_rotation.hpp"
#include "pqbranch/rotation/edge_rotation.hpp"

#include "fakes/manual_clock.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::test {

struct HarnessOptions {
  std::uint64_t seed = 1;
  std::size_t endpoints = 2;
  rotation::Duration interval = std::chrono::seconds(60);
  rotation::Duration jitter = std::chrono::seconds(5);
  rotation::Duration grace = std::chrono::seconds(2);
  rotation::Duration exchange_timeout = std::chrono::seconds(5);
  rotation::Duration retry_initial = std::chrono::seconds(1);
  rotation::Duration retry_max = std::chrono::seconds(16);
  rotation::Duration counter_poll = std::chrono::seconds(1);
  rotation::Duration latency = std::chrono::milliseconds(20);         // messages, one way
  rotation::Duration packet_latency = std::chrono::milliseconds(30);  // ESP packets
  // When above packet_latency, each packet takes a random time in between (reordering).
  rotation::Duration packet_latency_max = std::chrono::milliseconds(30);
  rotation::Duration connect_failure_after = std::chrono::milliseconds(500);
  rotation::Duration step = std::chrono::milliseconds(100);
  std::chrono::seconds soft_lifetime{240};
  std::chrono::seconds hard_lifetime{300};
  bool traffic = true;
  std::optional<rotation::NatMapping> nat;  // what the edge's "hello" reports
  // The invariant covers every installed outbound SA (strict) or only the one the kernel
  // selects for traffic (a stale SA the machine is still trying to delete carries nothing).
  bool strict_invariant = true;
  // The kernels' outbound selection on an add-time tie picks the oldest SA instead of the
  // kernel's newest (FakeKernel::TieBreak): rotation must not depend on either.
  bool prefer_oldest_on_tie = false;
  // Once a side has an outbound SA it always has one (make-before-break); off for tests
  // where lifetimes run out or state is thrown away.
  bool continuous_outbound = true;
};

class RotationHarness {
 public:
  using TimePoint = rotation::TimePoint;
  using Duration = rotation::Duration;
  enum class Msg { request, offer, ack, ack_answer, refusal };

  explicit RotationHarness(HarnessOptions options = {});
  ~RotationHarness();
  RotationHarness(const RotationHarness&) = delete;
  RotationHarness& operator=(const RotationHarness&) = delete;

  // Starts both sides with empty kernels and no saved state.
  void start();
  // One simulation step: network deliveries, kernel lifetimes, timers, traffic.
  void step();
  void run_for(Duration d);
  // Steps until `done` holds (checked after every step); false if `limit` passed first.
  bool run_until(const std::function<bool()>& done, Duration limit);
  // Until the agent is on generation >= g and both sides settled().
  bool run_until_generation(rotation::Generation g, Duration limit);

  // --- faults ---
  void drop_next(Msg m, int count = 1);
  void heal(Msg m);  // clears the faults still pending for m
  void duplicate_next(Msg m, int count = 1);
  void delay_next(Msg m, Duration extra, int count = 1);
  // Down: connects fail, open connections to it break.
  void set_endpoint_up(std::size_t endpoint, bool up);
  // Crash right after the k-th next action (1 = the next one), then restart at once.
  void crash_agent_after(int k) { agent_crash_countdown_ = k; }
  void crash_edge_after(int k) { edge_crash_countdown_ = k; }
  void restart_agent();
  void restart_edge();
  // The agent's saved state is lost (the next restart starts without it).
  void forget_agent_state() { agent_saved_.clear(); }
  void set_traffic(bool on) { o_.traffic = on; }
  // Each side's kernel: fault injection (fail_nth), stray SAs, inspection.
  FakeKernel& agent_kernel() { return agent_kernel_; }
  FakeKernel& edge_kernel() { return edge_kernel_; }

  // --- observations ---
  [[nodiscard]] rotation::AgentRotation& agent() { return *agent_; }
  [[nodiscard]] rotation::EdgeRotation& edge() { return *edge_; }
  [[nodiscard]] TimePoint now() const { return clock_.now(); }
  [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
  [[nodiscard]] std::uint64_t delivered() const { return delivered_; }
  [[nodiscard]] std::uint64_t lost() const { return lost_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }
  [[nodiscard]] std::size_t acks_sent() const { return acks_sent_; }
  // The most inbound SAs either side held at once (checked with the invariant).
  [[nodiscard]] std::size_t max_inbound_seen() const { return max_inbound_seen_; }
  void reset_max_inbound_seen() { max_inbound_seen_ = 0; }
  [[nodiscard]] std::size_t agent_actions() const { return agent_actions_; }
  [[nodiscard]] int agent_restarts() const { return agent_restarts_; }
  [[nodiscard]] int edge_restarts() const { return edge_restarts_; }
  [[nodiscard]] std::size_t edge_actions() const { return edge_actions_; }
  [[nodiscard]] const std::vector<std::pair<TimePoint, std::size_t>>& connects() const {
    return connects_;
  }
  [[nodiscard]] const std::vector<std::string>& agent_notes() const { return agent_notes_; }
  [[nodiscard]] const std::vector<std::string>& edge_notes() const { return edge_notes_; }
  [[nodiscard]] bool agent_noted(const std::string& needle) const;
  // Steady state: one outbound and one inbound SA per side, crossing (each outbound SPI and
  // key installed inbound on the peer), both on the same generation, nothing larval,
  // nothing pending.
  [[nodiscard]] bool settled();
  [[nodiscard]] std::string describe();
  // The keys the "exporter" of connection `session` yields (what both ends derive).
  [[nodiscard]] static rotation::GenerationKeys derive_keys(std::uint64_t session,
                                                            rotation::Generation g,
                                                            std::uint32_t agent_spi,
                                                            std::uint32_t edge_spi);

 private:
  struct Session {
    std::size_t endpoint = 0;
    rotation::ConnectionId agent_conn = 0;
    std::uint64_t agent_incarnation = 0;
    std::uint64_t edge_incarnation = 0;
    bool open = true;
  };
  struct Delivery {
    TimePoint at;
    std::uint64_t seq = 0;
    std::function<void()> run;
  };
  struct Packet {
    TimePoint at;
    bool to_edge = false;
    std::uint32_t spi = 0;
    core::SecureBytes key;
  };
  struct Fault {
    int drop = 0;
    int duplicate = 0;
    int delay_count = 0;
    Duration delay{};
  };

  void perform_agent(std::vector<rotation::AgentAction> actions);
  void perform_edge(std::vector<rotation::EdgeAction> actions);
  void perform(rotation::AgentAction& a);
  void perform(rotation::EdgeAction& a);
  void dispatch();
  void schedule(Duration after, std::function<void()> run);
  void send(Msg m, const std::function<void()>& deliver);
  void to_agent(std::uint64_t incarnation, rotation::AgentEvent e);
  void to_edge(std::uint64_t incarnation, rotation::EdgeEvent e);
  void close_session(std::uint64_t session, bool tell_agent, bool tell_edge);
  void restart_agent_now();
  void restart_edge_now();
  void expire_sas();
  void traffic();
  void check_invariant(const std::string& after);

  HarnessOptions o_;
  ManualClock clock_;
  std::shared_ptr<std::mt19937_64> random_;
  std::mt19937_64 packet_random_;
  rotation::AgentRotationConfig agent_config_;
  rotation::EdgeSiteConfig edge_config_;
  FakeKernel agent_kernel_;
  FakeKernel edge_kernel_;
  xfrm::Policy agent_out_;  // each side's outbound policy (what selects its traffic's SA)
  xfrm::Policy edge_out_;
  std::unique_ptr<rotation::AgentRotation> agent_;
  std::unique_ptr<rotation::EdgeRotation> edge_;
  std::deque<rotation::AgentEvent> agent_events_;
  std::deque<rotation::EdgeEvent> edge_events_;
  std::optional<TimePoint> agent_wake_;
  std::optional<TimePoint> edge_wake_;
  std::string agent_saved_;
  std::string edge_saved_;
  std::map<std::uint64_t, Session> sessions_;
  std::map<rotation::ConnectionId, std::uint64_t> agent_sessions_;
  std::uint64_t next_session_ = 1;
  std::uint64_t agent_incarnation_ = 1;
  std::uint64_t edge_incarnation_ = 1;
  std::vector<Delivery> network_;
  std::uint64_t seq_ = 0;
  std::vector<Packet> packets_;
  std::map<Msg, Fault> faults_;
  std::vector<bool> endpoint_up_;
  int agent_restarts_ = 0;
  int edge_restarts_ = 0;
  int agent_crash_countdown_ = 0;
  int edge_crash_countdown_ = 0;
  bool agent_crashed_ = false;
  bool edge_crashed_ = false;
  std::vector<std::string> violations_;
  std::uint64_t delivered_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t dropped_ = 0;
  std::size_t acks_sent_ = 0;
  std::size_t max_inbound_seen_ = 0;
  std::array<bool, 2> had_outbound_{};  // agent, edge
  std::size_t agent_actions_ = 0;
  std::size_t edge_actions_ = 0;
  std::vector<std::pair<TimePoint, std::size_t>> connects_;
  std::vector<std::string> agent_notes_;
  std::vector<std::string> edge_notes_;
};

// The installed (not larval) SAs of one direction in a kernel, in insertion order.
[[nodiscard]] std::vector<xfrm::SaState> installed(FakeKernel& kernel, xfrm::SaDirection d);

// Whether one of the notes (a machine's log lines) contains the needle.
inline bool noted(const std::vector<std::string>& notes, const std::string& needle) {
  for (const std::string& n : notes) {
    if (n.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace pqbranch::test
