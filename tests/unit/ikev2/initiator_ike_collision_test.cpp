// Simultaneous rekeys of the IKE SA (RFC 7296 §2.8.2) in the synchronous harness: our
// CREATE_CHILD_SA rekeying the IKE SA and the responder's cross, both are answered, and the
// new IKE SA made by the exchange whose nonces include the lowest of the four is deleted by
// its initiator (or, with an IKE_FOLLOWUP_KE still to come, never finished); the other takes
// the CHILD SA and the old IKE SA is deleted by its initiator. The nonces of both ends are
// chosen (the machine's through its injected randomness), so each ordering is replayed with
// and without an additional key exchange; the harness checks after every action that every
// outbound SA has the responder's inbound SA (held by an IKE SA it has not deleted). Then the
// collisions with a CHILD SA rekey that RFC 7296 §2.25.2 answers with TEMPORARY_FAILURE.
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/initiator_harness.hpp"
#include "unit/ikev2/initiator_machine_helpers.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using machine_test::established;
using machine_test::installed;
using machine_test::nonce_crossings;
using machine_test::nonce_starting_with;
using machine_test::NonceCrossing;
using machine_test::requests_on;
using machine_test::requests_sent;
using test::InitiatorHarness;
using test::InitiatorHarnessOptions;

// IKE SA rekeys 10 minutes after each IKE SA is made, with an additional key exchange
// (ML-KEM in IKE_FOLLOWUP_KE) or none; CHILD SA rekeys every 25 minutes; DPD after 30 s of
// silence.
InitiatorHarnessOptions colliding_ike_rekeys(bool addke) {
  return {.proposal =
              addke ? "aes256gcm16-prfsha384-x25519-ke1_mlkem768" : "aes256gcm16-prfsha384-x25519",
          .rekey_time = 10min,
          .lifetime = 2h,
          .dpd_delay = 30s,
          .child_rekey_time = 25min,
          .esp_proposal = "aes256gcm16-x25519"};
}

// Our IKE SA rekey goes out and the responder's crosses it.
::testing::AssertionResult cross_ike(InitiatorHarness& h) {
  if (!h.run_until([&] { return h.noted("rekeying the IKE SA"); }, 1h)) {
    return ::testing::AssertionFailure() << "no IKE SA rekey of ours";
  }
  if (!h.responder_ike_rekey()) {
    return ::testing::AssertionFailure() << "no IKE SA rekey of the responder's";
  }
  return ::testing::AssertionSuccess();
}

// The responders' IKE SAs neither side has deleted.
std::vector<test::FakeIkeResponder*> live_ike_sas(const InitiatorHarness& h) {
  std::vector<test::FakeIkeResponder*> live;
  for (const auto& [spi, r] : h.responders()) {
    if (r && r->established() && !r->deleted()) live.push_back(r.get());
  }
  return live;
}

class InitiatorIkeRekeyCollisionOrderingTest : public ::testing::TestWithParam<NonceCrossing> {};

TEST_P(InitiatorIkeRekeyCollisionOrderingTest, ExactlyOneNewIkeSaSurvivesAndTakesTheChildSa) {
  const NonceCrossing& c = GetParam();
  InitiatorHarness h(colliding_ike_rekeys(c.addke));
  h.responder_options.rekey_ni = c.its_ni;
  h.responder_options.rekey_nr = c.its_nr;
  h.start();
  ASSERT_TRUE(established(h));
  auto* old = h.current_responder();
  const auto in = h.machine().status().inbound_spi;
  const auto out = h.machine().status().outbound_spi;
  const auto kernel_ops = h.kernel().log().size();
  h.script_nonces({c.our_ni, c.our_nr});  // our rekey's Ni, then our answer's Nr
  ASSERT_TRUE(cross_ike(h));
  ASSERT_TRUE(h.run_until([&] { return old->deleted(); }, 1min));
  h.run_for(1min);  // the redundant IKE SA's Delete, kPeerDeleteWait: nothing else may happen
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();

  // Both ends decided the same way.
  const auto s = h.machine().status();
  EXPECT_EQ(s.ike_rekeys, c.ours_survives ? 1U : 0U);
  EXPECT_EQ(s.peer_ike_rekeys, c.ours_survives ? 0U : 1U);
  EXPECT_EQ(old->collisions_lost(), c.ours_survives ? 1U : 0U);
  EXPECT_EQ(old->collisions_won(), c.ours_survives ? 0U : 1U);
  EXPECT_EQ(h.noted("IKE SA rekey collision: our exchange has the lowest nonce"), !c.ours_survives);
  EXPECT_EQ(h.noted("IKE SA rekey collision: the responder's exchange has the lowest nonce"),
            c.ours_survives);

  // Exactly one new IKE SA is left, made by the surviving exchange, holding the CHILD SA; a
  // redundant one was made (and deleted by its initiator) only with every key exchange done.
  const auto live = live_ike_sas(h);
  ASSERT_EQ(live.size(), 1U);
  auto* survivor = live.front();
  EXPECT_NE(survivor, old);
  EXPECT_EQ(survivor->original_initiator(), !c.ours_survives);
  EXPECT_NE(survivor->child(out), nullptr);
  EXPECT_EQ(h.current_responder(), survivor);
  EXPECT_EQ(h.responders().size(), c.addke ? 2U : 3U);
  EXPECT_EQ(h.noted("redundant IKE SA"), !c.addke);
  // Only the surviving exchange ran its IKE_FOLLOWUP_KE.
  EXPECT_EQ(requests_sent(h, ExchangeType::ike_followup_ke), c.addke && c.ours_survives ? 1U : 0U);

  // The CHILD SA moved without a kernel call; no new IKE_SA_INIT, nothing failed.
  EXPECT_EQ(h.kernel().log().size(), kernel_ops);
  EXPECT_EQ(s.inbound_spi, in);
  EXPECT_EQ(s.outbound_spi, out);
  EXPECT_EQ(s.established, 1U);
  EXPECT_EQ(requests_sent(h, ExchangeType::ike_sa_init), 1U);
  EXPECT_EQ(h.metric("ikev2_ike_rekey_failures"), 0);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(h.metric("ikev2_dropped_messages"), 0);

  // The survivor carries on: the responder rekeys the CHILD SA on it, our liveness checks on
  // it are answered, then our own CHILD SA rekey (after two more IKE SA rekeys of ours).
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 40min));
  EXPECT_GT(requests_on(h, ExchangeType::informational, survivor->spi_i()), 0U);  // liveness
  EXPECT_EQ(h.metric("ikev2_dpd_failures"), 0);
  EXPECT_EQ(h.metric("ikev2_ike_rekey_failures"), 0);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_EQ(live_ike_sas(h).size(), 1U);
  h.run_for(1min);  // the last Delete and drain
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

INSTANTIATE_TEST_SUITE_P(Orderings, InitiatorIkeRekeyCollisionOrderingTest,
                         ::testing::ValuesIn(nonce_crossings()),
                         [](const auto& param_info) { return param_info.param.name; });

// RFC 7296 §2.8.2: "If the peer that did notice the simultaneous rekey gets the delete
// request from the other peer for the old IKE SA, [...] the first peer can forget its own
// rekey attempt." The response to our CREATE_CHILD_SA is lost; the responder, whose exchange
// survives, deletes the old IKE SA before our retransmission: its new IKE SA takes the CHILD
// SA at once. (Our new IKE SA at the responder is left to the responder: strongSwan deletes
// a redundant one it waits for after 30 s.)
TEST(InitiatorIkeRekeyCollisionTest, TheOldIkeSaDeletedBeforeOurResponseMakesTheirsTakeTheChildSa) {
  InitiatorHarness h(colliding_ike_rekeys(false));
  h.responder_options.rekey_ni = nonce_starting_with({0x90});
  h.responder_options.rekey_nr = nonce_starting_with({0x80});
  h.start();
  ASSERT_TRUE(established(h));
  auto* old = h.current_responder();
  const auto out = h.machine().status().outbound_spi;
  // Our exchange has the lowest nonce: the responder's new IKE SA survives.
  h.script_nonces({nonce_starting_with({0x10}), nonce_starting_with({0x70})});
  ASSERT_TRUE(cross_ike(h));
  h.lose_responses = 1;  // the next response: to our CREATE_CHILD_SA
  ASSERT_TRUE(h.run_until([&] { return old->deleted(); }, 1min));
  h.run_for(1min);
  EXPECT_TRUE(h.noted("our IKE SA rekey ended (the responder deleted the old IKE SA)"));
  EXPECT_EQ(h.machine().status().peer_ike_rekeys, 1U);
  EXPECT_EQ(h.machine().status().ike_rekeys, 0U);
  EXPECT_EQ(old->collisions_won(), 1U);
  auto* survivor = h.current_responder();
  ASSERT_NE(survivor, nullptr);
  EXPECT_TRUE(survivor->original_initiator());
  EXPECT_NE(survivor->child(out), nullptr);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  // It works: the responder rekeys the CHILD SA on it.
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

// A responder that keeps its redundant new IKE SA (it holds no CHILD SA): we delete it with a
// Delete on it kPeerDeleteWait after our response decided.
TEST(InitiatorIkeRekeyCollisionTest, TheResponderKeepingItsRedundantIkeSaHasItDeletedByUs) {
  InitiatorHarness h(colliding_ike_rekeys(false));
  h.responder_options.delete_replaced = false;
  h.responder_options.rekey_ni = nonce_starting_with({0x10});  // its exchange has the lowest
  h.responder_options.rekey_nr = nonce_starting_with({0x90});
  h.start();
  ASSERT_TRUE(established(h));
  auto* old = h.current_responder();
  h.script_nonces({nonce_starting_with({0x90}), nonce_starting_with({0x70})});
  ASSERT_TRUE(cross_ike(h));
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().ike_rekeys == 1; }, 1min));
  const auto decided = h.now();
  h.run_for(1s);
  EXPECT_TRUE(old->deleted());
  ASSERT_EQ(live_ike_sas(h).size(), 2U);  // ours and its redundant one
  ASSERT_TRUE(h.run_until([&] { return h.noted("has not deleted its redundant IKE SA"); }, 1min));
  EXPECT_EQ(h.now() - decided, kPeerDeleteWait);
  h.run_for(10s);
  EXPECT_EQ(old->collisions_lost(), 1U);
  EXPECT_TRUE(old->deleted());  // by us, the surviving exchange's initiator
  const auto live = live_ike_sas(h);
  ASSERT_EQ(live.size(), 1U);
  EXPECT_FALSE(live.front()->original_initiator());  // ours
  EXPECT_EQ(h.current_responder(), live.front());
  EXPECT_EQ(h.machine().status().ike_rekeys, 1U);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

// Once our IKE_FOLLOWUP_KE is out, the responder's rekey of the IKE SA gets TEMPORARY_FAILURE
// (as strongSwan answers then); ours completes alone.
TEST(InitiatorIkeRekeyCollisionTest, AnIkeSaRekeyCrossingOurFollowupKeGetsTemporaryFailure) {
  InitiatorHarness h(colliding_ike_rekeys(true));
  h.start();
  ASSERT_TRUE(established(h));
  auto* old = h.current_responder();
  ASSERT_TRUE(h.run_until([&] { return requests_sent(h, ExchangeType::ike_followup_ke) > 0; }, 1h));
  ASSERT_TRUE(h.responder_ike_rekey());
  ASSERT_TRUE(h.run_until([&] { return old->deleted(); }, 1min));
  h.run_for(10s);
  EXPECT_EQ(old->own_rekey_refusals(), 1U);
  EXPECT_EQ(old->last_refusal(), NotifyType::temporary_failure);
  EXPECT_EQ(h.machine().status().ike_rekeys, 1U);
  EXPECT_EQ(h.machine().status().peer_ike_rekeys, 0U);
  EXPECT_EQ(live_ike_sas(h).size(), 1U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

// RFC 7296 §2.25.2 both ways at once: "If a peer receives a request to rekey a Child SA when
// it is currently rekeying the IKE SA, it SHOULD reply with TEMPORARY_FAILURE" (we, to the
// responder's CHILD SA rekey), and "if a peer receives a request to rekey the IKE SA, and it
// is currently creating, rekeying, or closing a Child SA of that IKE SA, it SHOULD reply with
// TEMPORARY_FAILURE" (the responder, as strongSwan, to ours). §2.25: the recipient "MUST NOT
// immediately retry": ours goes again after retry_initial (not a new IKE SA), the responder's
// later, and both work.
TEST(InitiatorIkeRekeyCollisionTest, AChildSaRekeyCrossingOurIkeSaRekeyIsRefusedBothWaysThenBoth) {
  InitiatorHarness h(colliding_ike_rekeys(true));
  h.start();
  ASSERT_TRUE(established(h));
  auto* old = h.current_responder();
  ASSERT_TRUE(h.run_until([&] { return h.noted("rekeying the IKE SA"); }, 1h));
  const auto first_try = h.now();
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until(
      [&] { return h.noted("IKE SA rekey refused") && old->own_rekey_refusals() == 1; }, 1min));
  EXPECT_EQ(old->own_rekey_refusals(), 1U);
  EXPECT_EQ(old->last_refusal(), NotifyType::temporary_failure);
  EXPECT_TRUE(h.noted("refused the responder's CREATE_CHILD_SA: TEMPORARY_FAILURE"));
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().ike_rekeys == 1; }, 1min));
  EXPECT_GE(h.now() - first_try, h.session_options.retry_initial);
  EXPECT_LT(h.now() - first_try, h.session_options.retry_initial + 1s);
  EXPECT_EQ(h.metric("ikev2_ike_rekey_failures"), 1);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_EQ(requests_sent(h, ExchangeType::ike_sa_init), 1U);  // no continuity
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  h.run_for(10s);
  EXPECT_EQ(live_ike_sas(h).size(), 1U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.kernel().sas().size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
