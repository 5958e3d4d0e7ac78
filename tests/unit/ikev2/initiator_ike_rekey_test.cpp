// IKE SA rekeys of InitiatorMachine with CREATE_CHILD_SA (RFC 7296 §2.18, RFC 9370 §2.2.4) in
// the synchronous harness: the new IKE SA is made on the old one (with ML-KEM in
// IKE_FOLLOWUP_KE), the CHILD SA moves to it without a kernel change, the old IKE SA is
// deleted, CHILD SA rekeys go on over the new one; a refused rekey falls back to a whole new
// IKE SA; `reauthenticate` keeps the whole replacement.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/initiator_harness.hpp"
#include "unit/ikev2/initiator_machine_helpers.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using machine_test::established;
using machine_test::installed;
using machine_test::requests_on;
using test::InitiatorHarness;
using test::InitiatorHarnessOptions;

InitiatorHarnessOptions ike_rekeying() {
  return {.rekey_time = 50min, .lifetime = 2h, .child_rekey_time = 20min};
}

TEST(InitiatorIkeRekeyTest, TheNewIkeSaTakesTheChildSaAndTheOldIsDeleted) {
  InitiatorHarness h(ike_rekeying());
  h.start();
  ASSERT_TRUE(established(h));
  auto* first = h.current_responder();
  const Spi old_spi = first->spi_i();
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().ike_rekeys == 1; }, 2h));
  const auto in = h.machine().status().inbound_spi;
  const auto out = h.machine().status().outbound_spi;
  const auto kernel_ops = h.kernel().log().size();
  ASSERT_TRUE(h.run_until([&] { return first->deleted(); }, 1min));
  ASSERT_EQ(h.responders().size(), 2U);
  auto* second = h.current_responder();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_NE(second->spi_i(), old_spi);
  EXPECT_EQ(first->children(), 0U);  // moved with the rekey
  EXPECT_NE(second->child(out), nullptr);
  // On the old IKE SA: the rekey, one IKE_FOLLOWUP_KE (ML-KEM-768), the Delete; nothing
  // changed in the kernel and no IKE_SA_INIT was needed.
  EXPECT_EQ(requests_on(h, ExchangeType::create_child_sa, old_spi), 2U + 1U);  // 2 CHILD + IKE
  EXPECT_EQ(requests_on(h, ExchangeType::ike_followup_ke, old_spi), 3U);
  EXPECT_EQ(h.kernel().log().size(), kernel_ops);
  EXPECT_EQ(h.machine().status().inbound_spi, in);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_EQ(h.metric("ikev2_ike_rekeys"), 1);
  // The next CHILD SA rekey runs on the new IKE SA, with its keys.
  const auto child_rekeys = h.machine().status().child_rekeys;
  ASSERT_TRUE(
      h.run_until([&] { return h.machine().status().child_rekeys == child_rekeys + 1; }, 30min));
  EXPECT_EQ(second->child_rekeys(), 1U);
  EXPECT_EQ(requests_on(h, ExchangeType::create_child_sa, second->spi_i()), 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorIkeRekeyTest, FiveIkeRekeysWithChildRekeysAndTheResponderSBetween) {
  InitiatorHarnessOptions o = ike_rekeying();
  o.rekey_time = 10min;
  o.child_rekey_time = 3min;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  for (int i = 0; i < 100 && h.machine().status().ike_rekeys < 5; ++i) {
    h.run_for(247s);
    if (auto* r = h.current_responder(); r != nullptr && !r->own_rekey_running()) {
      (void)h.responder_rekey();
    }
  }
  ASSERT_GE(h.machine().status().ike_rekeys, 5U);
  h.run_for(10s);
  EXPECT_GE(h.machine().status().child_rekeys, 5U);
  EXPECT_GE(h.machine().status().peer_child_rekeys, 5U);
  EXPECT_EQ(h.machine().status().established, 1U);
  std::size_t deleted = 0;
  for (const auto& [spi, r] : h.responders())
    deleted += r->deleted() ? 1 : 0;
  EXPECT_EQ(deleted, h.responders().size() - 1);  // every IKE SA but the current one
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorIkeRekeyTest, ARefusedRekeyFallsBackToAWholeNewIkeSa) {
  InitiatorHarness h(ike_rekeying());
  h.responder_options.refuse_ike_rekey = NotifyType::no_proposal_chosen;
  h.start();
  ASSERT_TRUE(established(h));
  ASSERT_TRUE(established(h, 2, 2h));
  EXPECT_TRUE(h.noted("IKE SA rekey failed"));
  EXPECT_EQ(h.machine().status().ike_rekeys, 0U);
  EXPECT_EQ(h.metric("ikev2_ike_rekey_failures"), 1);
  ASSERT_TRUE(h.run_until([&] { return installed(h.kernel()).size() == 2; }, 1min));
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorIkeRekeyTest, ReauthenticateReplacesTheIkeSaWhole) {
  InitiatorHarnessOptions o = ike_rekeying();
  o.reauthenticate = true;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  ASSERT_TRUE(established(h, 2, 2h));
  EXPECT_EQ(h.machine().status().ike_rekeys, 0U);
  EXPECT_FALSE(h.noted("rekeying the IKE SA"));
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
