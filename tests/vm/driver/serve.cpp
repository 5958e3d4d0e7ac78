// serve: what a running agent holds besides its SAs, for scenarios to observe: the NAT-T
// socket (open_natt_socket: UDP_ENCAP_ESPINUDP, policy bypass) and the kernel event
// subscription (event_fd/read_events), printing one line per event until SIGTERM/SIGINT
// or --seconds. A scenario waits for a line such as "event expire soft spi=0x00001002".
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <poll.h>
#include <sys/signalfd.h>
#include <variant>

#include <fmt/format.h>

#include "pqbranch/xfrm/socket_bypass.hpp"

#include "commands.hpp"

namespace pqbranch::driver {
namespace {

std::string describe(const xfrm::Event& event) {
  if (const auto* e = std::get_if<xfrm::ExpireEvent>(&event)) {
    return fmt::format("event expire {} spi=0x{:08x} src={} dst={} reqid=0x{:x} owned={}",
                       e->hard ? "hard" : "soft", e->id.spi, e->src, e->id.dst, e->reqid,
                       int{e->owned});
  }
  if (const auto* m = std::get_if<xfrm::MappingEvent>(&event)) {
    return fmt::format("event mapping spi=0x{:08x} dst={} old={}:{} new={}:{} owned={}", m->id.spi,
                       m->id.dst, m->old_src, m->old_sport, m->new_src, m->new_sport,
                       int{m->owned});
  }
  const auto& a = std::get<xfrm::AcquireEvent>(event);
  return fmt::format("event acquire src={} dst={} reqid=0x{:x} selector={} owned={}", a.src, a.dst,
                     a.reqid, to_string(a.selector), int{a.owned});
}

}  // namespace

int cmd_serve(Options& o) {
  xfrm::Ownership ownership;
  if (const auto id = o.optional_number("owner-if-id", UINT32_MAX)) {
    ownership.if_id = static_cast<std::uint32_t>(*id);
  }
  const std::string natt = o.text("natt", "");
  const auto natt_port = static_cast<std::uint16_t>(o.number("natt-port", xfrm::kNatTPort, 65535));
  const auto seconds = o.number("seconds", 600, 86400);
  if (!o.ok()) return usage_error(o);

  auto kernel = open_kernel(ownership);
  if (!kernel) return kFailed;
  xfrm::UniqueFd natt_fd;
  if (!natt.empty()) {
    const auto local = core::IpAddress::parse(natt);
    if (!local) {
      fmt::print(stderr, "pqb-xfrm-driver: --natt: '{}' is not an IP address\n", natt);
      return kUsage;
    }
    auto fd = xfrm::open_natt_socket(*local, natt_port);
    if (!fd) return kernel_failure(fd.error());
    natt_fd = std::move(*fd);
    fmt::print("serve natt {}:{}\n", natt, natt_port);
  }

  // Signals become readable on a descriptor, so one poll waits for both.
  sigset_t stop{};
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  const xfrm::UniqueFd signals(::signalfd(-1, &stop, SFD_CLOEXEC));
  if (!signals.valid()) {
    std::perror("pqb-xfrm-driver: signalfd");
    return kFailed;
  }
  fmt::print("serve ready\n");
  std::fflush(stdout);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    std::array<pollfd, 2> fds{{{kernel->event_fd(), POLLIN, 0}, {signals.get(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0) continue;
    if ((fds[1].revents & POLLIN) != 0) break;
    if ((fds[0].revents & POLLIN) == 0) continue;
    auto events = kernel->read_events();
    if (!events) {
      fmt::print("event-error {}\n", events.error().message());
    } else {
      // Every event, even repeats: a mapping change is reported with each packet until
      // update_sa applies it, and scenarios count them.
      for (const auto& e : *events)
        fmt::print("{}\n", describe(e));
    }
    std::fflush(stdout);
  }
  fmt::print("serve stopped\n");
  return kOk;
}

}  // namespace pqbranch::driver
