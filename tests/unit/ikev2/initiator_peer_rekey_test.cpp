// CHILD SA rekeys the responder starts, answered by InitiatorMachine (RFC 7296 §1.3.3, §2.8.1;
// RFC 9370 §2.2.4), in the synchronous harness: our new inbound SA is in before the
// responder can send on it (the harness checks after every action), our new outbound SA goes
// in only when the responder deletes the CHILD SA it replaced, the old outbound SA after the
// drain; a rekey crossing ours is answered and the nonces keep one pair (RFC 7296 §2.8.1,
// initiator_rekey_collision_test.cpp for each ordering); many rekeys from both sides keep one
// IKE SA and one pair.
#include <cstdint>
#include <string>

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
using machine_test::requests_sent;
using test::InitiatorHarness;
using test::InitiatorHarnessOptions;
using Op = test::FakeKernel::Op;

// Our answers to the responder's CREATE_CHILD_SA requests, opened.
std::vector<std::vector<Payload>> answers(InitiatorHarness& h, test::FakeIkeResponder& r,
                                          ExchangeType exchange) {
  std::vector<std::vector<Payload>> out;
  for (const auto& s : h.sent()) {
    const auto bytes = ike_bytes(s.datagram);
    const auto header = parse_header(bytes).value();
    if (header.exchange != exchange || !header.response()) continue;
    auto opened = r.open_response(bytes);
    if (opened) out.push_back(opened->message.payloads);
  }
  return out;
}

// The seeded randomness makes X25519 and ML-KEM keys only (ECP-384 runs against strongSwan).
InitiatorHarnessOptions options(std::string esp = "aes256gcm16-x25519-ke1_mlkem1024") {
  return {.rekey_time = 3h, .lifetime = 4h, .esp_proposal = std::move(esp)};
}

TEST(InitiatorPeerRekeyTest, AnsweredInboundFirstAndSwitchedWhenTheResponderDeletesTheOld) {
  InitiatorHarness h(options());
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  const auto old_in = h.machine().status().inbound_spi;
  const auto old_out = h.machine().status().outbound_spi;
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  EXPECT_EQ(responder->own_rekeys(), 1U);
  EXPECT_EQ(responder->own_rekey_refusals(), 0U);
  EXPECT_EQ(responder->followups(), 0U);  // it ran them as the initiator of the exchanges
  const auto new_in = h.machine().status().inbound_spi;
  const auto new_out = h.machine().status().outbound_spi;
  EXPECT_NE(new_in, old_in);
  EXPECT_NE(new_out, old_out);
  EXPECT_NE(responder->child(new_out), nullptr);
  // Our answers: CREATE_CHILD_SA with our proposal and KE, one IKE_FOLLOWUP_KE (ML-KEM-1024).
  const auto create = answers(h, *responder, ExchangeType::create_child_sa);
  ASSERT_EQ(create.size(), 1U);
  EXPECT_NE(find_payload<KePayload>(create[0]), nullptr);
  EXPECT_NE(find_notify(create[0], NotifyType::additional_key_exchange), nullptr);
  const auto followup = answers(h, *responder, ExchangeType::ike_followup_ke);
  ASSERT_EQ(followup.size(), 1U);
  EXPECT_EQ(find_notify(followup[0], NotifyType::additional_key_exchange), nullptr);  // the last
  ASSERT_TRUE(h.run_until([&] { return installed(h.kernel()).size() == 2; }, 1min));
  auto& k = h.kernel();
  // New inbound, then (on the responder's Delete) new outbound, old outbound, old inbound.
  EXPECT_LT(log_index(k, Op::update_sa, new_in), log_index(k, Op::add_sa, new_out));
  EXPECT_LT(log_index(k, Op::add_sa, new_out), log_index(k, Op::delete_sa, old_out));
  EXPECT_LT(log_index(k, Op::delete_sa, old_out), log_index(k, Op::delete_sa, old_in));
  for (const auto& sa : installed(k))
    EXPECT_TRUE(sa.spi == new_in || sa.spi == new_out);
  // Our answer to its Delete named our half of the replaced CHILD SA.
  const auto deletes = answers(h, *responder, ExchangeType::informational);
  ASSERT_EQ(deletes.size(), 1U);
  const auto* del = find_payload<DeletePayload>(deletes[0]);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->spis, std::vector<std::uint32_t>{old_in});
  EXPECT_EQ(h.metric("ikev2_peer_child_rekeys"), 1);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorPeerRekeyTest, TwentyRekeysFromEachSideKeepOneIkeSaAndOnePair) {
  InitiatorHarnessOptions o = options();
  o.child_rekey_time = 1min;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  const auto done = [&] {
    const auto s = h.machine().status();
    return s.child_rekeys >= 20 && s.peer_child_rekeys >= 20;
  };
  // The responder rekeys every 77 s, ours a minute (less jitter) after the last rekey of
  // either side: they interleave.
  for (int i = 0; i < 200 && !done(); ++i) {
    h.run_for(77s);
    if (!h.current_responder()->own_rekey_running()) (void)h.responder_rekey();
  }
  ASSERT_TRUE(done()) << h.machine().status().child_rekeys << " ours, "
                      << h.machine().status().peer_child_rekeys << " the responder's; it made "
                      << h.current_responder()->own_rekeys() << ", refused "
                      << h.current_responder()->own_rekey_refusals() << ", running "
                      << h.current_responder()->own_rekey_running() << "; "
                      << (h.violations().empty() ? "no violation" : h.violations().front());
  h.run_for(10s);  // drains and the last Delete
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_EQ(h.responders().size(), 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorPeerRekeyTest, ARekeyCrossingOursIsAnsweredAndTheNoncesKeepOnePair) {
  InitiatorHarnessOptions o = options();
  o.child_rekey_time = 10min;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  // Ours goes out; the responder's crosses it (random nonces: either may win).
  ASSERT_TRUE(h.run_until([&] { return requests_sent(h, ExchangeType::create_child_sa) > 0; }, 1h));
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until(
      [&] {
        const auto s = h.machine().status();
        return s.child_rekeys + s.peer_child_rekeys == 1;
      },
      1min));
  h.run_for(1min);  // the redundant pair's Delete, the drains, kPeerDeleteWait
  // Answered (SA, Nr, KE), not refused; both ends came to the same decision.
  const auto answer = answers(h, *responder, ExchangeType::create_child_sa);
  ASSERT_EQ(answer.size(), 1U);
  EXPECT_NE(find_payload<SaPayload>(answer[0]), nullptr);
  EXPECT_EQ(responder->own_rekey_refusals(), 0U);
  EXPECT_EQ(responder->collisions_won() + responder->collisions_lost(), 1U);
  EXPECT_EQ(h.machine().status().child_rekeys, responder->collisions_lost());
  EXPECT_EQ(h.machine().status().peer_child_rekeys, responder->collisions_won());
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.machine().status().established, 1U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorPeerRekeyTest, WithoutTheResponderDeletingTheOldWeSwitchAfterAWaitAndDeleteIt) {
  InitiatorHarness h(options());
  h.responder_options.delete_replaced = false;
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return responder->own_rekeys() == 1; }, 1min));
  const auto answered = h.now();
  ASSERT_TRUE(h.run_until([&] { return h.machine().status().peer_child_rekeys == 1; }, 1min));
  EXPECT_GE(h.now() - answered, kPeerDeleteWait - 1s);
  ASSERT_TRUE(h.run_until([&] { return responder->child_deletes() == 1; }, 1min));
  ASSERT_TRUE(h.run_until([&] { return installed(h.kernel()).size() == 2; }, 1min));
  EXPECT_TRUE(h.noted("has not deleted the CHILD SA it replaced"));
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorPeerRekeyTest, AProposalWithoutOurKeyExchangesIsRefusedAndNothingChanges) {
  InitiatorHarness h(options());
  h.responder_options.rekey_esp = config::parse_esp_proposal("aes256gcm16-x25519").value();
  h.start();
  ASSERT_TRUE(established(h));
  auto* responder = h.current_responder();
  const auto before = installed(h.kernel()).size();
  ASSERT_TRUE(h.responder_rekey());
  ASSERT_TRUE(h.run_until([&] { return responder->own_rekey_refusals() == 1; }, 1min));
  const auto refusal = answers(h, *responder, ExchangeType::create_child_sa);
  ASSERT_EQ(refusal.size(), 1U);
  EXPECT_NE(find_notify(refusal[0], NotifyType::no_proposal_chosen), nullptr);
  EXPECT_EQ(installed(h.kernel()).size(), before);
  std::size_t larval = 0;
  for (const auto& sa : h.kernel().sas())
    larval += sa.larval ? 1 : 0;
  EXPECT_EQ(larval, 0U);  // no SPI was allocated for it
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
