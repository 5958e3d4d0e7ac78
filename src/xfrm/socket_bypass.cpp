#include "pqbranch/xfrm/socket_bypass.hpp"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/udp.h>
#include <linux/xfrm.h>

#include "pqbranch/xfrm/errc.hpp"

#include "xfrm_structs.hpp"

namespace pqbranch::xfrm {
namespace {

core::Error sys_error(const std::string& what, int err) {
  auto e = kernel_error(err, what);
  if (e.code == errc::rejected) e.code = make_error_code(errc::socket_error);
  return e;
}

}  // namespace

core::Result<void> bypass_policies(int fd, core::Family family) {
  // One allow policy without templates per direction, bound to this socket: the kernel
  // consults socket policies before the SPD, so this socket's packets skip every tunnel.
  const int level = family == core::Family::v4 ? IPPROTO_IP : IPPROTO_IPV6;
  const int option = family == core::Family::v4 ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;
  for (const int dir : {XFRM_POLICY_OUT, XFRM_POLICY_IN}) {
    xfrm_userpolicy_info policy{};
    policy.sel.family = detail::af_of(family);
    policy.lft = detail::no_limits();
    policy.dir = static_cast<std::uint8_t>(dir);
    policy.action = XFRM_POLICY_ALLOW;
    if (::setsockopt(fd, level, option, &policy, sizeof(policy)) != 0) {
      return sys_error(std::string("bypass IPsec policies (") +
                           (dir == XFRM_POLICY_OUT ? "out" : "in") + ") on socket",
                       errno);
    }
  }
  return {};
}

core::Result<void> enable_esp_in_udp(int fd) {
  const int type = UDP_ENCAP_ESPINUDP;
  if (::setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) != 0) {
    return sys_error("enable UDP_ENCAP_ESPINUDP on socket", errno);
  }
  return {};
}

core::Result<UniqueFd> open_natt_socket(const core::IpAddress& local, std::uint16_t port) {
  const std::string what = "NAT-T socket " + local.to_string() + ":" + std::to_string(port);
  UniqueFd fd(::socket(local.af(), SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP));
  if (!fd.valid()) return sys_error(what + ": socket", errno);
  // No SO_REUSEADDR / SO_REUSEPORT: with either, another local process could bind the same
  // address and port and receive the ESP-in-UDP datagrams and NAT hellos meant for us.
  const int one = 1;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (local.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, local.bytes().data(), 4);
    len = sizeof(*sin);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, local.bytes().data(), 16);
    len = sizeof(*sin6);
    (void)::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  // Bypass before bind: no packet of this socket may ever meet a tunnel policy.
  if (auto r = bypass_policies(fd.get(), local.family()); !r) return r.error();
  if (auto r = enable_esp_in_udp(fd.get()); !r) return r.error();
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    return sys_error(what + ": bind", errno);
  }
  return fd;
}

core::Result<std::uint16_t> local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return sys_error("getsockname", errno);
  }
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  }
  return core::make_error(errc::invalid_parameter, "local_port: not an IP socket");
}

}  // namespace pqbranch::xfrm
