// The responder's IKE SA rekeys, answered by InitiatorMachine (RFC 7296 §2.18, RFC 9370
// §2.2.4), in the synchronous harness with the manual clock and the invariant checked after
// every action: the new IKE SA, whose original initiator the responder is, takes the CHILD SA
// without a kernel call, the responder deletes the old one, and every exchange of either side
// goes on on the new IKE SA with the roles swapped (our I flag clear, our keys SK_er).
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
using test::InitiatorHarnessOptions;

InitiatorHarnessOptions peer_ike_options() {
  return {.rekey_time = 3h, .lifetime = 4h, .esp_proposal = "aes256gcm16-x25519-ke1_mlkem768"};
}

// The I flag of our requests on the IKE SA with `spi_i`.
std::vector<bool> our_i_flags(const InitiatorHarness& h, const Spi& spi_i) {
  std::vector<bool> flags;
  for (const auto& s : h.sent()) {
    const auto bytes = ike_bytes(s.datagram);
    const auto header = parse_header(bytes).value();
    if (header.spi_i == spi_i && !header.response()) flags.push_back(header.initiator());
  }
  return flags;
}

TEST(InitiatorPeerIkeRekeyTest, TheNewIkeSaTakesTheChildSaAndTheResponderDeletesTheOld) {
  InitiatorHarnessOptions o = peer_ike_options();
  o.dpd_delay = 30s;  // a request of ours on the new IKE SA
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  auto* first = h.current_responder();
  const auto in = h.machine().status().inbound_spi;
  const auto out = h.machine().status().outbound_spi;
  const auto kernel_ops = h.kernel().log().size();
  ASSERT_TRUE(h.responder_ike_rekey());
  ASSERT_TRUE(h.run_until([&] { return first->deleted(); }, 1min));
  EXPECT_EQ(h.machine().status().peer_ike_rekeys, 1U);
  EXPECT_EQ(h.metric("ikev2_peer_ike_rekeys"), 1);
  EXPECT_EQ(first->own_ike_rekeys(), 1U);
  EXPECT_EQ(first->own_rekey_refusals(), 0U);
  ASSERT_EQ(h.responders().size(), 2U);
  auto* second = h.current_responder();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_TRUE(second->original_initiator());
  EXPECT_EQ(first->children(), 0U);
  EXPECT_NE(second->child(out), nullptr);
  // Nothing changed in the kernel, no IKE_SA_INIT was needed.
  EXPECT_EQ(h.kernel().log().size(), kernel_ops);
  EXPECT_EQ(h.machine().status().inbound_spi, in);
  EXPECT_EQ(h.machine().status().outbound_spi, out);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.noted("the responder rekeyed the IKE SA"));
  EXPECT_TRUE(h.noted("the responder deleted the old IKE SA"));

  // The new IKE SA works both ways with the roles swapped: the responder rekeys the CHILD SA
  // on it, and our liveness checks on it (without the I flag, under SK_er) are answered.
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  h.run_for(65s);
  EXPECT_EQ(our_i_flags(h, second->spi_i()), (std::vector<bool>{false, false}));
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(h.metric("ikev2_dpd_failures"), 0);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorPeerIkeRekeyTest, FiveIkeSaRekeysFromEachSideBetweenChildSaRekeysOfBoth) {
  InitiatorHarnessOptions o = peer_ike_options();
  o.rekey_time = 5min;  // our IKE SA rekeys
  o.lifetime = 2h;
  o.child_rekey_time = 1min;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  const auto done = [&] {
    const auto s = h.machine().status();
    return s.ike_rekeys >= 5 && s.peer_ike_rekeys >= 5 && s.child_rekeys >= 5 &&
           s.peer_child_rekeys >= 5;
  };
  // The responder rekeys the IKE SA every 7 minutes and its CHILD SA in between; ours comes
  // 5 minutes after the last IKE SA rekey of either side (a new IKE SA starts its rekey_time).
  for (int i = 0; i < 400 && !done(); ++i) {
    h.run_for(105s);
    auto* r = h.current_responder();
    if (r == nullptr || r->own_rekey_running()) continue;
    if (i % 4 == 0) (void)h.responder_ike_rekey();
    if (i % 4 == 2) (void)h.responder_rekey();
  }
  const auto s = h.machine().status();
  ASSERT_TRUE(done()) << s.ike_rekeys << " IKE SA rekeys ours, " << s.peer_ike_rekeys
                      << " the responder's; CHILD SA rekeys " << s.child_rekeys << " ours, "
                      << s.peer_child_rekeys << " the responder's; "
                      << (h.violations().empty() ? "no violation" : h.violations().front());
  h.run_for(1min);  // the last Deletes
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(s.established, 1U);  // never a new IKE_SA_INIT
  EXPECT_EQ(h.metric("ikev2_ike_rekey_failures"), 0);
  std::size_t live = 0;
  for (const auto& [spi, r] : h.responders())
    live += r->established() && !r->deleted() ? 1 : 0;
  EXPECT_EQ(live, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorPeerIkeRekeyTest, AnOldIkeSaTheResponderKeepsIsDeletedByUs30sLater) {
  InitiatorHarness h(peer_ike_options());
  h.responder_options.delete_replaced = false;
  h.start();
  ASSERT_TRUE(established(h));
  auto* first = h.current_responder();
  const Spi old_spi = first->spi_i();
  ASSERT_TRUE(h.responder_ike_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_ike_rekeys == 1; }, 1min));
  const auto rekeyed_at = h.now();
  ASSERT_TRUE(h.run_until([&] { return first->deleted(); }, 1min));
  // Our Delete of it, on it, kPeerDeleteWait after the rekey (20 ms for the answer to reach it).
  std::vector<core::Clock::time_point> deletes;
  for (const auto& s : h.sent()) {
    const auto header = parse_header(ike_bytes(s.datagram)).value();
    if (header.spi_i == old_spi && header.exchange == ExchangeType::informational &&
        !header.response()) {
      deletes.push_back(s.at);
    }
  }
  ASSERT_EQ(deletes.size(), 1U);
  EXPECT_GE(deletes[0] - rekeyed_at, kPeerDeleteWait - 20ms);
  EXPECT_LE(deletes[0] - rekeyed_at, kPeerDeleteWait);
  EXPECT_NE(h.current_responder(), first);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorPeerIkeRekeyTest, WhileOurCreateChildSaRunsItGetsTemporaryFailure) {
  InitiatorHarnessOptions o = peer_ike_options();
  o.child_rekey_time = 10min;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  // Ours goes out; the responder's IKE SA rekey crosses it.
  ASSERT_TRUE(h.run_until([&] { return h.noted("rekeying the CHILD SA"); }, 20min));
  ASSERT_TRUE(h.responder_ike_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1min));
  EXPECT_EQ(responder->own_rekey_refusals(), 1U);
  EXPECT_EQ(responder->last_refusal(), NotifyType::temporary_failure);
  EXPECT_EQ(h.machine().status().peer_ike_rekeys, 0U);
  // It tries again later, and then it works.
  h.run_for(1min);
  ASSERT_TRUE(h.responder_ike_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_ike_rekeys == 1; }, 1min));
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
