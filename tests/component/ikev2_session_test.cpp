// The IKEv2 initiator session over loopback UDP against the fake responder (the same codec
// and keymat, responder side), with FakeKernel: whole exchanges, the CHILD SA in the kernel,
// retransmission, forced NAT-T with the non-ESP marker, the responder's Delete, continuity.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <gtest/gtest.h>

#include "pqbranch/ikev2/initiator_session.hpp"

#include "fakes/fake_ike_responder.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::ikev2 {
namespace {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

const std::vector<std::uint8_t> kPsk{'l', 'o', 'o', 'p', 'b', 'a', 'c', 'k'};

// The fake responder behind two loopback sockets ("500" and "4500"); one FakeIkeResponder
// per IKE SA (by SPIi), as a real responder keeps them.
class LoopbackResponder {
 public:
  explicit LoopbackResponder(asio::io_context& io)
      : ike_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)),
        natt_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    receive(ike_, ike_buffer_, ike_from_, false);
    receive(natt_, natt_buffer_, natt_from_, true);
  }

  test::FakeIkeResponder::Options options;
  int drop_next = 0;  // requests to ignore (lost on the way)
  // An on-path attacker: before each IKE_SA_INIT response, an unprotected one with only
  // this error notify.
  std::optional<NotifyType> forge_init_error;
  std::size_t requests = 0;       // received
  std::size_t natt_requests = 0;  // of them on the NAT-T socket, with the marker

  [[nodiscard]] std::uint16_t ike_port() const { return ike_.local_endpoint().port(); }
  [[nodiscard]] std::uint16_t natt_port() const { return natt_.local_endpoint().port(); }
  std::map<std::array<std::uint8_t, 8>, std::unique_ptr<test::FakeIkeResponder>> sas;
  std::optional<udp::endpoint> last_peer;
  bool last_natt = false;

  std::size_t responses = 0;  // from the initiator, to the responder's own requests

  // A request of the responder's own (to the initiator) on the IKE SA `spi_i`.
  void send_request(test::FakeIkeResponder& r, std::vector<Payload> payloads) {
    auto bytes = r.informational_request(std::move(payloads)).value();
    send(bytes, last_natt);
  }
  // The same bytes again (a retransmitted request).
  void resend(std::span<const std::uint8_t> bytes) { send(bytes, last_natt); }

 private:
  void send(std::span<const std::uint8_t> bytes, bool natt) {
    std::vector<std::uint8_t> out;
    if (natt) out = {0, 0, 0, 0};
    out.insert(out.end(), bytes.begin(), bytes.end());
    (natt ? natt_ : ike_).send_to(asio::buffer(out), *last_peer);
  }

  void receive(udp::socket& s, std::array<std::uint8_t, 65536>& buffer, udp::endpoint& from,
               bool natt) {
    s.async_receive_from(
        asio::buffer(buffer), from,
        [this, &s, &buffer, &from, natt](boost::system::error_code ec, std::size_t n) {
          if (ec) return;
          handle(std::span(buffer).first(n), from, natt);
          receive(s, buffer, from, natt);
        });
  }

  void handle(std::span<const std::uint8_t> bytes, const udp::endpoint& from, bool natt) {
    if (natt) {
      ASSERT_GE(bytes.size(), 4U);
      ASSERT_EQ(bytes[0] | bytes[1] | bytes[2] | bytes[3], 0) << "no non-ESP marker";
      bytes = bytes.subspan(4);
      ++natt_requests;
    }
    auto h = parse_header(bytes);
    ASSERT_TRUE(h.has_value());
    if (h->response()) {  // answers to our own requests: counted, not checked here
      ++responses;
      return;
    }
    ++requests;
    if (drop_next > 0) {
      --drop_next;
      return;
    }
    auto& r = sas[h->spi_i];
    if (!r) {
      r = std::make_unique<test::FakeIkeResponder>(options);
      ++options.esp_spi;  // each CHILD SA its own SPI, as a real responder allocates them
    }
    last_peer = from;
    last_natt = natt;
    if (forge_init_error && h->exchange == ExchangeType::ike_sa_init) {
      auto forged =
          test::FakeIkeResponder::unprotected_response(bytes, make_notify(*forge_init_error));
      ASSERT_TRUE(forged.has_value());
      send(*forged, natt);
    }
    auto response = r->handle(bytes);
    ASSERT_TRUE(response.has_value()) << response.error().message();
    send(*response, natt);
  }

  udp::socket ike_;
  udp::socket natt_;
  std::array<std::uint8_t, 65536> ike_buffer_{};
  std::array<std::uint8_t, 65536> natt_buffer_{};
  udp::endpoint ike_from_;
  udp::endpoint natt_from_;
};

class Ikev2SessionTest : public ::testing::Test {
 protected:
  Ikev2SessionTest() : kernel_(clock_), responder_(io_) {}

  SessionOptions options(const char* proposal) {
    SessionOptions o;
    o.name = "loop";
    o.settings.proposals = {config::parse_ike_proposal(proposal).value()};
    o.settings.local_id =
        id_payload(config::parse_ike_identity("initiator.pqb.test").value(), true);
    o.settings.remote_id =
        id_payload(config::parse_ike_identity("responder.pqb.test").value(), false);
    o.settings.psk = core::SecureBytes(kPsk);
    o.settings.local_ts = {core::IpPrefix::parse("10.1.0.0/24").value()};
    o.settings.remote_ts = {core::IpPrefix::parse("10.2.0.0/24").value()};
    o.local_address = core::IpAddress::parse("127.0.0.1").value();
    o.remote_address = o.local_address;
    o.local_port = 0;
    o.local_natt_port = 0;
    o.remote_port = responder_.ike_port();
    o.remote_natt_port = responder_.natt_port();
    o.reqid = 0x7071'0101;
    o.retransmit = {100ms, 4};
    o.retry_initial = 100ms;

    responder_.options.accept = o.settings.proposals;
    responder_.options.psk = kPsk;
    responder_.options.id = o.settings.remote_id;
    responder_.options.endpoints.local = o.remote_address;
    responder_.options.endpoints.local_port = responder_.ike_port();
    responder_.options.endpoints.remote = o.local_address;
    return o;
  }

  std::unique_ptr<InitiatorSession> start(SessionOptions o) {
    auto s = InitiatorSession::create(io_, kernel_, metrics_, std::move(o));
    EXPECT_TRUE(s.has_value()) << s.error().message();
    if (!s) return nullptr;
    // NAT detection hashes the initiator's real port: tell the responder.
    responder_.options.endpoints.remote_port = (*s)->ike_port();
    (*s)->start();
    return std::move(*s);
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(20ms);
    }
    return true;
  }

  std::vector<xfrm::SaState> installed() {
    std::vector<xfrm::SaState> out;
    for (auto& sa : kernel_.sas()) {
      if (!sa.larval) out.push_back(sa);
    }
    return out;
  }

  test::ManualClock clock_;
  test::FakeKernel kernel_;
  core::Metrics metrics_;
  asio::io_context io_;
  LoopbackResponder responder_;
};

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
