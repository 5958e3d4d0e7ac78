#pragma once
// Drives the edge's rotation machines, one EdgeRotation per configured site, following the
// executor contract of docs/rotation.md: kernel steps through xfrm::Kernel (synchronous, so
// one request runs to its offer inside one call), DeriveKeys through the connection the
// request came on, SaveEdgeState atomically into the site's state file (0600, never a key),
// WakeAt remembered per site (the server arms one timer at next_wake()), Note as a log line.
// No Asio and no sockets here: the HTTPS server (edge_server.hpp) calls it, and unit tests
// can drive it with FakeKernel and a ManualClock.
//
// The executor also decides what only the edge can know about a request:
// - the agent's outer address: the NAT hello's source, else the configured address, else
//   (a site without one) the TCP peer address;
// - UDP encapsulation (RFC 3948) when the agent asked for it and sent a hello: with
//   nat_traversal "force" always; with "auto" unless the hello came from the site's
//   configured address and the agent's own port (no NAT on the way); never with "off";
// - `spi_conflict` when another site's SA already uses (agent address, agent_spi), e.g. two
//   sites behind one NAT;
// - the tunnel's policies (and interface and routes) of a site without a configured address,
//   set up once an offer names the address, and again whenever it changes.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "pqbranch/config/common_settings.hpp"
#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/edge_site.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"
#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/edge_rotation.hpp"
#include "pqbranch/xfrm/kernel.hpp"
#include "pqbranch/xfrm/route_table.hpp"

namespace pqbranch::keysvc {

inline constexpr std::size_t kMaxEdgeStateFileBytes = std::size_t{64} * 1024;

// One action the executor performed, for the step observer.
struct AppliedEdgeAction {
  std::size_t site = 0;
  const rotation::EdgeAction* action = nullptr;
  std::optional<core::Error> error;  // the kernel step, derivation or save that failed
};
// Called after each action was performed, before its result is fed back: tests assert the
// kernel's exact SA and policy sets here, at every step, without sleeping.
using EdgeObserver = std::function<void(const AppliedEdgeAction&)>;

struct EdgeExecutorOptions {
  std::vector<EdgeSite> sites;
  config::NatMode nat_mode = config::NatMode::automatic;
  const core::Clock* clock = nullptr;  // nullptr: a SystemClock; steady_clock based
  EdgeObserver observer;
  FaultHook fault;  // PQB_FAULT_KILL_AT (tests only)
};

// A generation request as it arrived on one connection.
struct IncomingRequest {
  rotation::ConnectionId conn = 0;
  rotation::GenerationRequest request;
  std::optional<rotation::NatMapping> hello;  // the first valid NAT hello of this connection
  core::IpAddress peer;                       // the TCP peer's address
};

// The connection's exporter, for DeriveKeys (derive_generation_keys on its crypto::TlsConnection).
using KeyDeriver =
    std::function<core::Result<rotation::GenerationKeys>(const rotation::DeriveKeys&)>;

using RequestAnswer = std::variant<rotation::GenerationOffer, rotation::Refusal>;

struct AckAnswer {
  std::optional<rotation::Refusal> refusal;  // generation_mismatch
  bool edge_outbound_installed = false;      // the edge sends on the generation (or a later one)
};

class EdgeExecutor {
 public:
  EdgeExecutor(xfrm::Kernel& kernel, xfrm::RouteTable* routes, core::Metrics& metrics,
               EdgeExecutorOptions options);
  ~EdgeExecutor();
  EdgeExecutor(const EdgeExecutor&) = delete;
  EdgeExecutor& operator=(const EdgeExecutor&) = delete;

  // Sets up the tunnels of sites with a configured address, loads each site's state file
  // (missing: a first start; unreadable or corrupt: logged, and the site keeps the SAs its
  // tunnel holds until the next rotation replaces them), lists the kernel's SAs once and
  // starts every machine (adopting what matches). Errors: the kernel could not be listed, or a
  // tunnel could not be set up.
  core::Result<void> start();

  [[nodiscard]] std::optional<std::size_t> find_site(std::string_view site_id) const;
  [[nodiscard]] std::size_t site_count() const;
  [[nodiscard]] const EdgeSite& site(std::size_t site) const;
  [[nodiscard]] const rotation::EdgeRotation& rotation(std::size_t site) const;

  // A generation request of `site` (from the client certificate). Runs the machine until
  // it answers this connection: an offer (its inbound SA installed) or a refusal.
  RequestAnswer request(std::size_t site, const IncomingRequest& in, const KeyDeriver& derive);
  // An acknowledgement. generation_mismatch unless the generation is one the site still
  // knows with exactly these SPIs (docs/key-service.md §6).
  AckAnswer ack(std::size_t site, rotation::ConnectionId conn, const rotation::GenerationAck& ack);
  // The connection closed (a repeated request can no longer be answered on it).
  void connection_closed(std::size_t site, rotation::ConnectionId conn);

  // Delivers Tick to every site whose WakeAt time has come.
  void tick();
  // The earliest WakeAt of any site; nullopt: none armed.
  [[nodiscard]] std::optional<rotation::TimePoint> next_wake() const;
  // Drains Kernel::read_events() and hands expire and NAT mapping events to their sites
  // (by reqid).
  void kernel_events();

  [[nodiscard]] rotation::TimePoint now() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a site's state file: nullopt when absent; errors when unreadable or not what
// encode() writes.
core::Result<std::optional<rotation::EdgeSiteState>> load_edge_site_state(
    const std::filesystem::path& file);

}  // namespace pqbranch::keysvc
