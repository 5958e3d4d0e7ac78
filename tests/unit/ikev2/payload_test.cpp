// Every payload: round trip, and the refusals its verify step and parser promise.

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/message.hpp"

#include "fakes/hex.hpp"
#include "unit/ikev2/samples.hpp"

namespace pqbranch::ikev2 {
namespace {

using pqbranch::test::from_hex;
using pqbranch::test::to_hex;

template <class T>
std::vector<std::uint8_t> body(const T& p) {
  std::vector<std::uint8_t> out;
  append_body(p, out);
  return out;
}

// Every strict prefix of a structured body is refused: nothing parses from partial data.
template <class Parse>
void expect_every_prefix_refused(const std::vector<std::uint8_t>& full, Parse parse) {
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(parse(std::span(full.data(), n))) << "prefix of " << n << " bytes parsed";
  }
}

TEST(SaPayload, RoundTripsWithAddke) {
  const auto sa = samples::sample_sa();
  auto parsed = parse_sa_payload(body(sa));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, sa);
  ASSERT_NE(find_transform(parsed->proposals[0], TransformType::addke1), nullptr);
  EXPECT_EQ(find_transform(parsed->proposals[0], TransformType::addke1)->id, 37);
  EXPECT_EQ(find_transform(parsed->proposals[0], TransformType::addke2), nullptr);
}

TEST(SaPayload, EncodesTheWireBytesStrongSwanSends) {
  // ADDKE1 ML-KEM-768 as a transform: 00 00 00 08 06 00 00 24 (shared/notes/strongswan-interop.md).
  Proposal p{1, ProtocolId::ike, {}, {{TransformType::addke1, 36, {}, false}}};
  EXPECT_EQ(to_hex(body(SaPayload{{p}})),
            "0000001001010001"
            "0000000806000024");
  // Key Length as a TV attribute: 80 0e 01 00.
  Proposal g{1, ProtocolId::ike, {}, {{TransformType::encr, 20, 256, false}}};
  EXPECT_EQ(to_hex(body(SaPayload{{g}})),
            "0000001401010001"
            "0000000c01000014800e0100");
}

TEST(SaPayload, EveryPrefixRefused) {
  expect_every_prefix_refused(body(samples::sample_sa()), parse_sa_payload);
  expect_every_prefix_refused(body(samples::sample_esp_sa()), parse_sa_payload);
}

TEST(SaPayload, RefusesBadCountsAndLengths) {
  const auto good = body(samples::sample_sa());
  auto with = [&](std::size_t at, std::uint8_t v) {
    auto b = good;
    b[at] = v;
    return parse_sa_payload(b);
  };
  // Proposal 1 header: [0] last, [2..3] length, [4] number, [5] protocol, [6] SPI size, [7] count.
  EXPECT_EQ(with(7, 3).error(), errc::bad_count);      // Num Transforms 3, 4 present
  EXPECT_EQ(with(7, 5).error(), errc::bad_count);      // Num Transforms 5, 4 present
  EXPECT_EQ(with(0, 0).error(), errc::bad_count);      // "last" but another proposal follows
  EXPECT_EQ(with(0, 1).error(), errc::bad_value);      // Last Substruc 1 is IKEv1's
  EXPECT_EQ(with(3, 0x07).error(), errc::bad_length);  // proposal shorter than its header
  EXPECT_EQ(with(2, 0x10).error(), errc::bad_length);  // proposal beyond the payload
  EXPECT_EQ(with(4, 2).error(), errc::bad_value);      // Proposal Nums 2, 2: not consecutive
  EXPECT_EQ(with(5, 9).error(), errc::bad_value);      // unknown protocol
  EXPECT_FALSE(with(6, 4));                            // SPI of 4 bytes eats into the transforms
  // Transform 1 of proposal 1 starts at 8: [8] last, [10..11] length.
  EXPECT_EQ(with(8, 0).error(), errc::bad_count);    // "last transform" with 3 to come
  EXPECT_EQ(with(11, 4).error(), errc::bad_length);  // transform shorter than 8
  EXPECT_EQ(with(11, 0xff).error(), errc::bad_length);
  // Empty SA.
  EXPECT_FALSE(parse_sa_payload({}));
  EXPECT_EQ(verify(SaPayload{}).error(), errc::bad_count);
}

TEST(SaPayload, UnknownAttributeMarksTransformAndDuplicateKeyLengthIsRefused) {
  auto b = from_hex(
      "0000001401010001"
      "0000000c01000014800f0100");  // attribute type 15
  auto parsed = parse_sa_payload(b);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->proposals[0].transforms[0].unknown_attribute);
  auto twice = from_hex(
      "0000001801010001"
      "0000001001000014800e0100800e0080");
  EXPECT_EQ(parse_sa_payload(twice).error(), errc::bad_value);
  // TLV attribute whose length runs past the transform.
  auto tlv = from_hex(
      "0000001401010001"
      "0000000c01000014000f0010");
  EXPECT_EQ(parse_sa_payload(tlv).error(), errc::bad_length);
}

TEST(SaPayload, VerifyRefusesWhatWeMustNotSend) {
  auto sa = samples::sample_sa();
  sa.proposals[1].number = 3;
  EXPECT_EQ(verify(sa).error(), errc::bad_value);
  auto esp = samples::sample_esp_sa();
  esp.proposals[0].spi.pop_back();
  EXPECT_EQ(verify(esp).error(), errc::bad_length);
  auto empty = samples::sample_sa();
  empty.proposals[0].transforms.clear();
  EXPECT_EQ(verify(empty).error(), errc::bad_count);
}

TEST(KePayload, RoundTripsAndChecksSizes) {
  const auto ke = samples::sample_ke();
  EXPECT_EQ(parse_ke_payload(body(ke)).value(), ke);
  expect_every_prefix_refused(body(ke), parse_ke_payload);
  // ML-KEM-768: 1184 from the initiator, 1088 from the responder; nothing else.
  KePayload ek{KeMethod::mlkem768, std::vector<std::uint8_t>(1184)};
  KePayload ct{KeMethod::mlkem768, std::vector<std::uint8_t>(1088)};
  KePayload odd{KeMethod::mlkem768, std::vector<std::uint8_t>(1100)};
  EXPECT_TRUE(verify(ek));
  EXPECT_TRUE(verify(ct));
  EXPECT_EQ(verify(odd).error(), errc::bad_length);
  EXPECT_EQ(ke_data_sizes(KeMethod::mlkem1024)->initiator, 1568U);
  EXPECT_EQ(ke_data_sizes(KeMethod::ecp256)->responder, 64U);
  // Unknown methods: any non-empty data (the exchange refuses the method itself).
  EXPECT_TRUE(verify(KePayload{static_cast<KeMethod>(99), {1}}));
  EXPECT_EQ(verify(KePayload{static_cast<KeMethod>(99), {}}).error(), errc::bad_length);
}

TEST(IdPayload, RoundTripsAndKeepsRole) {
  const auto id = make_id(false, IdType::fqdn, "responder.pqb.test");
  auto parsed = parse_id_payload(body(id), false);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, id);
  EXPECT_EQ(to_hex(id_body(id)).substr(0, 8), "02000000");
  auto v4 = make_id(true, IdType::ipv4_addr, std::string_view("\x0a\x00\x00\x01", 4));
  expect_every_prefix_refused(body(v4), [](auto b) { return parse_id_payload(b, true); });
  auto reserved = body(id);
  reserved[2] = 1;
  EXPECT_EQ(parse_id_payload(reserved, false).error(), errc::bad_value);
  EXPECT_EQ(verify(make_id(true, IdType::ipv6_addr, "short")).error(), errc::bad_length);
  EXPECT_EQ(verify(make_id(true, IdType::fqdn, "")).error(), errc::bad_length);
}

TEST(CertPayloads, RoundTripAndRefusals) {
  const CertPayload cert{CertEncoding::x509_signature, {0x30, 0x00}};
  EXPECT_EQ(parse_cert_payload(body(cert)).value(), cert);
  EXPECT_EQ(parse_cert_payload(from_hex("04")).error(), errc::bad_length);
  EXPECT_EQ(parse_cert_payload(from_hex("04aabb")).error(), errc::bad_value);
  EXPECT_EQ(parse_cert_payload({}).error(), errc::truncated);

  const CertReqPayload req{CertEncoding::x509_signature, {CaHash{7}, CaHash{8}}};
  EXPECT_EQ(parse_certreq_payload(body(req)).value(), req);
  auto b = body(req);
  b.pop_back();
  EXPECT_EQ(parse_certreq_payload(b).error(), errc::bad_length);
  EXPECT_TRUE(parse_certreq_payload(from_hex("04")).value().authorities.empty());
  EXPECT_EQ(parse_certreq_payload({}).error(), errc::truncated);
}

TEST(AuthPayload, PskAndDigitalSignature) {
  const AuthPayload psk{AuthMethod::shared_key_mic, std::vector<std::uint8_t>(48, 1)};
  EXPECT_EQ(parse_auth_payload(body(psk)).value(), psk);
  EXPECT_EQ(parse_auth_payload(from_hex("02000000")).error(), errc::bad_length);
  EXPECT_EQ(parse_auth_payload(from_hex("020000")).error(), errc::truncated);

  const DigitalSignature sig{SignatureScheme::ecdsa_with_sha256, {0x30, 0x44, 0x02, 0x20}};
  const auto data = encode_digital_signature(sig);
  // RFC 7427 Appendix A.4.1: length 12, then 300a06082a8648ce3d040302.
  EXPECT_EQ(to_hex(data).substr(0, 26), "0c300a06082a8648ce3d040302");
  EXPECT_EQ(parse_digital_signature(data).value(), sig);
  const AuthPayload ds{AuthMethod::digital_signature, data};
  EXPECT_EQ(parse_auth_payload(body(ds)).value(), ds);
  // Truncated inside the AlgorithmIdentifier, or no signature after it.
  EXPECT_EQ(parse_digital_signature(std::span(data.data(), 5)).error(), errc::truncated);
  EXPECT_EQ(parse_digital_signature(std::span(data.data(), 13)).error(), errc::bad_length);
  auto unknown = data;
  unknown[12] = 0x04;  // ecdsa-with-SHA512
  EXPECT_EQ(parse_digital_signature(unknown).error(), errc::unsupported_algorithm);
  EXPECT_EQ(verify(AuthPayload{AuthMethod::digital_signature, unknown}).error(),
            errc::unsupported_algorithm);
  EXPECT_EQ(to_hex(algorithm_identifier(SignatureScheme::ecdsa_with_sha384)),
            "300a06082a8648ce3d040303");
  EXPECT_EQ(signature_hash(SignatureScheme::ecdsa_with_sha256), SignatureHash::sha2_256);
}

TEST(NoncePayload, Limits) {
  EXPECT_TRUE(parse_nonce_payload(std::vector<std::uint8_t>(16)));
  EXPECT_TRUE(parse_nonce_payload(std::vector<std::uint8_t>(256)));
  EXPECT_EQ(parse_nonce_payload(std::vector<std::uint8_t>(15)).error(), errc::bad_length);
  EXPECT_EQ(parse_nonce_payload(std::vector<std::uint8_t>(257)).error(), errc::bad_length);
  auto a = make_nonce();
  auto b = make_nonce();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->data.size(), 32U);
  EXPECT_NE(a->data, b->data);
  EXPECT_EQ(make_nonce(8).error(), errc::bad_length);
}

TEST(NotifyPayload, RoundTripsWithAndWithoutSpi) {
  NotifyPayload rekey{ProtocolId::esp, {1, 2, 3, 4}, NotifyType::rekey_sa, {}};
  EXPECT_EQ(parse_notify_payload(body(rekey)).value(), rekey);
  const auto nat =
      make_notify(NotifyType::nat_detection_destination_ip, std::vector<std::uint8_t>(20, 9));
  EXPECT_EQ(parse_notify_payload(body(nat)).value(), nat);
  expect_every_prefix_refused(body(nat), parse_notify_payload);
  expect_every_prefix_refused(body(rekey), parse_notify_payload);
  // SPI size beyond the payload; SPI size 3; SPI without protocol.
  EXPECT_EQ(parse_notify_payload(from_hex("03084009aabbccdd")).error(), errc::bad_length);
  EXPECT_EQ(parse_notify_payload(from_hex("03034009aabbcc")).error(), errc::bad_length);
  EXPECT_EQ(parse_notify_payload(from_hex("00044009aabbccdd")).error(), errc::bad_value);
  // Data sizes fixed by the RFCs.
  EXPECT_EQ(verify(make_notify(NotifyType::intermediate_exchange_supported, {1})).error(),
            errc::bad_length);
  EXPECT_EQ(verify(make_notify(NotifyType::nat_detection_source_ip, std::vector<std::uint8_t>(19)))
                .error(),
            errc::bad_length);
  EXPECT_TRUE(verify(make_notify(NotifyType::use_transport_mode)));
  EXPECT_TRUE(verify(make_notify(NotifyType::esp_tfc_padding_not_supported)));
  EXPECT_TRUE(is_error(NotifyType::authentication_failed));
  EXPECT_FALSE(is_error(NotifyType::intermediate_exchange_supported));
}

TEST(NotifyPayload, InvalidKeAndSignatureHashes) {
  const auto invalid = make_invalid_ke(KeMethod::ecp384);
  EXPECT_EQ(to_hex(body(invalid)), "000000110014");
  EXPECT_EQ(invalid_ke_method(parse_notify_payload(body(invalid)).value()).value(),
            KeMethod::ecp384);
  EXPECT_EQ(parse_notify_payload(from_hex("0000001100")).error(), errc::bad_length);
  EXPECT_EQ(invalid_ke_method(make_notify(NotifyType::no_proposal_chosen)).error(),
            errc::bad_value);

  const std::array hashes{SignatureHash::sha2_256, SignatureHash::sha2_384,
                          SignatureHash::identity};
  const auto sha = make_signature_hash_algorithms(hashes);
  EXPECT_EQ(to_hex(sha.data), "000200030005");
  auto back = signature_hash_algorithms(parse_notify_payload(body(sha)).value());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->size(), 3U);
  EXPECT_EQ(parse_notify_payload(from_hex("0000402f000200")).error(), errc::bad_length);
}

TEST(DeletePayload, IkeAndEsp) {
  const DeletePayload ike{ProtocolId::ike, {}};
  EXPECT_EQ(to_hex(body(ike)), "01000000");
  EXPECT_EQ(parse_delete_payload(body(ike)).value(), ike);
  const DeletePayload esp{ProtocolId::esp, {0xc0010203, 7}};
  EXPECT_EQ(parse_delete_payload(body(esp)).value(), esp);
  expect_every_prefix_refused(body(esp), parse_delete_payload);
  EXPECT_EQ(parse_delete_payload(from_hex("03040003c0010203")).error(), errc::bad_count);
  EXPECT_EQ(parse_delete_payload(from_hex("03040001c0010203aa")).error(), errc::bad_count);
  EXPECT_EQ(parse_delete_payload(from_hex("03080001c0010203c0010203")).error(), errc::bad_length);
  EXPECT_EQ(parse_delete_payload(from_hex("01000001")).error(), errc::bad_count);
  EXPECT_EQ(parse_delete_payload(from_hex("03040000")).error(), errc::bad_count);
  EXPECT_EQ(parse_delete_payload(from_hex("09040001c0010203")).error(), errc::bad_value);
}

TEST(TsPayload, RoundTripsBothFamilies) {
  const auto ts = samples::sample_ts(true);
  EXPECT_EQ(parse_ts_payload(body(ts), true).value(), ts);
  EXPECT_EQ(ts.selectors[0].end.to_string(), "10.1.255.255");
  EXPECT_EQ(ts.selectors[1].end.to_string(), "2001:db8:0:ffff:ffff:ffff:ffff:ffff");
  expect_every_prefix_refused(body(ts), [](auto b) { return parse_ts_payload(b, true); });
}

TEST(TsPayload, RefusesBadCountsTypesAndLengths) {
  const auto good = body(samples::sample_ts(false));
  auto with = [&](std::size_t at, std::uint8_t v) {
    auto b = good;
    b[at] = v;
    return parse_ts_payload(b, false);
  };
  EXPECT_EQ(with(0, 1).error(), errc::bad_count);
  EXPECT_EQ(with(0, 3).error(), errc::bad_count);
  EXPECT_EQ(with(4, 10).error(), errc::bad_value);   // TS type 10 (security label)
  EXPECT_EQ(with(7, 40).error(), errc::bad_length);  // IPv4 selector claiming IPv6 length
  // Start address above end.
  TsPayload reversed{true, {selector_for(core::IpPrefix::parse("10.0.0.0/8").value())}};
  std::swap(reversed.selectors[0].start, reversed.selectors[0].end);
  EXPECT_EQ(verify(reversed).error(), errc::bad_value);
  EXPECT_EQ(verify(TsPayload{}).error(), errc::bad_count);
}

TEST(VendorIdPayload, OpaqueButNotEmpty) {
  EXPECT_EQ(parse_vendor_id_payload(from_hex("aabb")).value().data.size(), 2U);
  EXPECT_EQ(parse_vendor_id_payload({}).error(), errc::bad_length);
}

}  // namespace
}  // namespace pqbranch::ikev2
