// Per-socket policy bypass and the NAT-T socket, against the host kernel in a namespace of
// the test's own. A block policy stands in for a tunnel (this kernel has no ESP): a socket
// that bypasses the SPD still talks, every other socket is refused.
#include "pqbranch/xfrm/socket_bypass.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>
#include <linux/udp.h>

#include "pqbranch/xfrm/netlink_kernel.hpp"

#include "fakes/test_netns.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::TestNetns;

UniqueFd udp_socket() {
  return UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// errno of sendto (0 = sent).
int send_one(int fd, std::uint16_t port) {
  const sockaddr_in to = loopback(port);
  const char msg[] = "hello";
  return ::sendto(fd, msg, sizeof(msg), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0
             ? errno
             : 0;
}

// Loopback delivers within sendto(), so a short deadline suffices either way.
bool receives(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 500) != 1) return false;
  char buf[64];
  return ::recv(fd, buf, sizeof(buf), 0) > 0;
}

class SocketBypassNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = TestNetns::create();
    ASSERT_NE(ns_, nullptr);
    // Loopback is exempt from IPsec by default (disable_xfrm/disable_policy): switch that
    // off so loopback packets meet the policies like any others.
    const auto lo =
        ns_->sh("sysctl -qw net.ipv4.conf.lo.disable_xfrm=0 net.ipv4.conf.lo.disable_policy=0");
    ASSERT_EQ(lo.status, 0) << lo.output;
    // Block every packet in both directions, as a tunnel for everything without SAs would.
    for (const char* dir : {"out", "in"}) {
      for (const char* any : {"0.0.0.0/0", "::/0"}) {
        const auto r = ns_->sh(std::string("ip xfrm policy add src ") + any + " dst " + any +
                               " dir " + dir + " action block");
        ASSERT_EQ(r.status, 0) << r.output;
      }
    }
  }
  std::unique_ptr<TestNetns> ns_;
};

TEST_F(SocketBypassNetns, OnlyBypassedSocketsGetThroughABlockingPolicy) {
  ns_->run_inside([] {
    UniqueFd receiver = udp_socket();
    ASSERT_TRUE(bypass_policies(receiver.get(), core::Family::v4).has_value());
    const sockaddr_in any = loopback(0);
    ASSERT_EQ(::bind(receiver.get(), reinterpret_cast<const sockaddr*>(&any), sizeof(any)), 0);
    const auto port = local_port(receiver.get());
    ASSERT_TRUE(port.has_value());

    UniqueFd plain = udp_socket();
    EXPECT_EQ(send_one(plain.get(), *port), EPERM);  // the policy blocks it

    UniqueFd bypassed = udp_socket();
    const auto r = bypass_policies(bypassed.get(), core::Family::v4);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(send_one(bypassed.get(), *port), 0);
    EXPECT_TRUE(receives(receiver.get()));
  });
}

TEST_F(SocketBypassNetns, InboundNeedsTheBypassToo) {
  ns_->run_inside([] {
    UniqueFd receiver = udp_socket();  // no bypass: inbound block policy applies
    const sockaddr_in any = loopback(0);
    ASSERT_EQ(::bind(receiver.get(), reinterpret_cast<const sockaddr*>(&any), sizeof(any)), 0);
    const auto port = local_port(receiver.get());
    ASSERT_TRUE(port.has_value());
    UniqueFd sender = udp_socket();
    ASSERT_TRUE(bypass_policies(sender.get(), core::Family::v4).has_value());
    EXPECT_EQ(send_one(sender.get(), *port), 0);
    EXPECT_FALSE(receives(receiver.get()));
  });
}

TEST_F(SocketBypassNetns, NatTSocketHasEspInUdpAndBypass) {
  ns_->run_inside([] {
    auto natt = open_natt_socket(test::addr("127.0.0.1"), 0);
    ASSERT_TRUE(natt.has_value()) << natt.error().message();
    int encap = 0;
    socklen_t len = sizeof(encap);
    ASSERT_EQ(::getsockopt(natt->get(), IPPROTO_UDP, UDP_ENCAP, &encap, &len), 0);
    EXPECT_EQ(encap, UDP_ENCAP_ESPINUDP);

    UniqueFd receiver = udp_socket();
    ASSERT_TRUE(bypass_policies(receiver.get(), core::Family::v4).has_value());
    const sockaddr_in any = loopback(0);
    ASSERT_EQ(::bind(receiver.get(), reinterpret_cast<const sockaddr*>(&any), sizeof(any)), 0);
    const auto port = local_port(receiver.get());
    ASSERT_TRUE(port.has_value());
    EXPECT_EQ(send_one(natt->get(), *port), 0);  // the NAT-T socket is never tunnelled
    EXPECT_TRUE(receives(receiver.get()));
  });
}

TEST_F(SocketBypassNetns, Ipv6SocketsUseIpv6XfrmPolicy) {
  ns_->run_inside([] {
    const auto v6_socket = [] {
      return UniqueFd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    };
    sockaddr_in6 at{};
    at.sin6_family = AF_INET6;
    at.sin6_addr = in6addr_loopback;
    UniqueFd receiver = v6_socket();
    ASSERT_TRUE(bypass_policies(receiver.get(), core::Family::v6).has_value());
    ASSERT_EQ(::bind(receiver.get(), reinterpret_cast<const sockaddr*>(&at), sizeof(at)), 0);
    const auto port = local_port(receiver.get());
    ASSERT_TRUE(port.has_value());
    at.sin6_port = htons(*port);
    const auto send6 = [&](int fd) {
      const char msg[] = "v6";
      return ::sendto(fd, msg, sizeof(msg), 0, reinterpret_cast<const sockaddr*>(&at), sizeof(at)) <
                     0
                 ? errno
                 : 0;
    };
    UniqueFd plain = v6_socket();
    EXPECT_EQ(send6(plain.get()), EPERM);
    UniqueFd bypassed = v6_socket();
    ASSERT_TRUE(bypass_policies(bypassed.get(), core::Family::v6).has_value());
    EXPECT_EQ(send6(bypassed.get()), 0);
    EXPECT_TRUE(receives(receiver.get()));
  });
}

TEST(SocketBypass, ErrorsAreTyped) {
  const auto r = bypass_policies(-1, core::Family::v4);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("Bad file descriptor"), std::string::npos);
}

}  // namespace
}  // namespace pqbranch::xfrm
