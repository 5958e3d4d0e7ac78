// Dead peer detection in InitiatorMachine, in the synchronous harness with the manual clock:
// a live responder answers and nothing changes; a silent one is declared dead at the time the
// retransmission schedule gives, its SAs leave the kernel and a new IKE SA follows.
#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/initiator_harness.hpp"
#include "unit/ikev2/initiator_machine_helpers.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using machine_test::established;
using machine_test::ike_bytes;
using machine_test::installed;
using test::InitiatorHarness;

// When the machine sent INFORMATIONAL requests (liveness checks, here), after `since`.
std::vector<core::Clock::time_point> informational_requests(const InitiatorHarness& h,
                                                            core::Clock::time_point since) {
  std::vector<core::Clock::time_point> at;
  for (const auto& s : h.sent()) {
    const auto header = parse_header(ike_bytes(s.datagram)).value();
    if (s.at >= since && header.exchange == ExchangeType::informational && !header.response()) {
      at.push_back(s.at);
    }
  }
  return at;
}

TEST(InitiatorDpdTest, ALiveResponderAnswersTheLivenessChecksAndNothingChanges) {
  InitiatorHarness h({.dpd_delay = 30s});  // latency 10 ms each way
  h.start();
  ASSERT_TRUE(established(h));
  const auto t0 = h.now();
  const auto out_spi = h.machine().status().outbound_spi;
  h.kernel().clear_log();
  h.run_for(95s);
  // 30 s after the last message from the responder: its answer 20 ms after each check.
  auto checks = informational_requests(h, t0);
  ASSERT_GE(checks.size(), 3U);
  checks.resize(3);
  EXPECT_EQ(checks, (std::vector{t0 + 30s, t0 + 60s + 20ms, t0 + 90s + 40ms}));
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(h.metric("ikev2_dpd_failures"), 0);
  EXPECT_EQ(h.machine().status().state, "established");
  EXPECT_EQ(h.machine().status().outbound_spi, out_spi);
  EXPECT_TRUE(h.kernel().log().empty());
  EXPECT_EQ(h.responders().size(), 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorDpdTest, ARequestFromTheResponderCountsAsLife) {
  InitiatorHarness h({.dpd_delay = 30s});
  h.start();
  ASSERT_TRUE(established(h));
  const auto t0 = h.now();
  h.responder_request({});  // reaches the machine 10 ms later
  ASSERT_TRUE(h.run_until([&] { return !informational_requests(h, t0).empty(); }, 1min));
  EXPECT_EQ(informational_requests(h, t0), (std::vector{t0 + 30s + 10ms}));
  EXPECT_EQ(h.answers, 1U);
}

TEST(InitiatorDpdTest, ASilentResponderIsDeclaredDeadItsSasRemovedAndANewIkeSaFollows) {
  InitiatorHarness h({.dpd_delay = 30s});  // retransmit: 1 s, 3 tries; retry after 5 s
  h.start();
  ASSERT_TRUE(established(h));
  const auto t0 = h.now();
  const auto old_out = h.machine().status().outbound_spi;
  h.lose_requests = 1000;  // the responder hears nothing more
  ASSERT_TRUE(h.run_until([&] { return h.metric("ikev2_dpd_failures") == 1; }, 2min));
  // Checks at 30, 31 and 33 s; the last waits 4 s.
  EXPECT_EQ(h.now() - t0, 37s);
  EXPECT_EQ(informational_requests(h, t0), (std::vector{t0 + 30s, t0 + 31s, t0 + 33s}));
  EXPECT_TRUE(installed(h.kernel()).empty());
  EXPECT_EQ(h.machine().status().state, "waiting to retry");
  EXPECT_NE(h.machine().status().last_error.find("dead peer"), std::string::npos)
      << h.machine().status().last_error;

  h.lose_requests = 0;  // the responder is back
  const auto dead_at = h.now();
  ASSERT_TRUE(established(h, 2));
  const auto first_init = std::ranges::find_if(h.sent(), [&](const auto& s) {
    return s.at > dead_at &&
           parse_header(ike_bytes(s.datagram))->exchange == ExchangeType::ike_sa_init;
  });
  ASSERT_NE(first_init, h.sent().end());
  EXPECT_EQ(first_init->at - dead_at, 5s);  // the retry delay
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_NE(h.machine().status().outbound_spi, old_out);
  EXPECT_EQ(h.responders().size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorDpdTest, ZeroDelayTurnsItOff) {
  InitiatorHarness h({.rekey_time = 50min});  // dpd_delay 0
  h.start();
  ASSERT_TRUE(established(h));
  const auto t0 = h.now();
  const auto sends = h.sent().size();
  ASSERT_TRUE(h.run_until([&] { return h.sent().size() > sends; }, 1h));
  // Nothing until the replacement IKE SA at rekey_time.
  EXPECT_EQ(h.sent()[sends].at - t0, 50min);
  EXPECT_EQ(parse_header(ike_bytes(h.sent()[sends].datagram))->exchange, ExchangeType::ike_sa_init);
}

}  // namespace
}  // namespace pqbranch::ikev2
