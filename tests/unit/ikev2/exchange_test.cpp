// The initiator's tasks against the fake responder (same codec and keymat, responder side):
// whole exchanges in memory, and the refusals the issue names.
#include <gtest/gtest.h>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_auth_task.hpp"
#include "pqbranch/ikev2/ike_intermediate_task.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
#include "pqbranch/ikev2/informational_task.hpp"

#include "fakes/fake_ike_responder.hpp"
#include "fakes/test_pki.hpp"

namespace pqbranch::ikev2 {
namespace {

config::IkeProposal proposal(const char* text) {
  return config::parse_ike_proposal(text).value();
}

const std::vector<std::uint8_t> kTestPsk{'t', 'e', 's', 't', '-', 'p', 's', 'k'};

struct Pair {
  InitiatorSettings settings;
  test::FakeIkeResponder::Options responder;
  Endpoints endpoints;
};

Pair psk_pair(std::vector<config::IkeProposal> ours, std::vector<config::IkeProposal> accept) {
  Pair p;
  p.settings.proposals = std::move(ours);
  p.settings.local_id = id_payload(config::parse_ike_identity("initiator.pqb.test").value(), true);
  p.settings.remote_id =
      id_payload(config::parse_ike_identity("responder.pqb.test").value(), false);
  p.settings.psk = std::make_shared<const core::SecureBytes>(kTestPsk);
  p.settings.local_ts = {core::IpPrefix::parse("10.1.0.0/24").value()};
  p.settings.remote_ts = {core::IpPrefix::parse("10.2.0.0/24").value()};
  p.endpoints = {core::IpAddress::parse("192.0.2.1").value(), 500,
                 core::IpAddress::parse("192.0.2.2").value(), 500};
  p.responder.accept = std::move(accept);
  p.responder.psk = kTestPsk;
  p.responder.id = p.settings.remote_id;
  p.responder.endpoints = {p.endpoints.remote, 500, p.endpoints.local, 500};
  return p;
}

// Runs IKE_SA_INIT (with retries) and returns its last outcome's error, if any.
core::Result<void> run_init(IkeSa& sa, Pair& p, test::FakeIkeResponder& r) {
  KeMethod method = p.settings.proposals[0].ke;
  for (int i = 0; i < 3; ++i) {
    auto request = build_ike_sa_init(sa, p.settings, p.endpoints, method);
    if (!request) return request.error();
    auto response = r.handle(*request);
    if (!response) return response.error();
    auto outcome = process_ike_sa_init(sa, p.settings, p.endpoints, *response);
    if (!outcome) return outcome.error();
    if (std::holds_alternative<InitDone>(*outcome)) return {};
    method = std::get<InitRetry>(*outcome).method;
  }
  return core::make_error(exchange_errc::unexpected_message, "too many retries");
}

// IKE_SA_INIT, IKE_INTERMEDIATE and IKE_AUTH in a row; IKE_AUTH's outcome.
core::Result<void> run_to_auth(IkeSa& sa, Pair& p, test::FakeIkeResponder& r) {
  if (auto ok = run_init(sa, p, r); !ok) return ok;
  if (auto ok = process_ike_intermediate(sa, r.handle(build_ike_intermediate(sa).value()).value());
      !ok) {
    return ok;
  }
  return process_ike_auth(sa, p.settings,
                          r.handle(build_ike_auth(sa, p.settings, 0x1000, false).value()).value());
}

// The whole exchange; the CHILD SA's keys must mirror the responder's.
void establish(Pair& p) {
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  ASSERT_TRUE(run_init(sa, p, r).has_value());
  ASSERT_TRUE(sa.selected.has_value());
  if (sa.selected->ke1) {
    auto request = build_ike_intermediate(sa);
    ASSERT_TRUE(request.has_value()) << request.error().message();
    auto response = r.handle(*request);
    ASSERT_TRUE(response.has_value()) << response.error().message();
    auto done = process_ike_intermediate(sa, *response);
    ASSERT_TRUE(done.has_value()) << done.error().message();
    EXPECT_EQ(r.intermediate_exchanges(), 1U);
    EXPECT_FALSE(sa.int_auth.empty());
  }
  auto request = build_ike_auth(sa, p.settings, 0x1234'5678, true);
  ASSERT_TRUE(request.has_value()) << request.error().message();
  auto response = r.handle(*request);
  ASSERT_TRUE(response.has_value()) << response.error().message();
  auto done = process_ike_auth(sa, p.settings, *response);
  ASSERT_TRUE(done.has_value()) << done.error().message();
  ASSERT_TRUE(sa.child.has_value());
  EXPECT_TRUE(r.established());
  EXPECT_TRUE(r.saw_initial_contact());
  EXPECT_EQ(sa.child->inbound_spi, 0x1234'5678U);
  EXPECT_EQ(sa.child->outbound_spi, p.responder.esp_spi);
  EXPECT_EQ(r.initiator_spi(), 0x1234'5678U);
  ASSERT_TRUE(r.child_keys().has_value());
  EXPECT_TRUE(sa.child->outbound_key.span().size() == 36);
  EXPECT_TRUE(std::ranges::equal(sa.child->outbound_key.span(),
                                 r.child_keys()->initiator_to_responder.span()));
  EXPECT_TRUE(std::ranges::equal(sa.child->inbound_key.span(),
                                 r.child_keys()->responder_to_initiator.span()));
  EXPECT_EQ(sa.child->local_ts, p.settings.local_ts);
  EXPECT_EQ(sa.next_request_id, sa.selected->ke1 ? 3U : 2U);

  // Delete from our side.
  auto del = build_delete_ike_sa(sa);
  ASSERT_TRUE(del.has_value());
  auto answer = r.handle(*del);
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  EXPECT_TRUE(r.deleted());
  EXPECT_TRUE(process_informational_response(sa, *answer).has_value());
}

TEST(IkeExchange, HybridProposalsEstablishWithPsk) {
  for (const char* text :
       {"aes256gcm16-prfsha384-ecp256-ke1_mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768",
        "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024", "aes256gcm16-prfsha256-mlkem768",
        "aes256gcm16-prfsha512-mlkem1024"}) {
    SCOPED_TRACE(text);
    auto p = psk_pair({proposal(text)}, {proposal(text)});
    establish(p);
  }
}

TEST(IkeExchange, EcdsaCertificatesEstablish) {
  auto pki = test::TestPki::create(test::PkiAlgorithm::ecdsa_p256);
  ASSERT_TRUE(pki.has_value()) << pki.error().message();
  auto mine = pki->issue("initiator.pqb.test", test::CertRole::server);
  auto theirs = pki->issue("responder.pqb.test", test::CertRole::server);
  ASSERT_TRUE(mine && theirs);
  auto credentials = [&](const test::IssuedCert& c) {
    return std::make_shared<const EcdsaCredentials>(
        EcdsaCredentials{crypto::load_private_key(c.private_key).value(),
                         load_certificate_der(c.certificate).value(),
                         CertificateAuthority::load(pki->ca_file()).value()});
  };
  auto text = "aes256gcm16-prfsha384-ecp256-ke1_mlkem768";
  auto p = psk_pair({proposal(text)}, {proposal(text)});
  p.settings.auth = config::IkeAuth::ecdsa;
  p.settings.ecdsa = credentials(*mine);
  p.responder.auth = config::IkeAuth::ecdsa;
  p.responder.ecdsa = credentials(*theirs);
  establish(p);

  // The responder's certificate must name the identity it claims.
  p.settings.remote_id = id_payload(config::parse_ike_identity("other.pqb.test").value(), false);
  p.responder.id = p.settings.remote_id;
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  auto done = run_to_auth(sa, p, r);
  ASSERT_FALSE(done.has_value());
  EXPECT_EQ(done.error().code, exchange_errc::authentication_failed);
  EXPECT_NE(done.error().detail.find("does not name"), std::string::npos) << done.error().detail;
}

TEST(IkeExchange, InvalidKePayloadRetriesWithTheWantedMethod) {
  auto first = proposal("aes256gcm16-prfsha384-ecp384-ke1_mlkem1024");
  auto second = proposal("aes256gcm16-prfsha384-x25519-ke1_mlkem768");
  auto p = psk_pair({first, second}, {second});
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  auto request = build_ike_sa_init(sa, p.settings, p.endpoints, KeMethod::ecp384);
  ASSERT_TRUE(request.has_value());
  const Spi spi = sa.spi_i;
  auto outcome = process_ike_sa_init(sa, p.settings, p.endpoints, r.handle(*request).value());
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  ASSERT_TRUE(std::holds_alternative<InitRetry>(*outcome));
  EXPECT_EQ(std::get<InitRetry>(*outcome).method, KeMethod::x25519);
  ASSERT_TRUE(run_init(sa, p, r).has_value());
  EXPECT_EQ(sa.spi_i, spi);
  EXPECT_EQ(sa.selected, second);
}

TEST(IkeExchange, InvalidKePayloadIsFollowedOncePerOfferedMethodOnly) {
  auto first = proposal("aes256gcm16-prfsha384-ecp384-ke1_mlkem1024");
  auto second = proposal("aes256gcm16-prfsha384-x25519-ke1_mlkem768");
  auto p = psk_pair({first, second}, {second});
  IkeSa sa;
  auto invalid_ke = [&](std::span<const std::uint8_t> request, KeMethod wanted) {
    auto response = test::FakeIkeResponder::unprotected_response(request, make_invalid_ke(wanted));
    return process_ike_sa_init(sa, p.settings, p.endpoints, response.value());
  };
  auto expect_refused = [](const core::Result<InitOutcome>& r, const std::string& why) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, exchange_errc::peer_refused);
    EXPECT_FALSE(is_drop(r.error()));
    EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  };
  auto ecp384 = build_ike_sa_init(sa, p.settings, p.endpoints, KeMethod::ecp384).value();
  // Never a method we did not offer.
  expect_refused(invalid_ke(ecp384, KeMethod::ecp256), "which we did not offer");
  auto retry = invalid_ke(ecp384, KeMethod::x25519);
  ASSERT_TRUE(retry.has_value()) << retry.error().message();
  ASSERT_TRUE(std::holds_alternative<InitRetry>(*retry));
  EXPECT_EQ(std::get<InitRetry>(*retry).method, KeMethod::x25519);
  auto x25519 = build_ike_sa_init(sa, p.settings, p.endpoints, KeMethod::x25519).value();
  // Asked back for the method already sent: no second round, no ping-pong.
  expect_refused(invalid_ke(x25519, KeMethod::ecp384), "asks again for key exchange method 20");
  // Asked for the method this very request carries: the same.
  expect_refused(invalid_ke(x25519, KeMethod::x25519), "asks again for key exchange method 31");
}

TEST(IkeExchange, ResponderWithoutMlKemIsRefusedWithAClearError) {
  auto ours = proposal("aes256gcm16-prfsha384-ecp384-ke1_mlkem1024");
  // A classical-only responder: NO_PROPOSAL_CHOSEN.
  auto p = psk_pair({ours}, {proposal("aes256gcm16-prfsha384-ecp384")});
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  auto refused = run_init(sa, p, r);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, exchange_errc::peer_refused);
  EXPECT_NE(refused.error().detail.find("NO_PROPOSAL_CHOSEN"), std::string::npos);

  // A responder that drops the ML-KEM transform and selects the rest.
  p.responder.drop_ml_kem = true;
  test::FakeIkeResponder dropper(p.responder);
  IkeSa sa2;
  auto dropped = run_init(sa2, p, dropper);
  ASSERT_FALSE(dropped.has_value());
  EXPECT_EQ(dropped.error().code, exchange_errc::not_post_quantum);
  EXPECT_NE(dropped.error().detail.find("no ML-KEM"), std::string::npos) << dropped.error().detail;
  EXPECT_FALSE(is_drop(dropped.error()));

  // ... which allow_classical accepts.
  p.settings.allow_classical = true;
  test::FakeIkeResponder dropper2(p.responder);
  IkeSa sa3;
  ASSERT_TRUE(run_init(sa3, p, dropper2).has_value());
  EXPECT_FALSE(sa3.selected->ke1.has_value());
}

TEST(IkeExchange, WrongPskFailsAuthentication) {
  auto text = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";
  auto p = psk_pair({proposal(text)}, {proposal(text)});
  p.responder.psk = {'o', 't', 'h', 'e', 'r'};
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  auto done = run_to_auth(sa, p, r);
  ASSERT_FALSE(done.has_value());
  EXPECT_EQ(done.error().code, exchange_errc::peer_refused);
  EXPECT_NE(done.error().detail.find("AUTHENTICATION_FAILED"), std::string::npos);
}

TEST(IkeExchange, MalformedOrForeignResponsesAreDropErrors) {
  auto text = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";
  auto p = psk_pair({proposal(text)}, {proposal(text)});
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  auto request = build_ike_sa_init(sa, p.settings, p.endpoints, KeMethod::x25519).value();
  auto response = r.handle(request).value();
  // Every truncation of the IKE_SA_INIT response is dropped, and the state is untouched.
  for (std::size_t n = 0; n < response.size(); n += 7) {
    auto outcome = process_ike_sa_init(sa, p.settings, p.endpoints, std::span(response).first(n));
    ASSERT_FALSE(outcome.has_value()) << n;
    EXPECT_TRUE(is_drop(outcome.error())) << n << ": " << outcome.error().message();
  }
  EXPECT_EQ(sa.spi_r, Spi{});
  ASSERT_TRUE(process_ike_sa_init(sa, p.settings, p.endpoints, response).has_value());

  auto intermediate = build_ike_intermediate(sa).value();
  auto answer = r.handle(intermediate).value();
  auto flipped = answer;
  flipped[flipped.size() - 3] ^= 1;  // inside the ICV
  auto bad = process_ike_intermediate(sa, flipped);
  ASSERT_FALSE(bad.has_value());
  EXPECT_TRUE(is_drop(bad.error()));
  EXPECT_EQ(bad.error().code, errc::integrity_check_failed);
  // A replayed IKE_SA_INIT response is not the IKE_INTERMEDIATE response.
  auto replay = process_ike_intermediate(sa, response);
  ASSERT_FALSE(replay.has_value());
  EXPECT_TRUE(is_drop(replay.error()));
  ASSERT_TRUE(process_ike_intermediate(sa, answer).has_value());
}

TEST(IkeExchange, ResponderDeleteAndLivenessRequests) {
  auto text = "aes256gcm16-prfsha384-mlkem768";
  auto p = psk_pair({proposal(text)}, {proposal(text)});
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  ASSERT_TRUE(run_init(sa, p, r).has_value());
  ASSERT_TRUE(
      process_ike_auth(sa, p.settings,
                       r.handle(build_ike_auth(sa, p.settings, 0x2000, false).value()).value())
          .has_value());
  // An empty INFORMATIONAL (liveness check) gets an empty answer.
  auto ping = r.informational_request({}).value();
  ASSERT_TRUE(is_peer_request(sa, parse_header(ping).value()));
  auto answered = process_peer_request(sa, ping);
  ASSERT_TRUE(answered.has_value()) << answered.error().message();
  EXPECT_FALSE(answered->ike_sa_deleted);
  ASSERT_TRUE(r.open_response(answered->response).has_value());
  // The same request again is a retransmission: not processed twice.
  auto again = process_peer_request(sa, ping);
  ASSERT_FALSE(again.has_value());
  EXPECT_TRUE(is_drop(again.error()));
  // Deleting the CHILD SA is answered with our inbound SPI; deleting the IKE SA is noted.
  auto del_child = r.informational_request({DeletePayload{ProtocolId::esp, {p.responder.esp_spi}}});
  auto child = process_peer_request(sa, del_child.value());
  ASSERT_TRUE(child.has_value());
  EXPECT_TRUE(child->child_sa_deleted);
  auto opened = r.open_response(child->response).value();
  const auto* d = find_payload<DeletePayload>(opened.message.payloads);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->spis, std::vector<std::uint32_t>{0x2000});
  auto del_ike = r.informational_request({DeletePayload{ProtocolId::ike, {}}});
  auto ike = process_peer_request(sa, del_ike.value());
  ASSERT_TRUE(ike.has_value());
  EXPECT_TRUE(ike->ike_sa_deleted);
}

TEST(IkeExchange, ForcedEncapsulationMakesTheResponderSeeANat) {
  auto text = "aes256gcm16-prfsha384-mlkem768";
  auto p = psk_pair({proposal(text)}, {proposal(text)});
  test::FakeIkeResponder r(p.responder);
  IkeSa sa;
  ASSERT_TRUE(run_init(sa, p, r).has_value());
  EXPECT_FALSE(sa.use_natt(false));
  // Our view of a NAT: the responder saw another address than ours.
  Pair natted = psk_pair({proposal(text)}, {proposal(text)});
  natted.responder.endpoints.remote = core::IpAddress::parse("198.51.100.7").value();
  test::FakeIkeResponder r2(natted.responder);
  IkeSa sa2;
  ASSERT_TRUE(run_init(sa2, natted, r2).has_value());
  EXPECT_TRUE(sa2.local_behind_nat);
  EXPECT_FALSE(sa2.remote_behind_nat);
  EXPECT_TRUE(sa2.use_natt(false));
}

TEST(IkeExchange, SelectorsBecomePrefixes) {
  auto ts = selector_for(core::IpPrefix::parse("10.1.0.0/24").value());
  EXPECT_EQ(selector_prefix(ts), core::IpPrefix::parse("10.1.0.0/24").value());
  ts.end = core::IpAddress::parse("10.1.0.200").value();
  EXPECT_FALSE(selector_prefix(ts).has_value());
  auto v6 = selector_for(core::IpPrefix::parse("2001:db8::/48").value());
  EXPECT_EQ(selector_prefix(v6), core::IpPrefix::parse("2001:db8::/48").value());
}

}  // namespace
}  // namespace pqbranch::ikev2
