#pragma once
// Keeping pqbranch's own traffic out of the tunnel it keys. A per-socket allow policy in
// both directions (IP_XFRM_POLICY / IPV6_XFRM_POLICY, as strongSwan does for IKE sockets)
// exempts one socket from every SPD policy, so the key-service TCP connection, NAT-T UDP
// 4500 and IKE UDP 500/4500 never travel inside a tunnel, even one covering 0.0.0.0/0.
// Needs CAP_NET_ADMIN.

#include <cstdint>
#include <functional>
#include <utility>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::xfrm {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// Installs allow policies for both directions on `fd`, a socket of `family`.
core::Result<void> bypass_policies(int fd, core::Family family);
// setsockopt(SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP): the kernel decapsulates ESP-in-UDP
// (RFC 3948) arriving on this UDP socket.
core::Result<void> enable_esp_in_udp(int fd);
// A UDP socket bound to local:port, with policy bypass and ESP-in-UDP enabled: the
// NAT-T socket. Port 0 lets the kernel choose (tests).
core::Result<UniqueFd> open_natt_socket(const core::IpAddress& local, std::uint16_t port = 4500);
// Opens a NAT-T socket like open_natt_socket: the agent's and the edge's options take one
// so tests can substitute a plain UDP socket.
using NatSocketFactory =
    std::function<core::Result<UniqueFd>(const core::IpAddress& local, std::uint16_t port)>;
// The port a bound socket listens on (for port 0).
core::Result<std::uint16_t> local_port(int fd);

}  // namespace pqbranch::xfrm
