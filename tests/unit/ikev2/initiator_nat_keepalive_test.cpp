// NAT keepalives of InitiatorMachine (RFC 3948 §4), in the synchronous harness with the manual
// clock: with a NAT detected on our side, a one-byte 0xFF datagram goes to the responder's
// NAT-T port once IKE has sent nothing for nat_keepalive; IKE traffic postpones it; without a
// NAT on our side, or with nat_keepalive 0, none is sent.
#include <vector>

#include <gtest/gtest.h>

#include "fakes/initiator_harness.hpp"
#include "unit/ikev2/initiator_machine_helpers.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using machine_test::established;
using test::InitiatorHarness;
using test::InitiatorHarnessOptions;

bool is_keepalive(const SendDatagram& d) {
  return d.bytes == std::vector<std::uint8_t>{0xFF};
}

// When the keepalives went out; each must go to the responder's NAT-T port.
std::vector<core::Clock::time_point> keepalives(const InitiatorHarness& h) {
  std::vector<core::Clock::time_point> at;
  for (const auto& s : h.sent()) {
    if (!is_keepalive(s.datagram)) continue;
    EXPECT_EQ(s.datagram.socket, IkeSocket::natt);
    EXPECT_EQ(s.datagram.to, h.session_options.remote_address);
    EXPECT_EQ(s.datagram.port, h.session_options.remote_natt_port);
    at.push_back(s.at);
  }
  return at;
}

// When the machine last sent an IKE message.
core::Clock::time_point last_ike_datagram(const InitiatorHarness& h) {
  core::Clock::time_point last{};
  for (const auto& s : h.sent())
    if (!is_keepalive(s.datagram)) last = s.at;
  return last;
}

InitiatorHarnessOptions behind_nat() {
  InitiatorHarnessOptions o;
  o.nat_on_our_side = true;
  o.nat_keepalive = 20s;
  return o;
}

TEST(InitiatorNatKeepaliveTest, BehindANatKeepalivesGoOutWhileIkeIsQuiet) {
  InitiatorHarness h(behind_nat());
  h.start();
  ASSERT_TRUE(established(h));
  // NAT detection moved IKE to the NAT-T port: the last IKE message went there.
  ASSERT_EQ(h.sent().back().datagram.socket, IkeSocket::natt);
  const auto ike = last_ike_datagram(h);
  h.run_for(65s);
  EXPECT_EQ(keepalives(h), (std::vector{ike + 20s, ike + 40s, ike + 60s}));
  EXPECT_EQ(h.metric("ikev2_nat_keepalives"), 3);
  EXPECT_EQ(h.machine().status().state, "established");
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorNatKeepaliveTest, IkeMessagesPostponeThem) {
  InitiatorHarnessOptions o = behind_nat();
  o.dpd_delay = 15s;  // a liveness check every 15 s: IKE is never quiet for 20 s
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  h.run_for(2min);
  EXPECT_TRUE(keepalives(h).empty());
  EXPECT_EQ(h.metric("ikev2_nat_keepalives"), 0);
  EXPECT_GT(last_ike_datagram(h), h.now() - 16s);  // the checks went on
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorNatKeepaliveTest, NoneWithoutANatOnOurSideOrWhenTurnedOff) {
  InitiatorHarnessOptions encap;  // UDP encapsulation forced, but no NAT
  encap.force_encap = true;
  encap.nat_keepalive = 20s;
  InitiatorHarnessOptions off = behind_nat();
  off.nat_keepalive = 0s;
  for (const auto& o : {encap, off}) {
    InitiatorHarness h(o);
    h.start();
    ASSERT_TRUE(established(h));
    h.run_for(2min);
    EXPECT_TRUE(keepalives(h).empty()) << "force_encap " << o.force_encap;
    EXPECT_TRUE(h.violations().empty()) << h.violations().front();
  }
}

}  // namespace
}  // namespace pqbranch::ikev2
