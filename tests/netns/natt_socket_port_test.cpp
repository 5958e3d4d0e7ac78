// The NAT-T socket's port belongs to it alone: another socket, even one asking for
// SO_REUSEADDR or SO_REUSEPORT, cannot bind it and so cannot receive the ESP-in-UDP
// datagrams and NAT hellos meant for the agent or the edge.
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/socket_bypass.hpp"

#include "fakes/test_netns.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

// errno of binding a fresh UDP socket (with the given options) to addr:port; 0 = bound.
int bind_errno(in_addr_t addr, std::uint16_t port, bool reuse_addr, bool reuse_port) {
  const UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid());
  const int one = 1;
  if (reuse_addr) {
    EXPECT_EQ(::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
  }
  if (reuse_port) {
    EXPECT_EQ(::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = addr;
  return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a)) == 0 ? 0 : errno;
}

TEST(NatTSocketPort, ASecondBindToTheSameAddressAndPortFailsWhateverItsOptions) {
  const auto ns = test::TestNetns::create();
  ASSERT_NE(ns, nullptr);
  ns->run_inside([] {
    auto natt = open_natt_socket(test::addr("127.0.0.1"), 0);
    ASSERT_TRUE(natt.has_value()) << natt.error().message();
    const auto port = local_port(natt->get());
    ASSERT_TRUE(port.has_value());
    const in_addr_t loopback = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind_errno(loopback, *port, false, false), EADDRINUSE);
    EXPECT_EQ(bind_errno(loopback, *port, true, false), EADDRINUSE);
    EXPECT_EQ(bind_errno(loopback, *port, false, true), EADDRINUSE);
    EXPECT_EQ(bind_errno(loopback, *port, true, true), EADDRINUSE);
    EXPECT_EQ(bind_errno(htonl(INADDR_ANY), *port, true, true), EADDRINUSE);
    // And a second NAT-T socket of ours on it fails too (a second agent or edge).
    EXPECT_FALSE(open_natt_socket(test::addr("127.0.0.1"), *port).has_value());
  });
}

}  // namespace
}  // namespace pqbranch::xfrm
