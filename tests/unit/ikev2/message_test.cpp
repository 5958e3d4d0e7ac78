// Whole messages: header, payload chain walk, unknown payloads, bounds.

#include "pqbranch/ikev2/message.hpp"

#include <gtest/gtest.h>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"

#include "fakes/hex.hpp"
#include "unit/ikev2/samples.hpp"

namespace pqbranch::ikev2 {
namespace {

using pqbranch::test::from_hex;
using pqbranch::test::to_hex;

Message sample_message() {
  return Message{samples::sample_header(), samples::all_payloads()};
}

void set_length(std::vector<std::uint8_t>& m) {
  const auto n = static_cast<std::uint32_t>(m.size());
  m[24] = static_cast<std::uint8_t>(n >> 24U);
  m[25] = static_cast<std::uint8_t>(n >> 16U);
  m[26] = static_cast<std::uint8_t>(n >> 8U);
  m[27] = static_cast<std::uint8_t>(n);
}

TEST(Header, RoundTripAndFields) {
  auto bytes = encode_message(Message{samples::sample_header(), {}});
  ASSERT_TRUE(bytes);
  EXPECT_EQ(to_hex(*bytes),
            "0102030405060708090a0b0c0d0e0f10"
            "00202208"
            "00000007"
            "0000001c");
  auto h = parse_header(*bytes);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->initiator());
  EXPECT_FALSE(h->response());
  EXPECT_EQ(h->message_id, 7U);
  EXPECT_EQ(h->length, 28U);
}

TEST(Header, Refusals) {
  auto bytes = encode_message(Message{samples::sample_header(), {}}).value();
  EXPECT_EQ(parse_header(std::span(bytes.data(), 27)).error(), errc::truncated);
  auto v1 = bytes;
  v1[17] = 0x10;  // IKEv1
  EXPECT_EQ(parse_header(v1).error(), errc::bad_version);
  auto v3 = bytes;
  v3[17] = 0x30;
  EXPECT_EQ(parse_header(v3).error(), errc::bad_version);
  auto longer = bytes;
  longer.push_back(0);  // datagram longer than its Length
  EXPECT_EQ(parse_header(longer).error(), errc::bad_length);
  auto shorter = bytes;
  shorter[27] = 0x1b;
  EXPECT_EQ(parse_header(shorter).error(), errc::bad_length);
}

TEST(Message, EveryPayloadRoundTrips) {
  const auto m = sample_message();
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes) << bytes.error().message();
  auto parsed = parse_message(*bytes);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->header.next_payload, PayloadType::sa);
  EXPECT_EQ(parsed->header.length, bytes->size());
  ASSERT_EQ(parsed->payloads.size(), m.payloads.size());
  for (std::size_t i = 0; i < m.payloads.size(); ++i) {
    EXPECT_EQ(parsed->payloads[i], m.payloads[i]) << "payload " << i;
  }
  // Lookups.
  EXPECT_NE(find_payload<SaPayload>(parsed->payloads), nullptr);
  EXPECT_EQ(find_id(parsed->payloads, false)->type, IdType::ipv4_addr);
  EXPECT_FALSE(find_ts(parsed->payloads, false)->initiator);
  EXPECT_NE(find_notify(parsed->payloads, NotifyType::intermediate_exchange_supported), nullptr);
  EXPECT_EQ(find_notify(parsed->payloads, NotifyType::cookie), nullptr);
  EXPECT_EQ(find_all_ke(parsed->payloads).size(), 1U);
}

TEST(Message, EveryTruncationRefused) {
  const auto bytes = encode_message(sample_message()).value();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    if (n >= kHeaderSize) set_length(cut);  // a consistent header, a chain that over-runs
    EXPECT_FALSE(parse_message(cut)) << n;
  }
}

TEST(Message, EveryPayloadLengthCorruptionRefused) {
  const auto bytes = encode_message(sample_message()).value();
  auto raw = walk_payloads(PayloadType::sa, std::span(bytes).subspan(kHeaderSize));
  ASSERT_TRUE(raw);
  ASSERT_EQ(raw->size(), samples::all_payloads().size());
  for (const auto& p : *raw) {
    for (const int delta : {-1, 1, -4, 4}) {
      auto bad = bytes;
      const auto at = kHeaderSize + p.offset + 2;
      const auto length = static_cast<int>((bad[at] << 8U) | bad[at + 1]);
      bad[at] = static_cast<std::uint8_t>((length + delta) >> 8);
      bad[at + 1] = static_cast<std::uint8_t>(length + delta);
      EXPECT_FALSE(parse_message(bad)) << "payload at " << p.offset << " delta " << delta;
    }
  }
}

TEST(Message, TrailingBytesAfterLastPayloadRefused) {
  auto bytes = encode_message(sample_message()).value();
  bytes.push_back(0);
  set_length(bytes);
  EXPECT_EQ(parse_message(bytes).error(), errc::bad_length);
}

// A message with one extra raw payload of `type` and `critical`, inserted first.
std::vector<std::uint8_t> with_raw_payload(std::uint8_t type, bool critical) {
  Message m{samples::sample_header(), {samples::sample_ke()}};
  auto bytes = encode_message(m).value();
  const std::vector<std::uint8_t> extra{static_cast<std::uint8_t>(PayloadType::ke),
                                        static_cast<std::uint8_t>(critical ? 0x80 : 0),
                                        0,
                                        6,
                                        0xaa,
                                        0xbb};
  bytes[16] = type;
  bytes.insert(bytes.begin() + kHeaderSize, extra.begin(), extra.end());
  set_length(bytes);
  return bytes;
}

TEST(Message, UnknownNonCriticalPayloadSkipped) {
  auto parsed = parse_message(with_raw_payload(200, false));
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->payloads.size(), 1U);
  EXPECT_EQ(std::get<KePayload>(parsed->payloads[0]), samples::sample_ke());
  // CP (47) and EAP (48) have no place in our exchanges: treated as unknown.
  EXPECT_TRUE(parse_message(with_raw_payload(47, false)));
}

TEST(Message, UnknownCriticalPayloadRefused) {
  auto parsed = parse_message(with_raw_payload(200, true));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), errc::unsupported_critical_payload);
  EXPECT_NE(parsed.error().detail.find("200"), std::string::npos);
}

// A message whose only payload is a raw one of `type` (SK and SKF must be last).
std::vector<std::uint8_t> with_last_raw_payload(std::uint8_t type) {
  auto bytes = encode_message(Message{samples::sample_header(), {}}).value();
  bytes[16] = type;
  bytes.insert(bytes.end(), {0, 0, 0, 8, 1, 2, 3, 4});
  set_length(bytes);
  return bytes;
}

TEST(Message, EncryptedPayloadNeedsOpenMessage) {
  EXPECT_EQ(parse_message(with_last_raw_payload(46)).error(), errc::unexpected_encrypted_payload);
  EXPECT_EQ(parse_message(with_last_raw_payload(53)).error(), errc::unexpected_encrypted_payload);
  // An SK payload that is not the last one.
  EXPECT_EQ(parse_message(with_raw_payload(46, false)).error(), errc::bad_length);
}

TEST(Message, TooManyPayloadsRefused) {
  Message m{samples::sample_header(), {}};
  for (std::size_t i = 0; i <= kMaxPayloads; ++i) {
    m.payloads.emplace_back(make_notify(NotifyType::use_transport_mode));
  }
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(parse_message(*bytes).error(), errc::too_large);
}

TEST(Message, EncodeRefusesInvalidPayloadAndOversize) {
  Message m{samples::sample_header(), {NoncePayload{{1, 2, 3}}}};
  EXPECT_EQ(encode_message(m).error(), errc::bad_length);
  Message big{samples::sample_header(), {}};
  big.payloads.emplace_back(
      CertPayload{CertEncoding::x509_signature, std::vector<std::uint8_t>(70000, 0x30)});
  EXPECT_EQ(encode_message(big).error(), errc::too_large);
}

TEST(Message, EmptyChainWithBytesRefused) {
  auto bytes = encode_message(Message{samples::sample_header(), {}}).value();
  bytes.insert(bytes.end(), {0, 0, 0, 4});
  set_length(bytes);
  EXPECT_EQ(parse_message(bytes).error(), errc::bad_length);
}

}  // namespace
}  // namespace pqbranch::ikev2
