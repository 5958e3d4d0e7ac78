// The IKEv2 initiator session over loopback UDP against the fake responder (the same codec
// and keymat, responder side), with FakeKernel: whole exchanges, the CHILD SA in the kernel,
// retransmission, forced NAT-T with the non-ESP marker, the responder's Delete, continuity.
#include <algorithm>

#include <boost/asio/ip/udp.hpp>
#include <gtest/gtest.h>

#include "ikev2_loopback.hpp"

namespace pqbranch::ikev2 {
namespace {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

TEST_F(Ikev2SessionTest, EstablishesAndInstallsTheChildSa) {
  auto s = start(options("aes256gcm16-prfsha384-ecp384-ke1_mlkem1024"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }));
  const auto st = s->status();
  EXPECT_EQ(st.proposal, "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024");
  EXPECT_TRUE(st.post_quantum);
  EXPECT_FALSE(st.udp_encapsulation);
  ASSERT_EQ(responder_.sas.size(), 1U);
  auto& r = *responder_.sas.begin()->second;
  EXPECT_EQ(r.intermediate_exchanges(), 1U);
  const auto sas = installed();
  ASSERT_EQ(sas.size(), 2U);
  for (const auto& sa : sas) {
    EXPECT_EQ(sa.reqid, 0x7071'0101U);
    EXPECT_TRUE(sa.esn);
    EXPECT_FALSE(sa.encap.has_value());
  }
  // Both ends hold the same keys for each direction.
  const auto out = xfrm::SaId{core::IpAddress::parse("127.0.0.1").value(), st.outbound_spi};
  const auto in = xfrm::SaId{core::IpAddress::parse("127.0.0.1").value(), st.inbound_spi};
  ASSERT_NE(kernel_.key_of(out), nullptr);
  ASSERT_NE(kernel_.key_of(in), nullptr);
  EXPECT_TRUE(std::ranges::equal(kernel_.key_of(out)->span(),
                                 r.child_keys()->initiator_to_responder.span()));
  EXPECT_TRUE(std::ranges::equal(kernel_.key_of(in)->span(),
                                 r.child_keys()->responder_to_initiator.span()));
  EXPECT_EQ(st.outbound_spi, 0xc0de0001U);  // the first SPI the responder gave out
}

TEST_F(Ikev2SessionTest, RetransmitsLostRequests) {
  responder_.drop_next = 2;  // IKE_SA_INIT twice
  auto s = start(options("aes256gcm16-prfsha384-mlkem768"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }));
  EXPECT_EQ(metrics_.value("ikev2_retransmissions", "peer=\"loop\""), 2);
  EXPECT_EQ(responder_.sas.size(), 1U);
}

TEST_F(Ikev2SessionTest, GivesUpAfterTheLastTryAndRetries) {
  responder_.drop_next = 4;  // every try of the first attempt
  auto s = start(options("aes256gcm16-prfsha384-mlkem768"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }));
  EXPECT_EQ(metrics_.value("ikev2_failures", "peer=\"loop\""), 1);
  EXPECT_EQ(s->status().last_error, "");  // the success that followed cleared it
}

TEST_F(Ikev2SessionTest, AForgedErrorNotifyBeforeTheResponseDoesNotEndTheAttempt) {
  responder_.forge_init_error = NotifyType::no_proposal_chosen;
  auto s = start(options("aes256gcm16-prfsha384-x25519-ke1_mlkem768"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }, 5s));
  EXPECT_EQ(metrics_.value("ikev2_failures", "peer=\"loop\""), 0);
  EXPECT_EQ(metrics_.value("ikev2_dropped_messages", "peer=\"loop\""), 1);  // the forgery
  EXPECT_EQ(responder_.sas.size(), 1U);
}

TEST_F(Ikev2SessionTest, OnlyErrorNotifiesEndTheAttemptAtTheTimeoutWithThatReason) {
  auto o = options("aes256gcm16-prfsha384-ecp384-ke1_mlkem1024");
  responder_.options.accept = {config::parse_ike_proposal("aes256gcm16-prfsha384-ecp384").value()};
  auto s = start(std::move(o));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return metrics_.value("ikev2_failures", "peer=\"loop\"") >= 1; }));
  // Every try was sent and answered NO_PROPOSAL_CHOSEN before the attempt ended.
  EXPECT_EQ(responder_.requests, 4U);
  const auto error = s->status().last_error;
  EXPECT_NE(error.find("NO_PROPOSAL_CHOSEN"), std::string::npos) << error;
  EXPECT_NE(error.find("no acceptable response in 4 tries"), std::string::npos) << error;
  EXPECT_TRUE(installed().empty());
}

TEST_F(Ikev2SessionTest, ACookieRequestIsAnsweredAndTheIkeSaEstablished) {
  responder_.options.cookie_rounds = 2;
  auto s = start(options("aes256gcm16-prfsha384-ecp256-ke1_mlkem768"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }, 5s));
  ASSERT_EQ(responder_.sas.size(), 1U);  // one SPIi throughout
  EXPECT_EQ(responder_.sas.begin()->second->cookies_sent(), 2U);
  EXPECT_EQ(metrics_.value("ikev2_failures", "peer=\"loop\""), 0);
  EXPECT_EQ(metrics_.value("ikev2_retransmissions", "peer=\"loop\""), 0);
}

TEST_F(Ikev2SessionTest, ForcedEncapsulationUsesTheNattPortWithTheMarker) {
  auto o = options("aes256gcm16-prfsha384-x25519-ke1_mlkem768");
  o.settings.force_encap = true;
  auto s = start(std::move(o));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }));
  EXPECT_TRUE(s->status().udp_encapsulation);
  EXPECT_EQ(responder_.natt_requests, 2U);  // IKE_INTERMEDIATE and IKE_AUTH
  for (const auto& sa : installed()) {
    ASSERT_TRUE(sa.encap.has_value());
    const bool out = sa.direction == xfrm::SaDirection::out;
    EXPECT_EQ(out ? sa.encap->dst_port : sa.encap->src_port, responder_.natt_port());
    EXPECT_EQ(out ? sa.encap->src_port : sa.encap->dst_port, s->natt_port());
  }
}

TEST_F(Ikev2SessionTest, ResponderDeleteRemovesTheSasAndANewIkeSaFollows) {
  auto s = start(options("aes256gcm16-prfsha384-mlkem768"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }));
  auto& r = *responder_.sas.begin()->second;
  responder_.send_request(r, {DeletePayload{ProtocolId::ike, {}}});
  ASSERT_TRUE(run_until([&] { return installed().empty(); }));
  ASSERT_TRUE(run_until([&] { return s->status().established == 2; }));
  EXPECT_EQ(installed().size(), 2U);
  EXPECT_EQ(responder_.sas.size(), 2U);
}

TEST_F(Ikev2SessionTest, GarbageIsDroppedAndCountedWithoutTouchingTheSa) {
  auto s = start(options("aes256gcm16-prfsha384-mlkem768"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }));
  udp::socket attacker(io_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
  const udp::endpoint target(asio::ip::address_v4::loopback(), s->ike_port());
  auto& r = *responder_.sas.begin()->second;
  auto valid = r.informational_request({DeletePayload{ProtocolId::ike, {}}}).value();
  std::vector<std::vector<std::uint8_t>> junk{
      {1, 2, 3}, std::vector<std::uint8_t>(valid.begin(), valid.begin() + 40),  // truncated
  };
  auto flipped = valid;
  flipped.back() ^= 0x80;  // ICV
  junk.push_back(flipped);
  for (const auto& j : junk)
    attacker.send_to(asio::buffer(j), target);
  ASSERT_TRUE(
      run_until([&] { return metrics_.value("ikev2_dropped_messages", "peer=\"loop\"") >= 3; }));
  EXPECT_EQ(s->status().state, "established");
  EXPECT_EQ(installed().size(), 2U);
}

TEST_F(Ikev2SessionTest, AForgedRequestReusingAnAnsweredMessageIdTriggersNothing) {
  auto s = start(options("aes256gcm16-prfsha384-mlkem768"));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().state == "established"; }));
  auto& r = *responder_.sas.begin()->second;
  const auto ping = r.informational_request({}).value();  // liveness check, message ID 0
  responder_.resend(ping);
  ASSERT_TRUE(run_until([&] { return responder_.responses == 1; }));
  // An attacker sends a datagram with the same header and message ID but a body it could
  // not protect: it must be dropped, not answered with the cached response.
  udp::socket attacker(io_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
  auto forged = ping;
  forged.back() ^= 0x80;  // ICV
  attacker.send_to(asio::buffer(forged),
                   udp::endpoint(asio::ip::address_v4::loopback(), s->ike_port()));
  ASSERT_TRUE(run_until(
      [&] { return metrics_.value("ikev2_dropped_messages", "peer=\"loop\"") >= 1; }, 3s));
  // The genuine retransmission is answered again.
  responder_.resend(ping);
  ASSERT_TRUE(run_until([&] { return responder_.responses == 2; }));
  EXPECT_EQ(metrics_.value("ikev2_dropped_messages", "peer=\"loop\""), 1);
  EXPECT_EQ(responder_.responses, 2U);
  EXPECT_EQ(s->status().state, "established");
}

TEST_F(Ikev2SessionTest, ContinuityReplacesTheIkeSaAndChildSa) {
  auto o = options("aes256gcm16-prfsha384-ecp256-ke1_mlkem768");
  o.rekey_time = 300ms;
  o.lifetime = 10s;
  auto s = start(std::move(o));
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().established >= 1; }));
  const auto first_out = s->status().outbound_spi;
  ASSERT_TRUE(run_until([&] { return s->status().established >= 2; }));
  // The old IKE SA is deleted with an INFORMATIONAL exchange, then its inbound SA goes.
  ASSERT_TRUE(run_until([&] {
    return std::ranges::count_if(responder_.sas,
                                 [](const auto& e) { return e.second->deleted(); }) >= 1 &&
           installed().size() == 2;
  }));
  const auto sas = installed();
  for (const auto& sa : sas) {
    EXPECT_TRUE(sa.spi == s->status().inbound_spi || sa.spi == s->status().outbound_spi);
  }
  // The replacement Child SA carries traffic under a new outbound SPI.
  EXPECT_NE(s->status().outbound_spi, first_out);
  s->stop(true);
  EXPECT_TRUE(installed().empty());
}

}  // namespace
}  // namespace pqbranch::ikev2
