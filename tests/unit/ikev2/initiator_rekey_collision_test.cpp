// Simultaneous rekeys of the CHILD SA (RFC 7296 §2.8.1) in the synchronous harness: our
// CREATE_CHILD_SA and the responder's cross, both are answered, and the pair made by the
// exchange whose nonces include the lowest of the four is deleted by its initiator (or, with
// an IKE_FOLLOWUP_KE still to come, never finished). The nonces of both ends are chosen
// (the machine's through its injected randomness), so each ordering is replayed with and
// without an additional key exchange; the harness checks after every action that every
// outbound SA has the responder's inbound SA, and at the end the kernel holds exactly the
// surviving pair and no allocated SPI.
#include <algorithm>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/initiator_harness.hpp"
#include "unit/ikev2/initiator_machine_helpers.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using Op = test::FakeKernel::Op;
using machine_test::established;
using machine_test::installed;
using machine_test::log_index;
using machine_test::nonce_crossings;
using machine_test::nonce_starting_with;
using machine_test::NonceCrossing;
using machine_test::requests_sent;
using test::InitiatorHarness;

// The four orderings of every crossing, and the octet order: with equal first octets the first
// octet that differs decides.
std::vector<NonceCrossing> crossings() {
  auto out = nonce_crossings();
  for (const bool addke : {false, true}) {
    const std::string ke = addke ? "WithFollowupKe" : "WithoutAddke";
    out.push_back({"SecondOctetDecides" + ke, addke, nonce_starting_with({0x20, 0x02}),
                   nonce_starting_with({0x90}), nonce_starting_with({0x20, 0x01}),
                   nonce_starting_with({0x70}), true});
  }
  return out;
}

// CHILD SA rekeys every 10 minutes (the IKE SA's far later), with an IKE_FOLLOWUP_KE or none.
test::InitiatorHarnessOptions options(bool addke) {
  return {.rekey_time = 3h,
          .lifetime = 4h,
          .child_rekey_time = 10min,
          .esp_proposal = addke ? "aes256gcm16-x25519-ke1_mlkem768" : "aes256gcm16-x25519"};
}

// Our rekey goes out and the responder's crosses it.
::testing::AssertionResult cross(InitiatorHarness& h) {
  if (!h.run_until([&] { return requests_sent(h, ExchangeType::create_child_sa) > 0; }, 1h)) {
    return ::testing::AssertionFailure() << "no rekey of ours";
  }
  if (!h.responder_rekey()) return ::testing::AssertionFailure() << "no rekey of the responder's";
  return ::testing::AssertionSuccess();
}

class InitiatorRekeyCollisionOrderingTest : public ::testing::TestWithParam<NonceCrossing> {};

TEST_P(InitiatorRekeyCollisionOrderingTest, ExactlyThePairWithoutTheLowestNonceSurvives) {
  const NonceCrossing& c = GetParam();
  InitiatorHarness h(options(c.addke));
  h.responder_options.rekey_ni = c.its_ni;
  h.responder_options.rekey_nr = c.its_nr;
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  const auto old_in = h.machine().status().inbound_spi;
  const auto old_out = h.machine().status().outbound_spi;
  h.script_nonces({c.our_ni, c.our_nr});  // our rekey's Ni, then our answer's Nr
  ASSERT_TRUE(cross(h));
  ASSERT_TRUE(h.run_until(
      [&] {
        const auto s = h.machine().status();
        return s.child_rekeys + s.peer_child_rekeys > 0;
      },
      1min));
  h.run_for(1min);  // the Deletes, the drains, kPeerDeleteWait: nothing else may happen
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();

  // Both ends decided the same way.
  const auto s = h.machine().status();
  EXPECT_EQ(s.child_rekeys, c.ours_survives ? 1U : 0U);
  EXPECT_EQ(s.peer_child_rekeys, c.ours_survives ? 0U : 1U);
  EXPECT_EQ(responder->collisions_lost(), c.ours_survives ? 1U : 0U);
  EXPECT_EQ(responder->collisions_won(), c.ours_survives ? 0U : 1U);
  EXPECT_EQ(h.noted("our exchange has the lowest nonce"), !c.ours_survives);
  EXPECT_EQ(h.noted("the responder's exchange has the lowest nonce"), c.ours_survives);

  // One CHILD SA left at the responder (made by the surviving exchange: it sends only on one
  // it made itself), and exactly its pair in our kernel, no SPI left allocated.
  std::vector<const test::FakeIkeResponder::Child*> live;
  for (const auto& child : responder->all_children()) {
    if (responder->child_at(child.own_spi, h.now()) != nullptr) live.push_back(&child);
  }
  ASSERT_EQ(live.size(), 1U);
  const auto& survivor = *live.front();
  EXPECT_EQ(survivor.sends, !c.ours_survives);
  EXPECT_EQ(s.inbound_spi, survivor.initiator_spi);
  EXPECT_EQ(s.outbound_spi, survivor.own_spi);
  EXPECT_NE(s.inbound_spi, old_in);
  EXPECT_NE(s.outbound_spi, old_out);
  auto& k = h.kernel();
  const auto sas = installed(k);
  ASSERT_EQ(sas.size(), 2U);
  std::vector<std::uint32_t> spis{sas[0].spi, sas[1].spi};
  std::vector<std::uint32_t> expected{survivor.own_spi, survivor.initiator_spi};
  std::ranges::sort(spis);
  std::ranges::sort(expected);
  EXPECT_EQ(spis, expected);
  EXPECT_EQ(k.sas().size(), 2U);  // no larval SA
  // Make-before-break: the survivor's outbound SA went in before the old one went; no other
  // outbound SA ever went in (the first CHILD SA's and the survivor's).
  EXPECT_LT(log_index(k, Op::add_sa, survivor.own_spi), log_index(k, Op::delete_sa, old_out));
  EXPECT_LT(log_index(k, Op::delete_sa, old_out), log_index(k, Op::delete_sa, old_in));
  std::size_t outbound_added = 0;
  for (const auto& line : k.log())
    outbound_added += line.op == Op::add_sa ? 1 : 0;
  EXPECT_EQ(outbound_added, 2U);

  // Who deleted what: the redundant pair by its initiator (a finished exchange only), the
  // old CHILD SA by the survivor's. The CHILD SAs the responder still remembers besides the
  // survivor (gone: their inbound SAs were kept for its delete delay).
  std::vector<const test::FakeIkeResponder::Child*> others;
  for (const auto& child : responder->all_children()) {
    if (&child != &survivor) others.push_back(&child);
  }
  if (c.ours_survives) {
    EXPECT_EQ(responder->child_deletes(), 1U);  // ours of the old CHILD SA
    EXPECT_EQ(responder->own_rekeys(), 0U);
    EXPECT_EQ(responder->followups(), c.addke ? 1U : 0U);  // it answered ours, sent none
    // With every key exchange done it deleted its redundant one, whose inbound SA we had.
    ASSERT_EQ(others.size(), c.addke ? 0U : 1U);
    if (!c.addke) {
      const auto redundant_in = others.front()->initiator_spi;
      EXPECT_FALSE(others.front()->sends);
      EXPECT_LT(log_index(k, Op::update_sa, redundant_in),
                log_index(k, Op::delete_sa, redundant_in));
    }
  } else {
    // Ours of our redundant CHILD SA when it was finished; with an IKE_FOLLOWUP_KE still to
    // come it was never sent. The responder deleted the old CHILD SA.
    EXPECT_EQ(responder->child_deletes(), c.addke ? 0U : 1U);
    EXPECT_EQ(requests_sent(h, ExchangeType::ike_followup_ke), 0U);
    EXPECT_EQ(responder->own_rekeys(), 1U);
    ASSERT_EQ(others.size(), 1U);
    EXPECT_EQ(others.front()->own_spi, old_out);
  }
  EXPECT_EQ(h.metric("ikev2_child_rekey_failures"), 0);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_EQ(h.metric("ikev2_dropped_messages"), 0);
  EXPECT_EQ(s.established, 1U);
  EXPECT_EQ(s.state, "established");
}

INSTANTIATE_TEST_SUITE_P(Orderings, InitiatorRekeyCollisionOrderingTest,
                         ::testing::ValuesIn(crossings()),
                         [](const auto& param_info) { return param_info.param.name; });

// Once our IKE_FOLLOWUP_KE is out, the responder's rekey of the same CHILD SA gets
// TEMPORARY_FAILURE (as strongSwan answers then): ours completes, its retry succeeds.
TEST(InitiatorRekeyCollisionTest, ARekeyCrossingOurFollowupKeIsRefusedAndRetried) {
  InitiatorHarness h(options(true));
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  ASSERT_TRUE(h.run_until([&] { return requests_sent(h, ExchangeType::ike_followup_ke) > 0; }, 1h));
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return responder->own_rekey_refusals() == 1; }, 1min));
  EXPECT_EQ(responder->last_refusal(), NotifyType::temporary_failure);
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1min));
  h.run_for(10s);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.machine().status().peer_child_rekeys, 0U);
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  h.run_for(10s);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.kernel().sas().size(), 2U);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

// A responder that keeps its redundant CHILD SA: we delete it kPeerDeleteWait after our
// answer (its inbound SA here and, with a Delete, its pair at the responder).
TEST(InitiatorRekeyCollisionTest, TheResponderKeepingItsRedundantPairHasItDeletedByUs) {
  InitiatorHarness h(options(false));
  h.responder_options.delete_replaced = false;
  h.responder_options.rekey_ni = nonce_starting_with({0x10});  // its exchange has the lowest nonce
  h.responder_options.rekey_nr = nonce_starting_with({0x90});
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  ASSERT_TRUE(cross(h));
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1min));
  const auto won = h.now();
  ASSERT_TRUE(h.run_until([&] { return responder->child_deletes() == 2; }, 1min));
  EXPECT_GE(h.now() - won, kPeerDeleteWait - 1s);  // ours of the old one, then the redundant
  EXPECT_TRUE(h.noted("has not deleted its redundant CHILD SA"));
  h.run_for(10s);
  EXPECT_EQ(responder->collisions_lost(), 1U);
  EXPECT_EQ(responder->children(), 1U);  // the survivor
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.kernel().sas().size(), 2U);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

// Our CREATE_CHILD_SA response is lost, and the responder, whose exchange won, deletes the
// old CHILD SA before our retransmission is answered: its new CHILD SA takes over, our
// rekey is forgotten and the CHILD SA its answer made is deleted by us.
TEST(InitiatorRekeyCollisionTest, TheOldDeletedWhileOurResponseIsLostForgetsOurRekey) {
  InitiatorHarness h(options(false));
  h.responder_options.rekey_ni = nonce_starting_with({0x90});
  h.responder_options.rekey_nr = nonce_starting_with({0x80});
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  h.script_nonces({nonce_starting_with({0x10}),
                   nonce_starting_with({0x70})});  // our exchange has the lowest nonce
  h.lose_responses = 1;                            // the next response: to our CREATE_CHILD_SA
  ASSERT_TRUE(cross(h));
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  h.run_for(1min);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 1);
  EXPECT_TRUE(
      h.noted("the responder made the CHILD SA of a rekey of a CHILD SA it deleted or "
              "replaced"));
  EXPECT_EQ(h.machine().status().child_rekeys, 0U);
  EXPECT_EQ(responder->collisions_won(), 1U);
  EXPECT_EQ(responder->child_deletes(), 1U);  // the CHILD SA our forgotten rekey made
  std::size_t live = 0;
  for (const auto& child : responder->all_children())
    live += responder->child_at(child.own_spi, h.now()) != nullptr ? 1 : 0;
  EXPECT_EQ(live, 1U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.kernel().sas().size(), 2U);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
