// RFC 7383 fragmentation in InitiatorMachine, in the synchronous harness against the fake
// responder (which fragments its own responses with the same blocks): both directions at
// 576 bytes, a lost fragment, a responder without FRAGMENTATION_SUPPORTED, hostile fragments.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/crypto/keys.hpp"
#include "pqbranch/ikev2/fragmenter.hpp"
#include "pqbranch/ikev2/skf_payload.hpp"
#include "pqbranch/ikev2/vendor_id_payload.hpp"

#include "fakes/initiator_harness.hpp"
#include "fakes/test_pki.hpp"
#include "unit/ikev2/initiator_machine_helpers.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using machine_test::established;
using machine_test::ike_bytes;
using machine_test::installed;
using test::InitiatorHarness;
using test::InitiatorHarnessOptions;

constexpr std::size_t kIpv4AndUdp = 28;
constexpr auto kMlKem1024 = "aes256gcm16-prfsha384-x25519-ke1_mlkem1024";

bool is_fragment(const SendDatagram& d) {
  return parse_header(ike_bytes(d)).value().next_payload == PayloadType::skf;
}

// The datagrams the machine sent for `exchange`, in order.
std::vector<SendDatagram> sent_for(const InitiatorHarness& h, ExchangeType exchange) {
  std::vector<SendDatagram> out;
  for (const auto& s : h.sent()) {
    if (parse_header(ike_bytes(s.datagram)).value().exchange == exchange) out.push_back(s.datagram);
  }
  return out;
}

InitiatorHarnessOptions fragmenting(std::uint16_t size = 576) {
  InitiatorHarnessOptions o;
  o.proposal = kMlKem1024;
  o.fragment_size = size;
  o.responder_fragments = true;
  o.responder_fragment_size = size;
  return o;
}

struct Certificates {
  std::shared_ptr<const EcdsaCredentials> initiator;
  std::shared_ptr<const EcdsaCredentials> responder;
};

// ECDSA P-256 certificates for the harness's identities from a throw-away CA.
Certificates certificates(test::TestPki& pki) {
  auto credentials = [&](const std::string& name) {
    const auto c = pki.issue(name, test::CertRole::server).value();
    return std::make_shared<const EcdsaCredentials>(
        EcdsaCredentials{crypto::load_private_key(c.private_key).value(),
                         load_certificate_der(c.certificate).value(),
                         CertificateAuthority::load(pki.ca_file()).value()});
  };
  return {credentials("branch.pqb.test"), credentials("hub.pqb.test")};
}

TEST(InitiatorFragmentationTest, MlKem1024AndCertificatesCrossIn576ByteFragmentsBothWays) {
  auto pki = test::TestPki::create(test::PkiAlgorithm::ecdsa_p256);
  ASSERT_TRUE(pki.has_value()) << pki.error().message();
  auto o = fragmenting();
  const auto certs = certificates(*pki);
  o.initiator_ecdsa = certs.initiator;
  o.responder_ecdsa = certs.responder;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));

  // We announce it; the responder answered it.
  const auto init = parse_message(h.sent().front().datagram.bytes).value();
  EXPECT_TRUE(announces_fragmentation(init.payloads));
  auto* r = h.current_responder();
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->fragmentation());
  // Every datagram fits 576 bytes as an IPv4 packet; IKE_INTERMEDIATE (ML-KEM-1024: a
  // 1568-byte key) and IKE_AUTH (a certificate) went as several fragments each way.
  for (const auto& s : h.sent())
    EXPECT_LE(s.datagram.bytes.size() + kIpv4AndUdp, 576U);
  for (const auto exchange : {ExchangeType::ike_intermediate, ExchangeType::ike_auth}) {
    const auto datagrams = sent_for(h, exchange);
    EXPECT_GT(datagrams.size(), 1U);
    EXPECT_TRUE(std::ranges::all_of(datagrams, is_fragment));
  }
  EXPECT_EQ(h.metric("ikev2_fragmented_requests"), 2);
  EXPECT_EQ(r->fragmented_requests(), 2U);
  EXPECT_EQ(r->fragmented_responses(), 2U);  // the ML-KEM ciphertext; the certificate
  EXPECT_EQ(r->intermediate_exchanges(), 1U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.machine().status().post_quantum);
  EXPECT_EQ(h.metric("ikev2_dropped_messages"), 0);
  EXPECT_EQ(h.metric("ikev2_retransmissions"), 0);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorFragmentationTest, ALostResponseFragmentIsRecoveredByResendingTheSameFragments) {
  InitiatorHarness h(fragmenting());  // retransmit after 1 s
  h.start();
  ASSERT_TRUE(
      h.run_until([&] { return !sent_for(h, ExchangeType::ike_intermediate).empty(); }, 1min));
  const auto first = sent_for(h, ExchangeType::ike_intermediate);
  ASSERT_GT(first.size(), 1U);
  const auto sent_at = h.sent().back().at;
  h.lose_responses = 1;  // the first fragment of the IKE_INTERMEDIATE response
  ASSERT_TRUE(established(h));

  EXPECT_EQ(h.metric("ikev2_retransmissions"), 1);
  const auto all = sent_for(h, ExchangeType::ike_intermediate);
  ASSERT_EQ(all.size(), 2 * first.size());
  for (std::size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(all[first.size() + i].bytes, first[i].bytes);  // RFC 7383 §2.6: the same ones
  const auto resent = std::ranges::find_if(h.sent(), [&](const auto& s) {
    return s.datagram.bytes == first.front().bytes && s.at > sent_at;
  });
  ASSERT_NE(resent, h.sent().end());
  EXPECT_EQ(resent->at - sent_at, 1s);
  // The responder answered its cached response: one IKE_INTERMEDIATE, the keys agree.
  EXPECT_EQ(h.current_responder()->intermediate_exchanges(), 1U);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorFragmentationTest, WithoutFragmentationSupportedFromTheResponderNothingIsFragmented) {
  auto o = fragmenting();
  o.responder_fragments = false;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  EXPECT_FALSE(h.current_responder()->fragmentation());
  EXPECT_FALSE(
      std::ranges::any_of(h.sent(), [](const auto& s) { return is_fragment(s.datagram); }));
  // It would have been cut: the IKE_INTERMEDIATE request exceeds 576 bytes.
  const auto intermediate = sent_for(h, ExchangeType::ike_intermediate);
  ASSERT_EQ(intermediate.size(), 1U);
  EXPECT_GT(intermediate.front().bytes.size() + kIpv4AndUdp, 576U);
  EXPECT_EQ(h.metric("ikev2_fragmented_requests"), 0);
  EXPECT_EQ(installed(h.kernel()).size(), 2U);
}

TEST(InitiatorFragmentationTest, HostileFragmentsAreDroppedAndCountedWithoutTouchingTheSas) {
  InitiatorHarness h(fragmenting());
  h.start();
  ASSERT_TRUE(established(h));
  auto* r = h.current_responder();
  ASSERT_NE(r, nullptr);
  // The responder's next request (a liveness check padded with a Vendor ID), as fragments.
  const auto sk_er = r->keys().sk_er.span();
  auto request = open_message(
      r->informational_request({VendorIdPayload{std::vector<std::uint8_t>(900, 0x5a)}}).value(),
      sk_er);
  ASSERT_TRUE(request.has_value());
  const auto fragments =
      fragment_message(request->message, sk_er, 50'000, FragmentPath{.max_datagram = 576}).value();
  ASSERT_EQ(fragments.datagrams.size(), 2U);
  h.kernel().clear_log();
  const auto sends = h.sent().size();
  const auto peer = h.session_options.remote_address;
  auto feed = [&](std::vector<std::uint8_t> d) {
    h.feed(DatagramReceived{IkeSocket::ike, peer, std::move(d)});
  };

  auto forged = fragments.datagrams[0];
  forged.back() ^= 1;  // the ICV fails
  feed(forged);
  const auto view = parse_fragment(fragments.datagrams[0]).value();
  feed(seal_fragment(view.header, SkfFields{view.fields.next_payload, 1, 65},  // over 64
                     std::vector<std::uint8_t>(16, 0), sk_er, 60'000)
           .value());
  feed(seal_fragment(view.header, view.fields, std::vector<std::uint8_t>(16, 0),
                     r->keys().sk_ei.span(), 60'001)  // the wrong key
           .value());
  EXPECT_EQ(h.metric("ikev2_dropped_fragments"), 3);
  EXPECT_EQ(h.metric("ikev2_dropped_messages"), 3);
  EXPECT_TRUE(h.kernel().log().empty());
  EXPECT_EQ(h.sent().size(), sends);
  EXPECT_EQ(h.machine().status().state, "established");

  // The genuine fragments still make the request, which is answered.
  feed(fragments.datagrams[0]);
  EXPECT_EQ(h.sent().size(), sends);
  feed(fragments.datagrams[1]);
  EXPECT_EQ(h.sent().size(), sends + 1);
  ASSERT_TRUE(h.run_until([&] { return h.answers == 1; }, 1s));
  EXPECT_EQ(h.metric("ikev2_dropped_fragments"), 3);
  EXPECT_TRUE(h.kernel().log().empty());
  EXPECT_TRUE(h.violations().empty()) << h.violations().front();
}

TEST(InitiatorFragmentationTest, FragmentsOnAnIkeSaThatDidNotNegotiateThemAreDropped) {
  auto o = fragmenting();
  o.responder_fragments = false;
  InitiatorHarness h(o);
  h.start();
  ASSERT_TRUE(established(h));
  auto* r = h.current_responder();
  const auto sk_er = r->keys().sk_er.span();
  auto request = open_message(r->informational_request({}).value(), sk_er).value();
  const auto fragments = fragment_message(request.message, sk_er, 50'000, FragmentPath{}).value();
  const auto sends = h.sent().size();
  h.feed(DatagramReceived{IkeSocket::ike, h.session_options.remote_address,
                          fragments.datagrams.at(0)});
  EXPECT_EQ(h.metric("ikev2_dropped_fragments"), 1);
  EXPECT_EQ(h.sent().size(), sends);
}

}  // namespace
}  // namespace pqbranch::ikev2
