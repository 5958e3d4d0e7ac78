#include "pqbranch/health/icmp_prober.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/core/unique_fd.hpp"
#include "pqbranch/health/echo_message.hpp"
#include "pqbranch/health/errc.hpp"

namespace pqbranch::health {
namespace asio = boost::asio;

namespace {

union SocketAddress {
  sockaddr any;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

socklen_t to_sockaddr(const core::IpAddress& a, SocketAddress& out) {
  std::memset(&out, 0, sizeof out);
  if (a.is_v4()) {
    out.v4.sin_family = AF_INET;
    std::memcpy(&out.v4.sin_addr, a.bytes().data(), 4);
    return sizeof out.v4;
  }
  out.v6.sin6_family = AF_INET6;
  std::memcpy(&out.v6.sin6_addr, a.bytes().data(), 16);
  return sizeof out.v6;
}

bool same_address(const SocketAddress& from, const core::IpAddress& a) {
  if (a.is_v4()) {
    return from.any.sa_family == AF_INET &&
           std::memcmp(&from.v4.sin_addr, a.bytes().data(), 4) == 0;
  }
  return from.any.sa_family == AF_INET6 &&
         std::memcmp(&from.v6.sin6_addr, a.bytes().data(), 16) == 0;
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

struct IcmpProber::Impl : std::enable_shared_from_this<Impl> {
  struct Outstanding {
    std::uint16_t sequence = 0;
    core::Clock::time_point deadline;
  };

  Impl(asio::io_context& io, ProberSettings s, const core::Clock& c, ProbeListener l, int fd)
      : settings(s),
        clock(c),
        listener(std::move(l)),
        socket(io, fd),
        interval_timer(io),
        deadline_timer(io),
        token(std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32)) {
    to_sockaddr(settings.target, target);
  }

  ProberSettings settings;
  const core::Clock& clock;
  ProbeListener listener;
  asio::posix::stream_descriptor socket;
  asio::steady_timer interval_timer;
  asio::steady_timer deadline_timer;
  SocketAddress target{};
  std::uint64_t token;
  std::uint16_t next_sequence = 0;
  std::deque<Outstanding> outstanding;  // in sending order, so in deadline order
  std::array<std::uint8_t, 1500> buffer{};
  bool running = false;

  void start() {
    running = true;
    watch();
    next_at = clock.now();
    probe();
  }

  void stop() {
    running = false;
    interval_timer.cancel();
    deadline_timer.cancel();
    socket.cancel();
    outstanding.clear();
  }

  core::Clock::time_point next_at{};

  void probe() {
    const auto now = clock.now();
    expire(now);
    if (outstanding.size() == kMaxOutstanding) {
      outstanding.pop_front();
      listener(ProbeOutcome::lost, now);
    }
    const std::uint16_t sequence = next_sequence++;
    const auto request = encode_echo_request(settings.target.family(), sequence, token);
    const socklen_t length = settings.target.is_v4() ? sizeof target.v4 : sizeof target.v6;
    // A failed send (no route, no SA yet) is a probe that will not be answered: it is
    // reported lost at its deadline like any other.
    if (::sendto(socket.native_handle(), request.data(), request.size(), MSG_DONTWAIT, &target.any,
                 length) < 0) {
      spdlog::debug("health probe {} to {}: {}", sequence, settings.target, std::strerror(errno));
    }
    const bool arm = outstanding.empty();
    outstanding.push_back({sequence, now + settings.timeout});
    listener(ProbeOutcome::sent, now);
    if (arm) arm_deadline();
    // From the schedule, not from now: no drift.
    next_at += settings.interval;
    if (next_at < now) next_at = now + settings.interval;
    interval_timer.expires_at(next_at);
    interval_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self || !self->running) return;
      self->probe();
    });
  }

  void arm_deadline() {
    if (outstanding.empty()) return;
    deadline_timer.expires_at(outstanding.front().deadline);
    deadline_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self || !self->running) return;
      self->expire(self->clock.now());
      self->arm_deadline();
    });
  }

  void expire(core::Clock::time_point now) {
    while (!outstanding.empty() && outstanding.front().deadline <= now) {
      outstanding.pop_front();
      listener(ProbeOutcome::lost, now);
    }
  }

  void watch() {
    socket.async_wait(asio::posix::stream_descriptor::wait_read,
                      [weak = weak_from_this()](const boost::system::error_code& ec) {
                        const auto self = weak.lock();
                        if (ec || !self || !self->running) return;
                        self->drain();
                        if (self->running) self->watch();
                      });
  }

  // Every datagram waiting (bounded by the socket's receive buffer).
  void drain() {
    for (;;) {
      SocketAddress from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = ::recvfrom(socket.native_handle(), buffer.data(), buffer.size(),
                                   MSG_DONTWAIT, &from.any, &from_length);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          spdlog::debug("health probe socket: {}", std::strerror(errno));
        if (errno != EINTR) return;
        continue;
      }
      if (!same_address(from, settings.target)) continue;
      const auto reply = parse_echo_reply(settings.target.family(),
                                          std::span(buffer.data(), static_cast<std::size_t>(n)));
      if (!reply || reply->token != token) continue;
      answered(reply->sequence);
      if (!running) return;
    }
  }

  void answered(std::uint16_t sequence) {
    const auto now = clock.now();
    expire(now);  // an answer after its deadline finds its probe already lost
    for (auto it = outstanding.begin(); it != outstanding.end(); ++it) {
      if (it->sequence != sequence) continue;
      outstanding.erase(it);
      listener(ProbeOutcome::answered, now);
      return;
    }
  }
};

core::Result<std::unique_ptr<IcmpProber>> IcmpProber::create(asio::io_context& io,
                                                             ProberSettings settings,
                                                             const core::Clock& clock,
                                                             ProbeListener listener) {
  const bool v4 = settings.target.is_v4();
  const int protocol = v4 ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
  core::UniqueFd fd(
      ::socket(settings.target.af(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
  if (!fd.valid()) {
    return core::make_error(
        errc::socket_unavailable,
        errno_text(v4 ? "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"
                      : "socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)") +
            "; the agent's group must be inside sysctl net.ipv4.ping_group_range "
            "(e.g. \"0 2147483647\", as Debian's systemd sets it)");
  }
  SocketAddress source{};
  const socklen_t length = to_sockaddr(settings.source, source);
  if (::bind(fd.get(), &source.any, length) != 0) {
    return core::make_error(errc::bind_failed,
                            errno_text(("bind " + settings.source.to_string()).c_str()));
  }
  auto impl = std::make_shared<Impl>(io, settings, clock, std::move(listener), fd.release());
  return std::unique_ptr<IcmpProber>(new IcmpProber(std::move(impl)));
}

IcmpProber::IcmpProber(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

IcmpProber::~IcmpProber() {
  stop();
}

void IcmpProber::start() {
  impl_->start();
}

void IcmpProber::stop() {
  if (impl_->running) impl_->stop();
}

}  // namespace pqbranch::health
