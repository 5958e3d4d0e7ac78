// IKE_SA_INIT with a responder that asks for a COOKIE (RFC 7296 §2.6): the request goes
// again with the COOKIE first and the same SPIi, Ni and KE; cookies outside 1..64 bytes
// are dropped, and a third COOKIE in one attempt is a refusal.
#include <gtest/gtest.h>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_auth_task.hpp"
#include "pqbranch/ikev2/ike_intermediate_task.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"

#include "fakes/fake_ike_responder.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr const char* kProposal = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";
const std::vector<std::uint8_t> kPsk(24, 'k');

struct Peers {
  Peers() {
    settings.proposals = {config::parse_ike_proposal(kProposal).value()};
    settings.local_id = id_payload(config::parse_ike_identity("initiator.pqb.test").value(), true);
    settings.remote_id =
        id_payload(config::parse_ike_identity("responder.pqb.test").value(), false);
    settings.psk = std::make_shared<const core::SecureBytes>(kPsk);
    settings.local_ts = {core::IpPrefix::parse("10.1.0.0/24").value()};
    settings.remote_ts = {core::IpPrefix::parse("10.2.0.0/24").value()};
    endpoints = {core::IpAddress::parse("192.0.2.1").value(), 500,
                 core::IpAddress::parse("192.0.2.2").value(), 500};
    responder.accept = settings.proposals;
    responder.psk = kPsk;
    responder.id = settings.remote_id;
    responder.endpoints = {endpoints.remote, 500, endpoints.local, 500};
  }
  InitiatorSettings settings;
  Endpoints endpoints;
  test::FakeIkeResponder::Options responder;
};

TEST(IkeCookie, IsReturnedFirstWithTheSameSpiNonceAndKeAndTheIkeSaAuthenticates) {
  Peers s;
  s.responder.cookie_rounds = 2;
  test::FakeIkeResponder r(s.responder);
  IkeSa sa;
  auto request = build_ike_sa_init(sa, s.settings, s.endpoints, KeMethod::x25519).value();
  const auto spi = sa.spi_i;
  const auto ni = sa.ni;
  for (unsigned round = 1; round <= 2; ++round) {
    SCOPED_TRACE(round);
    auto outcome = process_ike_sa_init(sa, s.settings, s.endpoints, r.handle(request).value());
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
    ASSERT_TRUE(std::holds_alternative<InitCookie>(*outcome));
    EXPECT_EQ(sa.cookie_rounds, round);
    request = build_ike_sa_init_with_cookie(sa, s.settings, s.endpoints).value();
    EXPECT_EQ(sa.spi_i, spi);
    EXPECT_EQ(sa.ni, ni);
    auto m = parse_message(request).value();
    ASSERT_FALSE(m.payloads.empty());
    const auto* first = std::get_if<NotifyPayload>(&m.payloads[0]);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->type, NotifyType::cookie);
    EXPECT_EQ(first->data, sa.cookie);
  }
  // The fake checks the cookie, Ni and KE; the request with the cookie is RealMessage1,
  // which both AUTH payloads cover.
  auto done = process_ike_sa_init(sa, s.settings, s.endpoints, r.handle(request).value());
  ASSERT_TRUE(done.has_value()) << done.error().message();
  ASSERT_TRUE(std::holds_alternative<InitDone>(*done));
  EXPECT_EQ(sa.init_request, request);
  auto intermediate =
      process_ike_intermediate(sa, r.handle(build_ike_intermediate(sa).value()).value());
  ASSERT_TRUE(intermediate.has_value()) << intermediate.error().message();
  auto auth = process_ike_auth(
      sa, s.settings, r.handle(build_ike_auth(sa, s.settings, 0x1000, true).value()).value());
  ASSERT_TRUE(auth.has_value()) << auth.error().message();
  EXPECT_TRUE(r.established());
}

TEST(IkeCookie, OutsideOneTo64BytesIsDroppedAndAThirdRoundRefused) {
  Peers s;
  IkeSa sa;
  const auto request = build_ike_sa_init(sa, s.settings, s.endpoints, KeMethod::x25519).value();
  auto cookie = [&](std::size_t size) {
    auto response = test::FakeIkeResponder::unprotected_response(
        request, make_notify(NotifyType::cookie, std::vector<std::uint8_t>(size, 0xc0)));
    return process_ike_sa_init(sa, s.settings, s.endpoints, response.value());
  };
  for (const std::size_t bad : {std::size_t{0}, kMaxCookieSize + 1}) {
    auto dropped = cookie(bad);
    ASSERT_FALSE(dropped.has_value());
    EXPECT_TRUE(is_drop(dropped.error())) << dropped.error().message();
    EXPECT_EQ(sa.cookie_rounds, 0U);
  }
  ASSERT_TRUE(std::holds_alternative<InitCookie>(cookie(kMaxCookieSize).value()));
  ASSERT_TRUE(std::holds_alternative<InitCookie>(cookie(1).value()));
  EXPECT_EQ(sa.cookie, std::vector<std::uint8_t>{0xc0});
  auto third = cookie(16);
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, exchange_errc::peer_refused);
  EXPECT_FALSE(is_drop(third.error()));
  EXPECT_NE(third.error().detail.find("COOKIE again after 2 rounds"), std::string::npos)
      << third.error().detail;
}

}  // namespace
}  // namespace pqbranch::ikev2
