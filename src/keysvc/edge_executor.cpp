#include "pqbranch/keysvc/edge_executor.hpp"

#include <algorithm>
#include <concepts>
#include <deque>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/keysvc/spi_random.hpp"
#include "pqbranch/rotation/errc.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"

#include "executor_common.hpp"

namespace pqbranch::keysvc {
namespace {

std::string site_label(const EdgeSite& s) {
  return fmt::format("site=\"{}\"", s.rotation.site_id);
}

}  // namespace

core::Result<std::optional<rotation::EdgeSiteState>> load_edge_site_state(
    const std::filesystem::path& file) {
  return detail::load_state_file<rotation::EdgeSiteState>(file, kMaxEdgeStateFileBytes,
                                                          rotation::decode_edge_site_state);
}

struct EdgeExecutor::Impl {
  struct Site {
    EdgeSite config;
    rotation::EdgeRotation machine;
    std::optional<rotation::TimePoint> wake;
    // Site without a configured address: the agent address its policies were set up for.
    std::optional<core::IpAddress> tunnel_remote;
  };
  // The connection a request() or ack() call is answering: what the machine sends to it is
  // the call's answer; anything for other connections is dropped (HTTP cannot push).
  struct Exchange {
    rotation::ConnectionId conn = 0;
    const KeyDeriver* derive = nullptr;
    std::optional<RequestAnswer> answer;
  };

  Impl(xfrm::Kernel& k, xfrm::RouteTable* r, core::Metrics& m, EdgeExecutorOptions o)
      : kernel(k),
        routes(r),
        metrics(m),
        nat_mode(o.nat_mode),
        clock(o.clock != nullptr ? o.clock : &system_clock),
        observer(std::move(o.observer)),
        fault(std::move(o.fault)) {
    sites.reserve(o.sites.size());
    for (EdgeSite& s : o.sites) {
      s.rotation.tunnel = with_spi_random(std::move(s.rotation.tunnel));
      rotation::EdgeRotation machine(s.rotation);
      sites.push_back(Site{std::move(s), std::move(machine), std::nullopt, std::nullopt});
    }
  }

  xfrm::Kernel& kernel;
  xfrm::RouteTable* routes;
  core::Metrics& metrics;
  config::NatMode nat_mode;
  core::SystemClock system_clock;
  const core::Clock* clock;
  EdgeObserver observer;
  FaultHook fault;
  std::vector<Site> sites;
  Exchange* exchange = nullptr;

  [[nodiscard]] rotation::TimePoint now() const { return clock->now(); }

  // Feeds one event and performs what follows, then the step results it produced, in
  // order, until the machine waits for something from outside.
  void feed(std::size_t i, rotation::EdgeEvent event) {
    run(i, sites[i].machine.handle(std::move(event), now()));
  }

  void run(std::size_t i, std::vector<rotation::EdgeAction> actions) {
    std::deque<rotation::EdgeEvent> queue;
    perform_all(i, std::move(actions), queue);
    while (!queue.empty()) {
      rotation::EdgeEvent next = std::move(queue.front());
      queue.pop_front();
      perform_all(i, sites[i].machine.handle(std::move(next), now()), queue);
    }
  }

  void perform_all(std::size_t i, std::vector<rotation::EdgeAction> actions,
                   std::deque<rotation::EdgeEvent>& out) {
    for (rotation::EdgeAction& a : actions) {
      fault.before(a);
      std::optional<core::Error> error;
      std::visit([&](auto& x) { perform(i, x, out, error); }, a);
      if (observer) observer(AppliedEdgeAction{i, &a, error});
      fault.after(a);
    }
  }

  using Results = std::deque<rotation::EdgeEvent>;
  using Failure = std::optional<core::Error>;

  // The kernel steps (xfrm/kernel_steps.hpp); a failed one ends the list.
  void perform(std::size_t /*i*/, rotation::AllocateSpi& a, Results& out, Failure& f) {
    auto r = xfrm::perform(kernel, a);
    if (!r.spi) f = r.spi.error();
    out.emplace_back(std::move(r));
  }
  template <class Step>
    requires std::same_as<decltype(xfrm::perform(std::declval<xfrm::Kernel&>(),
                                                 std::declval<const Step&>())),
                          xfrm::KernelDone>
  void perform(std::size_t /*i*/, Step& a, Results& out, Failure& f) {
    auto r = xfrm::perform(kernel, a);
    if (!r.result) f = r.result.error();
    out.emplace_back(std::move(r));
  }
  void perform(std::size_t /*i*/, rotation::UpdatePeerPort& a, Results& out, Failure& f) {
    auto r = xfrm::update_peer_port(kernel, a.id, a.direction, a.port);
    if (!r) f = r.error();
    out.emplace_back(rotation::KernelDone{a.step, std::move(r)});
  }
  void perform(std::size_t /*i*/, rotation::ReadCounters& a, Results& out, Failure& f) {
    auto sa = kernel.get_sa(a.id);
    if (!sa) {
      f = sa.error();
      out.emplace_back(rotation::CountersRead{a.id, sa.error()});
      return;
    }
    out.emplace_back(rotation::CountersRead{a.id, sa->current.packets});
  }
  void perform(std::size_t i, rotation::DeriveKeys& a, Results& out, Failure& f) {
    core::Result<rotation::GenerationKeys> keys =
        core::make_error(rotation::errc::invalid_request,
                         fmt::format("site '{}': connection {} is gone; keys cannot be derived",
                                     sites[i].config.rotation.site_id, a.conn));
    if (exchange != nullptr && exchange->conn == a.conn && exchange->derive != nullptr) {
      keys = (*exchange->derive)(a);
    }
    if (!keys) f = keys.error();
    out.emplace_back(rotation::KeysDerived{a.step, std::move(keys)});
  }
  void perform(std::size_t i, rotation::SaveEdgeState& a, Results& /*out*/, Failure& f) {
    const Site& s = sites[i];
    auto r = core::write_file_atomically(s.config.state_file, encode(a.state), 0600);
    if (!r) {
      // Nothing to feed back: the machine goes on; the operator must see it.
      spdlog::error("site '{}': saving state failed: {}", s.config.rotation.site_id,
                    r.error().message());
      metrics.add("edge_state_save_failures_total", 1, site_label(s.config));
      f = r.error();
    }
  }
  void perform(std::size_t i, rotation::WakeAt& a, Results& /*out*/, Failure& /*f*/) {
    sites[i].wake = a.at;
  }
  void perform(std::size_t /*i*/, rotation::Note& a, Results& /*out*/, Failure& /*f*/) {
    spdlog::log(core::log_level(a.level), "{}", a.text);
  }
  void perform(std::size_t i, rotation::SendOffer& a, Results& /*out*/, Failure& f) {
    Site& s = sites[i];
    if (!s.config.address_configured && s.tunnel_remote != a.offer.tunnel.agent_address) {
      if (auto r = set_up_learned_tunnel(s, a.offer.tunnel.agent_address); !r) f = r.error();
    }
    metrics.add("edge_offers_total", 1, site_label(s.config));
    deliver(i, a.conn, a.offer);
  }
  void perform(std::size_t i, rotation::SendRefusal& a, Results& /*out*/, Failure& /*f*/) {
    metrics.add(
        "edge_refusals_total", 1,
        fmt::format("{},code=\"{}\"", site_label(sites[i].config), to_string(a.refusal.code)));
    if (!a.limit.empty()) {
      metrics.add("edge_site_limit_refusals_total", 1,
                  fmt::format("{},limit=\"{}\"", site_label(sites[i].config), a.limit));
    }
    deliver(i, a.conn, a.refusal);
  }

  void deliver(std::size_t i, rotation::ConnectionId conn, RequestAnswer answer) {
    if (exchange != nullptr && exchange->conn == conn && !exchange->answer) {
      exchange->answer = std::move(answer);
      return;
    }
    spdlog::debug("site '{}': answer for connection {} dropped (not waiting)",
                  sites[i].config.rotation.site_id, conn);
  }

  core::Result<void> set_up_learned_tunnel(Site& s, const core::IpAddress& remote) {
    tunnel::TunnelLayout layout = s.config.layout;
    layout.remote_address = remote;
    auto r = tunnel::setup_tunnel(kernel, routes, layout);
    if (!r) {
      spdlog::error("site '{}': tunnel setup for agent address {} failed: {}",
                    s.config.rotation.site_id, remote.to_string(), r.error().message());
      metrics.add("edge_tunnel_setup_failures_total", 1, site_label(s.config));
      return r.error();
    }
    spdlog::info("site '{}': tunnel set up for agent address {} ({} policies)",
                 s.config.rotation.site_id, remote.to_string(), r->policies);
    s.tunnel_remote = remote;
    return {};
  }

  // The request as the machine sees it: the agent's address and encapsulation decided here.
  // A configured address is never replaced by what a hello says: only its port is taken
  // from a hello that came from that address (anyone who can send UDP could send another).
  [[nodiscard]] rotation::RequestReceived received(const Site& s, const IncomingRequest& in) const {
    rotation::RequestReceived ev{in.conn, in.request, std::nullopt, std::nullopt};
    const rotation::TunnelConfig& t = s.config.rotation.tunnel;
    std::optional<rotation::NatMapping> hello = in.hello;
    if (hello && s.config.address_configured && hello->address != t.remote) {
      spdlog::debug("site '{}': NAT hello from {} ignored: the site's address is {}",
                    s.config.rotation.site_id, hello->address.to_string(), t.remote.to_string());
      metrics.add("edge_nat_hellos_ignored_total", 1, site_label(s.config));
      hello.reset();
    }
    if (in.request.nat_source_port && hello && nat_mode != config::NatMode::off) {
      const bool translated =
          !s.config.address_configured || hello->port != *in.request.nat_source_port;
      if (nat_mode == config::NatMode::force || translated) ev.nat = hello;
    }
    if (!ev.nat && !s.config.address_configured) ev.agent_address = in.peer;
    return ev;
  }

  // Another site holds or will hold an outbound SA to (address, spi): the kernel would
  // refuse the second one when this site promotes the generation.
  [[nodiscard]] bool spi_taken_elsewhere(std::size_t i, const core::IpAddress& address,
                                         std::uint32_t spi) const {
    for (std::size_t j = 0; j < sites.size(); ++j) {
      if (j == i) continue;
      const rotation::EdgeRotation& other = sites[j].machine;
      for (const auto& [g, sas] : other.ledger().generations()) {
        // An outbound SA installed (or being installed), or the pending generation's, which
        // will be; not an abandoned generation's, which never will (its keys are gone), so
        // a site cannot keep another's SPIs reserved by asking and never acknowledging.
        const bool held = sas.outbound.state != rotation::SlotState::empty || g == other.pending();
        if (held && sas.outbound.spi == spi && sas.outbound.dst == address) return true;
      }
    }
    return false;
  }
};

EdgeExecutor::EdgeExecutor(xfrm::Kernel& kernel, xfrm::RouteTable* routes, core::Metrics& metrics,
                           EdgeExecutorOptions options)
    : impl_(std::make_unique<Impl>(kernel, routes, metrics, std::move(options))) {}

EdgeExecutor::~EdgeExecutor() = default;

core::Result<void> EdgeExecutor::start() {
  Impl& m = *impl_;
  for (const Impl::Site& s : m.sites) {
    if (!s.config.address_configured) continue;
    auto r = tunnel::setup_tunnel(m.kernel, m.routes, s.config.layout);
    if (!r) {
      core::Error e = r.error();
      e.detail = fmt::format("site '{}': tunnel setup: {}", s.config.rotation.site_id, e.detail);
      return e;
    }
  }
  auto kernel_sas = m.kernel.list_sas();
  if (!kernel_sas) return kernel_sas.error();
  for (std::size_t i = 0; i < m.sites.size(); ++i) {
    Impl::Site& s = m.sites[i];
    auto saved = load_edge_site_state(s.config.state_file);
    if (!saved) {
      spdlog::error(
          "site '{}': state file unreadable, keeping the SAs of its tunnel as the "
          "kernel holds them: {}",
          s.config.rotation.site_id, saved.error().message());
      saved = std::optional<rotation::EdgeSiteState>{};
    }
    m.run(i, s.machine.start(*saved, *kernel_sas, m.now()));
  }
  return {};
}

std::optional<std::size_t> EdgeExecutor::find_site(std::string_view site_id) const {
  for (std::size_t i = 0; i < impl_->sites.size(); ++i) {
    if (impl_->sites[i].config.rotation.site_id == site_id) return i;
  }
  return std::nullopt;
}

std::size_t EdgeExecutor::site_count() const {
  return impl_->sites.size();
}

const EdgeSite& EdgeExecutor::site(std::size_t site) const {
  return impl_->sites.at(site).config;
}

const rotation::EdgeRotation& EdgeExecutor::rotation(std::size_t site) const {
  return impl_->sites.at(site).machine;
}

RequestAnswer EdgeExecutor::request(std::size_t site, const IncomingRequest& in,
                                    const KeyDeriver& derive) {
  Impl& m = *impl_;
  const Impl::Site& s = m.sites.at(site);
  rotation::RequestReceived ev = m.received(s, in);
  const core::IpAddress agent = ev.nat             ? ev.nat->address
                                : ev.agent_address ? *ev.agent_address
                                                   : s.config.rotation.tunnel.remote;
  if (agent.family() != s.config.rotation.tunnel.local.family()) {
    return rotation::Refusal{
        rotation::RefusalCode::bad_request,
        fmt::format("agent address {} is not of the edge's address family", agent.to_string())};
  }
  if (m.spi_taken_elsewhere(site, agent, in.request.agent_spi)) {
    m.metrics.add("edge_refusals_total", 1,
                  fmt::format("{},code=\"spi_conflict\"", site_label(s.config)));
    return rotation::Refusal{
        rotation::RefusalCode::spi_conflict,
        fmt::format("SPI 0x{:08x} in use for {}", in.request.agent_spi, agent.to_string())};
  }
  Impl::Exchange exchange{in.conn, &derive, std::nullopt};
  m.exchange = &exchange;
  m.feed(site, ev);
  m.exchange = nullptr;
  if (exchange.answer) return std::move(*exchange.answer);
  // The machine waits for something else (it never should with a synchronous kernel).
  return rotation::Refusal{rotation::RefusalCode::busy,
                           "the site's exchange did not complete; retry"};
}

AckAnswer EdgeExecutor::ack(std::size_t site, rotation::ConnectionId conn,
                            const rotation::GenerationAck& ack) {
  Impl& m = *impl_;
  Impl::Site& s = m.sites.at(site);
  const rotation::GenerationSas* sas = s.machine.ledger().find(ack.generation);
  const bool known =
      sas != nullptr && sas->outbound.spi == ack.agent_spi && sas->inbound.spi == ack.edge_spi;
  if (!known) {
    m.metrics.add("edge_refusals_total", 1,
                  fmt::format("{},code=\"generation_mismatch\"", site_label(s.config)));
    return {rotation::Refusal{
                rotation::RefusalCode::generation_mismatch,
                fmt::format("generation {} with these SPIs is neither pending nor current",
                            ack.generation)},
            false};
  }
  Impl::Exchange exchange{conn, nullptr, std::nullopt};
  m.exchange = &exchange;
  m.feed(site, rotation::AckReceived{conn, ack});
  m.exchange = nullptr;
  const bool installed = s.machine.generation() >= ack.generation;
  if (installed) m.metrics.add("edge_acks_total", 1, site_label(s.config));
  return {std::nullopt, installed};
}

void EdgeExecutor::connection_closed(std::size_t site, rotation::ConnectionId conn) {
  impl_->feed(site, rotation::ConnectionLost{
                        conn, core::make_error(rotation::errc::unreachable, "closed")});
}

void EdgeExecutor::tick() {
  Impl& m = *impl_;
  const rotation::TimePoint now = m.now();
  for (std::size_t i = 0; i < m.sites.size(); ++i) {
    if (m.sites[i].wake && *m.sites[i].wake <= now) {
      m.sites[i].wake.reset();
      m.feed(i, rotation::Tick{});
    }
  }
}

std::optional<rotation::TimePoint> EdgeExecutor::next_wake() const {
  std::optional<rotation::TimePoint> next;
  for (const Impl::Site& s : impl_->sites) {
    if (s.wake && (!next || *s.wake < *next)) next = s.wake;
  }
  return next;
}

void EdgeExecutor::kernel_events() {
  Impl& m = *impl_;
  auto events = m.kernel.read_events();
  if (!events) {
    spdlog::warn("reading kernel events failed: {}", events.error().message());
    return;
  }
  for (xfrm::Event& event : *events) {
    std::uint32_t reqid = 0;
    if (const auto* x = std::get_if<xfrm::ExpireEvent>(&event)) reqid = x->reqid;
    if (const auto* x = std::get_if<xfrm::MappingEvent>(&event)) {
      // The site's machine moves its SAs to the new port (EdgeRotation).
      spdlog::debug("NAT mapping of SA {} changed to {}:{}", xfrm::to_string(x->id),
                    x->new_src.to_string(), x->new_sport);
      m.metrics.add("edge_nat_mapping_events_total");
      reqid = x->reqid;
    }
    if (reqid == 0) continue;
    for (std::size_t i = 0; i < m.sites.size(); ++i) {
      if (m.sites[i].config.rotation.tunnel.reqid == reqid) {
        m.feed(i, rotation::KernelEvent{event});
        break;
      }
    }
  }
}

rotation::TimePoint EdgeExecutor::now() const {
  return impl_->now();
}

}  // namespace pqbranch::keysvc
