// CHILD SA rekeys of InitiatorMachine with CREATE_CHILD_SA and IKE_FOLLOWUP_KE (RFC 7296
// §1.3.3, RFC 9370 §2.2.4), in the synchronous harness with the manual clock: the new pair
// goes in before the old outbound SA leaves, the keys match the responder's after every
// action (the harness's invariant), a refusal keeps the working CHILD SA, silence is a dead
// peer.
#include <algorithm>
#include <cstdint>
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
using machine_test::log_index;
using test::InitiatorHarness;
using test::InitiatorHarnessOptions;
using Op = test::FakeKernel::Op;

// The machine's requests of `exchange`, in order, with the time each went out.
std::vector<core::Clock::time_point> requests(const InitiatorHarness& h, ExchangeType exchange) {
  std::vector<core::Clock::time_point> at;
  for (const auto& s : h.sent()) {
    const auto header = parse_header(ike_bytes(s.datagram)).value();
    if (header.exchange == exchange && !header.response()) at.push_back(s.at);
  }
  return at;
}

// The harness's seeded randomness makes X25519 and ML-KEM keys (not ECP): the PFS key
// exchange here is X25519 (ECP-384 runs against strongSwan in interop.ikev2_lifecycle).
InitiatorHarnessOptions rekeying(std::string esp = "aes256gcm16-x25519-ke1_mlkem768") {
  return {.rekey_time = 3h, .lifetime = 4h, .child_rekey_time = 10min, .esp_proposal = esp};
}

TEST(InitiatorChildRekeyTest, RekeysWithPfsAndMlKemMakeBeforeBreakAndDeletesTheOldChildSa) {
  InitiatorHarness h(rekeying("aes256gcm16-x25519-ke1_mlkem1024"));
  h.start();
  ASSERT_TRUE(established(h));
  const auto t0 = h.now();
  const auto old_in = h.machine().status().inbound_spi;
  const auto old_out = h.machine().status().outbound_spi;
  auto* responder = h.current_responder();
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1h));
  // Due 10 min after the CHILD SA went in, less up to a tenth at random.
  const auto create = requests(h, ExchangeType::create_child_sa);
  ASSERT_EQ(create.size(), 1U);
  EXPECT_LE(create[0], t0 + 10min);
  EXPECT_GE(create[0], t0 + 9min);
  EXPECT_EQ(requests(h, ExchangeType::ike_followup_ke).size(), 1U);  // ML-KEM-1024 as ADDKE1
  EXPECT_EQ(responder->child_rekeys(), 1U);
  EXPECT_EQ(responder->followups(), 1U);
  const auto new_in = h.machine().status().inbound_spi;
  const auto new_out = h.machine().status().outbound_spi;
  EXPECT_NE(new_in, old_in);
  EXPECT_NE(new_out, old_out);
  const auto switched_at = h.now();
  ASSERT_TRUE(h.run_until([&] { return responder->child_deletes() == 1; }, 1min));
  ASSERT_TRUE(h.run_until([&] { return installed(h.kernel()).size() == 2; }, 1min));
  auto& k = h.kernel();
  const auto new_out_added = log_index(k, Op::add_sa, new_out);
  ASSERT_GE(new_out_added, 0);
  EXPECT_LT(log_index(k, Op::update_sa, new_in), new_out_added);  // the pair: inbound first
  EXPECT_LT(new_out_added, log_index(k, Op::delete_sa, old_out));
  EXPECT_LT(log_index(k, Op::delete_sa, old_out), log_index(k, Op::delete_sa, old_in));
  EXPECT_GE(h.now() - switched_at, xfrm::kOutboundDrain);
  for (const auto& sa : installed(k))
    EXPECT_TRUE(sa.spi == new_in || sa.spi == new_out);
  EXPECT_EQ(responder->children(), 1U);  // its half of the old CHILD SA went with our Delete
  EXPECT_EQ(h.machine().status().established, 1U);  // the same IKE SA
  EXPECT_EQ(h.responders().size(), 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorChildRekeyTest, TwentyRekeysInARowKeepOneIkeSaAndTwoSas) {
  InitiatorHarnessOptions o = rekeying();
  o.child_rekey_time = 2min;  // 20 rekeys in about 40 min, well before rekey_time (3 h)
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 20; }, 1h));
  ASSERT_TRUE(h.run_until([&] { return h.current_responder()->child_deletes() == 20; }, 1min))
      << h.current_responder()->child_deletes() << " deletes, " << h.current_responder()->children()
      << " children";
  EXPECT_EQ(h.current_responder()->child_rekeys(), 20U);
  // Our old inbound SA goes when the Delete's answer arrives.
  ASSERT_TRUE(h.run_until([&] { return installed(h.kernel()).size() == 2; }, 1s));
  EXPECT_EQ(h.current_responder()->children(), 1U);
  EXPECT_EQ(h.metric("ikev2_child_rekeys"), 20);
  EXPECT_EQ(h.metric("ikev2_child_rekey_failures"), 0);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorChildRekeyTest, TheLinkIsEchoedExactlyWhateverItsLength) {
  InitiatorHarness h(rekeying());
  h.responder_options.followup_link = std::vector<std::uint8_t>(300, 0xa5);
  h.start();
  ASSERT_TRUE(established(h));
  // The fake refuses an IKE_FOLLOWUP_KE whose link differs from what it sent.
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1h));
  EXPECT_EQ(h.current_responder()->followups(), 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorChildRekeyTest, WithoutAKeyExchangeTheNoncesAloneMakeTheKeys) {
  InitiatorHarness h(rekeying("aes256gcm16"));
  h.start();
  ASSERT_TRUE(established(h));
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1h));
  EXPECT_TRUE(requests(h, ExchangeType::ike_followup_ke).empty());
  EXPECT_EQ(h.current_responder()->followups(), 0U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();  // keys as the responder's
}

TEST(InitiatorChildRekeyTest, ARefusalKeepsTheChildSaReleasesTheSpiAndTriesAgainLater) {
  InitiatorHarness h(rekeying());  // retry_initial 5 s
  h.responder_options.refuse_rekey = NotifyType::temporary_failure;
  h.start();
  ASSERT_TRUE(established(h));
  const auto in = h.machine().status().inbound_spi;
  const auto out = h.machine().status().outbound_spi;
  ASSERT_TRUE(h.run_until([&] { return h.metric("ikev2_child_rekey_failures") == 2; }, 1h));
  const auto create = requests(h, ExchangeType::create_child_sa);
  ASSERT_EQ(create.size(), 2U);
  // The refusal arrives 20 ms after the request; the next try 5 s after it (and its SPI
  // allocation takes no time in the harness).
  EXPECT_EQ(create[1] - create[0], 5s + 20ms);
  EXPECT_TRUE(h.noted("TEMPORARY_FAILURE"));
  EXPECT_EQ(h.machine().status().state, "established");
  EXPECT_EQ(h.machine().status().inbound_spi, in);
  EXPECT_EQ(h.machine().status().outbound_spi, out);
  // Only the working pair: no larval SA of the refused rekeys is left behind.
  EXPECT_EQ(h.kernel().sas().size(), 2U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorChildRekeyTest, ARekeyNobodyAnswersIsADeadPeer) {
  InitiatorHarness h(rekeying());  // retransmit: 1 s, 3 tries
  h.start();
  ASSERT_TRUE(established(h));
  h.lose_requests = 1000;
  ASSERT_TRUE(h.run_until([&] { return h.metric("ikev2_failures") == 1; }, 1h));
  EXPECT_EQ(requests(h, ExchangeType::create_child_sa).size(), 3U);
  EXPECT_NE(h.machine().status().last_error.find("no answer to the CREATE_CHILD_SA"),
            std::string::npos)
      << h.machine().status().last_error;
  EXPECT_EQ(h.metric("ikev2_dpd_failures"), 0);
  EXPECT_TRUE(h.kernel().sas().empty());  // the CHILD SA and the rekey's SPI are gone
  EXPECT_EQ(h.machine().status().state, "waiting to retry");
}

TEST(InitiatorChildRekeyTest, ALostFollowUpResponseIsRetransmittedAndAnsweredAgain) {
  InitiatorHarness h(rekeying());
  h.start();
  ASSERT_TRUE(established(h));
  ASSERT_TRUE(h.run_until([&] { return !requests(h, ExchangeType::create_child_sa).empty(); }, 1h));
  // The CREATE_CHILD_SA response is on its way; the IKE_FOLLOWUP_KE's answer is lost.
  ASSERT_TRUE(h.run_until([&] { return !requests(h, ExchangeType::ike_followup_ke).empty(); }, 1s));
  h.lose_responses = 1;
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().child_rekeys == 1; }, 1min));
  EXPECT_EQ(requests(h, ExchangeType::ike_followup_ke).size(), 2U);  // one retransmission
  EXPECT_EQ(h.current_responder()->followups(), 1U);  // answered from its memory, not twice
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
