#include "pqbranch/ikev2/initiator_session.hpp"

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/initiator_machine.hpp"
#include "pqbranch/ikev2/udp_transport.hpp"
#include "pqbranch/xfrm/kernel_steps.hpp"

namespace pqbranch::ikev2 {
namespace asio = boost::asio;

namespace {

core::Result<void> check(const SessionOptions& options) {
  if (options.settings.proposals.empty()) {
    return core::make_error(exchange_errc::no_acceptable_proposal, "no proposals configured");
  }
  return {};
}

}  // namespace

struct InitiatorSession::Impl : std::enable_shared_from_this<InitiatorSession::Impl> {
  Impl(asio::io_context& io, Dependencies d, SessionOptions options)
      : clock(d.clock),
        transport(std::move(d.transport)),
        kernel(d.kernel),
        metrics(d.metrics),
        name(options.name),
        labels("peer=\"" + options.name + "\""),
        machine(std::move(options),
                {transport->local_port(IkeSocket::ike), transport->local_port(IkeSocket::natt)},
                d.random),
        timer(io) {}

  const core::Clock& clock;
  std::unique_ptr<DatagramTransport> transport;
  xfrm::Kernel& kernel;
  core::Metrics& metrics;
  std::string name;
  std::string labels;
  InitiatorMachine machine;
  asio::steady_timer timer;
  std::deque<InitiatorEvent> events;
  bool busy = false;

  // Feeds `event`, performs the actions in order, then feeds the step results they produced.
  void handle(InitiatorEvent event) {
    events.push_back(std::move(event));
    if (busy) return;  // the loop below takes it
    busy = true;
    while (!events.empty()) {
      auto next = std::move(events.front());
      events.pop_front();
      for (auto& action : machine.handle(std::move(next), clock.now())) {
        std::visit([&](auto& a) { perform(a); }, action);
      }
    }
    busy = false;
  }

  void perform(const SendDatagram& a) {
    if (auto ok = transport->send(a.socket, a.to, a.port, a.bytes); !ok) {
      spdlog::warn("ikev2 {}: {}", name, ok.error().message());
    }
  }
  void perform(const AllocateSpi& a) { events.emplace_back(xfrm::perform(kernel, a)); }
  void perform(const InstallPair& a) { events.emplace_back(xfrm::perform(kernel, a)); }
  void perform(const UpdateSa& a) { events.emplace_back(xfrm::perform(kernel, a)); }
  void perform(const AddSa& a) { events.emplace_back(xfrm::perform(kernel, a)); }
  void perform(const DeleteSa& a) { events.emplace_back(xfrm::perform(kernel, a)); }
  void perform(const CountMetric& a) { metrics.add(std::string(a.name), 1, labels); }
  void perform(const Note& a) {
    spdlog::log(core::log_level(a.level), "ikev2 {}: {}", name, a.text);
  }
  void perform(const WakeAt& a) {
    timer.expires_after(a.at - clock.now());
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || !self->machine.running()) return;
      self->handle(TimerFired{});
    });
  }
};

InitiatorSession::InitiatorSession(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
InitiatorSession::~InitiatorSession() {
  if (impl_) stop(false);
}

core::Result<std::unique_ptr<InitiatorSession>> InitiatorSession::create(asio::io_context& io,
                                                                         xfrm::Kernel& kernel,
                                                                         core::Metrics& metrics,
                                                                         SessionOptions options) {
  if (auto ok = check(options); !ok) return ok.error();
  static const core::SystemClock clock{};
  auto transport =
      UdpTransport::open(io, options.local_address, options.local_port, options.local_natt_port);
  if (!transport) return transport.error();
  return create(io, {clock, std::move(*transport), kernel, metrics, csprng()}, std::move(options));
}

core::Result<std::unique_ptr<InitiatorSession>> InitiatorSession::create(asio::io_context& io,
                                                                         Dependencies dependencies,
                                                                         SessionOptions options) {
  if (auto ok = check(options); !ok) return ok.error();
  auto impl = std::make_shared<Impl>(io, std::move(dependencies), std::move(options));
  return std::unique_ptr<InitiatorSession>(new InitiatorSession(std::move(impl)));
}

void InitiatorSession::start() {
  impl_->transport->start([weak = std::weak_ptr<Impl>(impl_)](IkeSocket socket,
                                                              const core::IpAddress& from,
                                                              std::span<const std::uint8_t> bytes) {
    if (auto self = weak.lock()) {
      self->handle(DatagramReceived{socket, from, {bytes.begin(), bytes.end()}});
    }
  });
  impl_->handle(Start{});
}

void InitiatorSession::stop(bool delete_sas) {
  auto& s = *impl_;
  if (!s.machine.running()) return;
  s.handle(Stop{delete_sas});
  s.timer.cancel();
  s.transport->close();
}

SessionStatus InitiatorSession::status() const {
  return impl_->machine.status();
}

std::uint16_t InitiatorSession::ike_port() const {
  return impl_->transport->local_port(IkeSocket::ike);
}

std::uint16_t InitiatorSession::natt_port() const {
  return impl_->transport->local_port(IkeSocket::natt);
}

}  // namespace pqbranch::ikev2
