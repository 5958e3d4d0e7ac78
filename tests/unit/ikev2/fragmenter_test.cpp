// RFC 7383 fragmentation of outgoing messages: every fragment fits the path, the pieces are
// as large as the path allows, each has its own IV, and the fields follow §2.5.

#include "pqbranch/ikev2/fragmenter.hpp"

#include <set>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/skf_payload.hpp"

#include "unit/ikev2/fragmentation_samples.hpp"

namespace pqbranch::ikev2 {
namespace {

// The paths of RFC 7383 §2.5.1 and strongSwan's default.
const FragmentPath kPaths[] = {
    {1280, false, false},  // IPv4, port 500
    {1280, true, true},    // IPv6, port 4500 with the non-ESP marker
    {576, false, true},    // the IPv4 minimum, port 4500
    {9000, false, false},  // a jumbo frame
};

std::vector<Message> messages() {
  return {samples::small_informational(), samples::mlkem1024_intermediate(),
          samples::auth_with_certificate_chain()};
}

TEST(Fragmenter, RoomLeftByIpUdpAndTheNonEspMarker) {
  EXPECT_EQ(max_ike_message_size({1280, false, false}), 1280U - 20 - 8);
  EXPECT_EQ(max_ike_message_size({1280, true, false}), 1280U - 40 - 8);
  EXPECT_EQ(max_ike_message_size({1280, true, true}), 1280U - 40 - 8 - 4);
  EXPECT_EQ(max_ike_message_size({576, false, true}), 576U - 20 - 8 - 4);
  EXPECT_EQ(max_ike_message_size({40, true, false}), 0U);
}

TEST(Fragmenter, EveryFragmentFitsThePathAndFollowsRfc7383) {
  for (const auto& path : kPaths) {
    const auto room = max_ike_message_size(path);
    for (const auto& m : messages()) {
      SCOPED_TRACE(testing::Message() << "path " << path.max_datagram << " ipv6 " << path.ipv6
                                      << " exchange " << static_cast<int>(m.header.exchange));
      auto out = fragment_message(m, samples::fragment_key(), 100, path);
      ASSERT_TRUE(out) << out.error().message();
      const auto total = out->datagrams.size();
      ASSERT_GE(total, 1U);
      EXPECT_EQ(out->next_iv, 100 + total);
      std::set<std::vector<std::uint8_t>> ivs;
      for (std::size_t i = 0; i < total; ++i) {
        const auto& d = out->datagrams[i];
        EXPECT_LE(d.size(), room) << "fragment " << i + 1;
        // All but the last are filled to the limit.
        if (i + 1 < total) {
          EXPECT_EQ(d.size(), room) << "fragment " << i + 1;
        }
        auto view = parse_fragment(d);
        ASSERT_TRUE(view) << view.error().message();
        EXPECT_EQ(view->fields.number, i + 1);
        EXPECT_EQ(view->fields.total, total);
        EXPECT_EQ(view->fields.next_payload,
                  i == 0 ? payload_type(m.payloads.front()) : PayloadType::none);
        // The original header except Next Payload and Length (§2.5).
        Header expected = m.header;
        expected.next_payload = PayloadType::skf;
        expected.length = static_cast<std::uint32_t>(d.size());
        EXPECT_EQ(view->header, expected);
        ivs.emplace(view->protected_body.begin(), view->protected_body.begin() + kSkIvSize);
      }
      EXPECT_EQ(ivs.size(), total) << "an IV repeated";
    }
  }
}

TEST(Fragmenter, LargeMessagesNeedTheExpectedNumberOfFragments) {
  // 1252 bytes per IPv4 fragment leave 1252 - 28 - 8 - 25 = 1191 bytes of inner payloads.
  const FragmentPath v4{1280, false, false};
  const auto mlkem =
      fragment_message(samples::mlkem1024_intermediate(), samples::fragment_key(), 1, v4).value();
  // KE payload: 4 + 4 + 1568 = 1576 bytes: two fragments.
  EXPECT_EQ(mlkem.datagrams.size(), 2U);
  const auto auth =
      fragment_message(samples::auth_with_certificate_chain(), samples::fragment_key(), 1, v4)
          .value();
  const auto inner = encode_payload_chain(samples::auth_with_certificate_chain().payloads).value();
  EXPECT_EQ(auth.datagrams.size(), (inner.bytes.size() + 1190) / 1191);
  EXPECT_GE(auth.datagrams.size(), 15U);
}

TEST(Fragmenter, IntAuthOctetsAreThoseOfTheUnfragmentedMessage) {
  const auto m = samples::mlkem1024_intermediate();
  const auto sealed = seal_message(m, samples::fragment_key(), 1).value();
  const auto fragmented = fragment_message(m, samples::fragment_key(), 1, {}).value();
  ASSERT_GT(fragmented.datagrams.size(), 1U);
  EXPECT_EQ(fragmented.int_auth_octets, sealed.int_auth_octets);
}

TEST(Fragmenter, EmptyMessageIsOneFragment) {
  Message empty{samples::sample_header(ExchangeType::informational), {}};
  const auto out = fragment_message(empty, samples::fragment_key(), 1, {}).value();
  ASSERT_EQ(out.datagrams.size(), 1U);
  EXPECT_EQ(out.datagrams[0].size(), kHeaderSize + kSkfHeaderSize + kSkIvSize + 1 + kSkIcvSize);
}

TEST(Fragmenter, Refusals) {
  EXPECT_EQ(fragment_message(samples::small_informational(), samples::fragment_key(), 1,
                             {20 + 8 + 28 + 8 + 25, false, false})
                .error(),
            errc::invalid_argument);
  EXPECT_TRUE(fragment_message(samples::small_informational(), samples::fragment_key(), 1,
                               {20 + 8 + 28 + 8 + 26, false, false}));
  EXPECT_EQ(fragment_message(samples::small_informational(), std::vector<std::uint8_t>(32), 1, {})
                .error(),
            errc::bad_key);
  // Too large for one IKE message even when fragmented (the peer reassembles it).
  Message huge{samples::sample_header(ExchangeType::ike_auth), {}};
  for (std::uint8_t i = 0; i < 17; ++i) {
    auto der = samples::patterned(4000, i);
    der[0] = 0x30;
    huge.payloads.emplace_back(CertPayload{CertEncoding::x509_signature, std::move(der)});
  }
  EXPECT_EQ(fragment_message(huge, samples::fragment_key(), 1, {}).error(), errc::too_large);
}

TEST(FragmentationSupported, NotifyWithoutDataAnnouncesFragmentation) {
  const auto n = make_fragmentation_supported();
  EXPECT_EQ(n.type, NotifyType::fragmentation_supported);
  EXPECT_EQ(static_cast<std::uint16_t>(n.type), 16430);
  EXPECT_TRUE(verify(n));
  Message init{samples::sample_header(), {samples::sample_ke(), n}};
  const auto parsed = parse_message(encode_message(init).value()).value();
  EXPECT_TRUE(announces_fragmentation(parsed.payloads));
  EXPECT_FALSE(announces_fragmentation(samples::all_payloads()));
  // RFC 7383 §2.3: the notification has no data.
  EXPECT_FALSE(verify(make_notify(NotifyType::fragmentation_supported, {1})));
}

}  // namespace
}  // namespace pqbranch::ikev2
