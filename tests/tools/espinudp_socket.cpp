// pqb-espinudp-socket: holds a UDP socket marked UDP_ENCAP_ESPINUDP, which the kernel
// needs before it decapsulates ESP-in-UDP (RFC 3948) arriving on that port: without one,
// NAT-T packets reach no xfrm state. A test tool for VM scenarios, not shipped (the agent
// gets its own socket in the xfrm module).
//
//   pqb-espinudp-socket [--port 4500] [--bind ADDR] [--seconds 600]
//
// Prints "pqb-espinudp-socket ready port=P" once the socket is set up, then holds it until
// SIGTERM or SIGINT, or --seconds pass. Exit: 0, or 2 on a usage or socket error.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <span>
#include <string>
#include <string_view>
#include <sys/socket.h>

#include <fmt/format.h>

#include "tools/net_util.hpp"

namespace {

constexpr int kUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  using namespace pqbranch::tools;
  const std::span<char*> all(argv, static_cast<std::size_t>(argc));
  std::uint32_t port = 4500;
  std::uint32_t seconds = 600;
  std::string bind_address = "0.0.0.0";
  for (std::size_t i = 1; i < all.size(); ++i) {
    const std::string_view a = all[i];
    const bool has_value = i + 1 < all.size();
    if (a == "--bind" && has_value) {
      bind_address = all[++i];
      continue;
    }
    if (!has_value || !((a == "--port" && parse_number(all[i + 1], 65535, port)) ||
                        (a == "--seconds" && parse_number(all[i + 1], 86400, seconds)))) {
      fmt::print(stderr, "usage: pqb-espinudp-socket [--port P] [--bind ADDR] [--seconds S]\n");
      return kUsage;
    }
    ++i;
  }

  const auto local = make_sockaddr(bind_address, static_cast<std::uint16_t>(port));
  if (!local || local->family() != AF_INET) {
    fmt::print(stderr, "pqb-espinudp-socket: --bind needs an IPv4 address\n");
    return kUsage;
  }
  const Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int encap = UDP_ENCAP_ESPINUDP;
  if (!fd.valid() || ::bind(fd.get(), local->get(), local->length) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_UDP, UDP_ENCAP, &encap, sizeof encap) != 0) {
    fmt::print(stderr, "pqb-espinudp-socket: {}\n", errno_text("socket set-up"));
    return kUsage;
  }

  // Block the signals first, so one that arrives before sigtimedwait is not lost.
  sigset_t stop{};
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  fmt::print("pqb-espinudp-socket ready port={}\n", port);
  std::fflush(stdout);
  const timespec limit{static_cast<std::time_t>(seconds), 0};
  while (sigtimedwait(&stop, nullptr, &limit) < 0 && errno == EINTR) {
  }
  return 0;
}
