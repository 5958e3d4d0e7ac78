#include "fakes/loopback_udp.hpp"

#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>

namespace pqbranch::test {

core::Result<xfrm::UniqueFd> loopback_udp_socket(const core::IpAddress& /*local*/,
                                                 std::uint16_t port) {
  xfrm::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in self{};
  self.sin_family = AF_INET;
  self.sin_port = htons(port);
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd.valid() ||
      ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&self), sizeof self) != 0) {  // NOLINT
    return core::Error{boost::system::error_code(errno, boost::system::system_category()),
                       "test UDP socket"};
  }
  return fd;
}

}  // namespace pqbranch::test
