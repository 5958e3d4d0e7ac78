// Exchange collisions of RFC 7296 §2.25 in InitiatorMachine, each ordering replayed in the
// synchronous harness (manual clock, the invariant "every outbound SA has the responder's
// inbound SA" checked after every action): a request of the responder's crossing a rekey of
// ours. §2.25.1: a request to delete a CHILD SA being rekeyed is answered as usual; §2.25.2: a
// request to close an IKE SA being rekeyed is answered as usual and our rekey is forgotten;
// a request to rekey the IKE SA while a CHILD SA is being rekeyed gets TEMPORARY_FAILURE. (A
// CHILD SA rekey crossing ours is answered and the nonces pick the pair to keep:
// initiator_rekey_collision_test; the same for the IKE SA, RFC 7296 §2.8.2, and a CHILD SA
// rekey crossing an IKE SA rekey: initiator_ike_collision_test.)
#include <gtest/gtest.h>

#include "fakes/initiator_harness.hpp"
#include "unit/ikev2/initiator_machine_helpers.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using machine_test::established;
using machine_test::installed;
using test::InitiatorHarness;
using test::InitiatorHarnessOptions;

InitiatorHarnessOptions colliding() {
  return {.rekey_time = 50min,
          .lifetime = 2h,
          .child_rekey_time = 20min,
          .esp_proposal = "aes256gcm16-x25519-ke1_mlkem768"};
}

TEST(InitiatorCollisionsTest, TheIkeSaDeletedWhileOurIkeSaRekeyRunsEndsItAndANewOneFollows) {
  InitiatorHarness h(colliding());
  h.start();
  ASSERT_TRUE(established(h));
  ASSERT_TRUE(h.run_until([&] { return h.noted("rekeying the IKE SA"); }, 2h));
  // Its Delete crosses our CREATE_CHILD_SA.
  h.responder_request({DeletePayload{ProtocolId::ike, {}}});
  ASSERT_TRUE(h.run_until([&] { return h.noted("the responder deleted the IKE SA"); }, 1min));
  EXPECT_TRUE(installed(h.kernel()).empty());
  // Our rekey is forgotten: its answer (the responder answered it before it saw our answer
  // to its Delete) belongs to no IKE SA any more and changes nothing.
  h.run_for(1s);
  EXPECT_EQ(h.machine().status().ike_rekeys, 0U);
  EXPECT_TRUE(installed(h.kernel()).empty());
  ASSERT_TRUE(established(h, 2, 1min));  // after the retry delay
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.metric("ikev2_dpd_failures"), 0);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorCollisionsTest, TheChildSaDeletedWhileOurChildSaRekeyRunsIsAnsweredAndGone) {
  InitiatorHarness h(colliding());
  h.start();
  ASSERT_TRUE(established(h));
  const auto out = h.machine().status().outbound_spi;
  ASSERT_TRUE(h.run_until([&] { return h.noted("rekeying the CHILD SA"); }, 1h));
  // Its Delete of the CHILD SA (its inbound SPI: our outbound one) crosses our rekey of it.
  h.responder_request({DeletePayload{ProtocolId::esp, {out}}});
  ASSERT_TRUE(h.run_until([&] { return h.noted("the responder deleted the CHILD SA"); }, 1min));
  h.run_for(30s);
  // The responder had read our rekey before our answer to its Delete and answered it: its new
  // CHILD SA is deleted by us (nothing of it was installed here). No SA of the deleted CHILD
  // SA stays, and the IKE SA lives on (before: the answer was dropped as unexpected, the
  // request retransmitted to the end and the IKE SA declared dead).
  EXPECT_TRUE(h.noted("the responder made the CHILD SA of a rekey of a CHILD SA it deleted"));
  EXPECT_TRUE(installed(h.kernel()).empty());
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_EQ(h.machine().status().state, "established");
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorCollisionsTest, TheResponderRekeyingTheIkeSaWhileOurChildSaRekeyRunsIsRefused) {
  InitiatorHarness h(colliding());
  h.start();
  ASSERT_TRUE(established(h));
  auto* first = h.current_responder();
  ASSERT_TRUE(h.run_until([&] { return h.noted("rekeying the CHILD SA"); }, 1h));
  ASSERT_TRUE(h.responder_ike_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1min));
  h.run_for(10s);
  EXPECT_EQ(first->last_refusal(), NotifyType::temporary_failure);
  EXPECT_EQ(h.machine().status().peer_ike_rekeys, 0U);
  // It tries again once nothing runs, and then the IKE SA moves with the new CHILD SA.
  ASSERT_TRUE(h.responder_ike_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_ike_rekeys == 1; }, 1min));
  h.run_for(10s);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
