// InitiatorMachine in the synchronous harness (tests/fakes/initiator_harness.hpp): the fake
// responder at the byte level, FakeKernel, a manual clock; after every action the harness
// checks that each outbound SA has the responder's inbound SA and ours with it.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
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

std::vector<ExchangeType> exchanges(const InitiatorHarness& h) {
  std::vector<ExchangeType> out;
  for (const auto& s : h.sent())
    out.push_back(parse_header(ike_bytes(s.datagram)).value().exchange);
  return out;
}

TEST(InitiatorMachineTest, EstablishesThroughIkeIntermediateWithMlKemAndInstallsTheChildSa) {
  InitiatorHarness h;
  h.start();
  ASSERT_TRUE(established(h));
  const auto& st = h.machine().status();
  EXPECT_EQ(st.state, "established");
  EXPECT_EQ(st.proposal, "aes256gcm16-prfsha384-x25519-ke1_mlkem768");
  EXPECT_TRUE(st.post_quantum);
  EXPECT_EQ(exchanges(h), (std::vector{ExchangeType::ike_sa_init, ExchangeType::ike_intermediate,
                                       ExchangeType::ike_auth}));
  auto* r = h.current_responder();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->intermediate_exchanges(), 1U);
  EXPECT_TRUE(r->saw_initial_contact());
  const auto sas = installed(h.kernel());
  ASSERT_EQ(sas.size(), 2U);
  for (const auto& sa : sas) {
    const bool out = sa.direction == xfrm::SaDirection::out;
    EXPECT_EQ(sa.spi, out ? r->options().esp_spi : r->initiator_spi());
    EXPECT_EQ(sa.reqid, 0x7071'0202U);
    EXPECT_FALSE(sa.encap.has_value());
  }
  EXPECT_EQ(h.metric("ikev2_established"), 1);
  EXPECT_EQ(h.metric("ikev2_dropped_messages"), 0);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorMachineTest, EstablishesWithoutIkeIntermediateWhenTheProposalHasNoAdditionalKe) {
  InitiatorHarness h({.proposal = "aes256gcm16-prfsha384-x25519"});
  h.start();
  ASSERT_TRUE(established(h));
  EXPECT_FALSE(h.machine().status().post_quantum);
  EXPECT_EQ(exchanges(h), (std::vector{ExchangeType::ike_sa_init, ExchangeType::ike_auth}));
  ASSERT_NE(h.current_responder(), nullptr);
  EXPECT_EQ(h.current_responder()->intermediate_exchanges(), 0U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorMachineTest, ForcedEncapsulationMovesToTheNattSocketWithTheMarker) {
  InitiatorHarness h({.force_encap = true});
  h.start();
  ASSERT_TRUE(established(h));
  std::vector<IkeSocket> sockets;
  for (const auto& s : h.sent())
    sockets.push_back(s.datagram.socket);
  EXPECT_EQ(sockets, (std::vector{IkeSocket::ike, IkeSocket::natt, IkeSocket::natt}));
  EXPECT_EQ(h.sent()[1].datagram.port, 4500);
  for (const auto& sa : installed(h.kernel())) {
    ASSERT_TRUE(sa.encap.has_value());
    EXPECT_EQ(sa.encap->src_port, 4500);
    EXPECT_EQ(sa.encap->dst_port, 4500);
  }
  EXPECT_TRUE(h.machine().status().udp_encapsulation);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorMachineTest, RetransmitsWithDoublingWaitsAndGivesUpAfterTheLastTry) {
  InitiatorHarness h;  // retransmit: 1 s, 3 tries
  h.lose_requests = 1000;
  h.start();
  const auto t0 = h.now();
  ASSERT_TRUE(h.run_until([&] { return h.metric("ikev2_failures") == 1; }, 1min));
  EXPECT_EQ(h.now() - t0, 7s);  // sends at 0, 1, 3 s; the last waits 4 s
  std::vector<core::Clock::duration> at;
  for (const auto& s : h.sent())
    at.push_back(s.at - t0);
  EXPECT_EQ(at, (std::vector<core::Clock::duration>{0s, 1s, 3s}));
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 2);
  EXPECT_EQ(h.machine().status().state, "waiting to retry");
  const std::string error = h.machine().status().last_error;
  EXPECT_NE(error.find("no response after 3 tries"), std::string::npos) << error;
  // All three are the same request.
  for (const auto& s : h.sent())
    EXPECT_EQ(s.datagram.bytes, h.sent()[0].datagram.bytes);
  EXPECT_TRUE(installed(h.kernel()).empty());
}

TEST(InitiatorMachineTest, RetriesFailedAttemptsAfterDoublingDelaysUpToTheMaximum) {
  InitiatorHarness h;  // each attempt fails 7 s after it began; retry 5 s doubling to 20 s
  h.lose_requests = 1000;
  h.start();
  const auto t0 = h.now();
  ASSERT_TRUE(h.run_until([&] { return h.metric("ikev2_failures") == 5; }, 5min));
  std::map<Spi, core::Clock::duration> first_send;  // a new SPIi per attempt
  for (const auto& s : h.sent())
    first_send.try_emplace(parse_header(s.datagram.bytes)->spi_i, s.at - t0);
  std::vector<core::Clock::duration> starts;
  for (const auto& [spi, at] : first_send)
    starts.push_back(at);
  std::ranges::sort(starts);
  EXPECT_EQ(starts, (std::vector<core::Clock::duration>{0s, 12s, 29s, 56s, 83s}));
  EXPECT_TRUE(h.noted("next attempt in 20000 ms"));
}

TEST(InitiatorMachineTest, AnAttemptAfterAFailureEstablishesAndClearsTheError) {
  InitiatorHarness h;
  h.lose_requests = 3;  // the first attempt's three tries
  h.start();
  ASSERT_TRUE(established(h));
  EXPECT_EQ(h.metric("ikev2_failures"), 1);
  EXPECT_EQ(h.machine().status().last_error, "");
  EXPECT_EQ(h.responders().size(), 1U);  // the lost attempt never reached the responder
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorMachineTest, ContinuityInstallsTheNewPairBeforeDeletingTheOldOutboundSa) {
  InitiatorHarness h({.rekey_time = 10min, .lifetime = 20min});
  h.start();
  ASSERT_TRUE(established(h));
  const auto old_in = h.machine().status().inbound_spi;
  const auto old_out = h.machine().status().outbound_spi;
  auto* old_responder = h.current_responder();
  const auto established_at = h.now();
  ASSERT_TRUE(established(h, 2, 1h));
  EXPECT_GE(h.now() - established_at, 10min);
  // The switch: the new pair is in; the old outbound SA stays for the drain, and the old IKE
  // SA is not deleted yet (the responder would remove the inbound SA of that outbound SA).
  const auto switched_at = h.now();
  auto present = [&](std::uint32_t spi) {
    const auto sas = installed(h.kernel());
    return std::any_of(sas.begin(), sas.end(), [&](const auto& sa) { return sa.spi == spi; });
  };
  EXPECT_TRUE(present(old_out));
  EXPECT_FALSE(old_responder->deleted());
  ASSERT_TRUE(h.run_until([&] { return !present(old_out); }, 1min));
  EXPECT_GE(h.now() - switched_at, xfrm::kOutboundDrain);
  ASSERT_TRUE(h.run_until([&] { return installed(h.kernel()).size() == 2; }, 1min));
  const auto new_in = h.machine().status().inbound_spi;
  const auto new_out = h.machine().status().outbound_spi;
  EXPECT_NE(new_out, old_out);
  using Op = test::FakeKernel::Op;
  auto& k = h.kernel();
  const auto new_out_added = log_index(k, Op::add_sa, new_out);
  const auto old_out_deleted = log_index(k, Op::delete_sa, old_out);
  const auto old_in_deleted = log_index(k, Op::delete_sa, old_in);
  ASSERT_GE(new_out_added, 0);
  EXPECT_LT(log_index(k, Op::update_sa, new_in), new_out_added);  // the pair: inbound first
  EXPECT_LT(new_out_added, old_out_deleted);
  EXPECT_LT(old_out_deleted, old_in_deleted);
  EXPECT_TRUE(old_responder->deleted());  // the old IKE SA was deleted with INFORMATIONAL
  for (const auto& sa : installed(k))
    EXPECT_TRUE(sa.spi == new_in || sa.spi == new_out);
  EXPECT_FALSE(h.current_responder()->saw_initial_contact());
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorMachineTest, TheRespondersDeleteRemovesTheSasAndANewIkeSaFollows) {
  InitiatorHarness h;
  h.start();
  ASSERT_TRUE(established(h));
  const auto deleted_at = h.now();
  h.responder_request({DeletePayload{ProtocolId::ike, {}}});
  ASSERT_TRUE(h.run_until([&] { return installed(h.kernel()).empty() && h.answers == 1; }, 1s));
  EXPECT_EQ(h.machine().status().state, "waiting to retry");
  ASSERT_TRUE(established(h, 2));
  EXPECT_GE(h.now() - deleted_at, 5s);  // the retry delay
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_EQ(h.responders().size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorMachineTest, ALivenessCheckIsAnsweredAndChangesNothing) {
  InitiatorHarness h;
  h.start();
  ASSERT_TRUE(established(h));
  h.kernel().clear_log();
  h.responder_request({});
  ASSERT_TRUE(h.run_until([&] { return h.answers == 1; }, 1s));
  EXPECT_TRUE(h.kernel().log().empty());
  EXPECT_EQ(h.machine().status().state, "established");
  EXPECT_EQ(h.metric("ikev2_dropped_messages"), 0);
}

TEST(InitiatorMachineTest, MalformedOrStrayDatagramsAreDroppedWithoutTouchingTheSas) {
  InitiatorHarness h;
  h.start();
  ASSERT_TRUE(established(h));
  h.kernel().clear_log();
  const auto sends = h.sent().size();
  const auto peer = h.session_options.remote_address;
  const auto valid = h.current_responder()->informational_request({}).value();
  h.feed(DatagramReceived{IkeSocket::ike, peer, {1, 2, 3}});                         // no header
  h.feed(DatagramReceived{IkeSocket::ike, peer, {valid.begin(), valid.end() - 1}});  // cut short
  h.feed(DatagramReceived{IkeSocket::natt, peer, valid});                            // no marker
  h.feed(DatagramReceived{IkeSocket::ike, core::IpAddress::parse("203.0.113.9").value(), valid});
  auto tampered = valid;
  tampered.back() ^= 1;  // the ICV fails
  h.feed(DatagramReceived{IkeSocket::ike, peer, tampered});
  EXPECT_EQ(h.metric("ikev2_dropped_messages"), 5);
  EXPECT_TRUE(h.kernel().log().empty());
  EXPECT_EQ(h.sent().size(), sends);
  EXPECT_EQ(h.machine().status().state, "established");
  // The untouched request still works.
  h.feed(DatagramReceived{IkeSocket::ike, peer, valid});
  EXPECT_EQ(h.sent().size(), sends + 1);
}

TEST(InitiatorMachineTest, TheSameRandomnessAndEventsReplayTheExchangeByteForByte) {
  InitiatorHarness h({.seed = 7});
  h.start();
  ASSERT_TRUE(established(h));
  auto replay = [&](std::uint64_t seed) {
    test::SeededIkeRandomness random(seed);
    InitiatorMachine m(h.make_session_options(), {500, 4500}, random);
    std::vector<std::vector<std::uint8_t>> sent;
    for (const auto& [at, event] : h.events()) {
      for (auto& a : m.handle(event, at)) {
        if (auto* s = std::get_if<SendDatagram>(&a)) sent.push_back(s->bytes);
      }
    }
    return std::pair{sent, m.status().state};
  };
  std::vector<std::vector<std::uint8_t>> recorded;
  for (const auto& s : h.sent())
    recorded.push_back(s.datagram.bytes);
  const auto [same, state] = replay(7);
  EXPECT_EQ(same, recorded);
  EXPECT_EQ(state, "established");
  const auto [other, other_state] = replay(8);  // negative control
  ASSERT_FALSE(other.empty());
  EXPECT_NE(other.front(), recorded.front());
  EXPECT_NE(other_state, "established");
}

TEST(InitiatorMachineTest, StopWithDeleteSendsTheDeleteAndRemovesTheSas) {
  InitiatorHarness h;
  h.start();
  ASSERT_TRUE(established(h));
  const auto sends = h.sent().size();
  h.feed(Stop{true});
  ASSERT_EQ(h.sent().size(), sends + 1);
  EXPECT_EQ(parse_header(h.sent().back().datagram.bytes)->exchange, ExchangeType::informational);
  EXPECT_TRUE(installed(h.kernel()).empty());
  EXPECT_EQ(h.machine().status().state, "stopped");
  h.run_for(1min);
  EXPECT_EQ(h.sent().size(), sends + 1);  // nothing more: no retransmission, no new IKE SA
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

}  // namespace
}  // namespace pqbranch::ikev2
