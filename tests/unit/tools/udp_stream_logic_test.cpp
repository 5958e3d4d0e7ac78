#include "tools/udp_stream_logic.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace pqbranch::tools {
namespace {

StreamSummary count(std::uint64_t expected, const std::vector<std::uint64_t>& arrivals) {
  SequenceCounter c(expected);
  for (const auto seq : arrivals)
    c.record(seq);
  return c.summary();
}

TEST(UdpStreamDatagram, RoundTripsTheSequenceNumberBigEndian) {
  const auto d = encode_datagram(0x0102030405060708ULL, 64);
  ASSERT_EQ(d.size(), 64U);
  EXPECT_EQ(std::string(d.begin(), d.begin() + 8), "PQBSEQ01");
  EXPECT_EQ(d[8], 0x01);
  EXPECT_EQ(d[15], 0x08);
  EXPECT_EQ(d[16], 0x00);  // padding
  EXPECT_EQ(decode_datagram(d), 0x0102030405060708ULL);
  EXPECT_EQ(decode_datagram(encode_datagram(0, 16)), 0U);
}

TEST(UdpStreamDatagram, ClampsSizeAndRejectsForeignOrShortData) {
  EXPECT_EQ(encode_datagram(1, 3).size(), kStreamHeaderSize);
  EXPECT_EQ(encode_datagram(1, 9000).size(), kStreamMaxDatagram);
  auto d = encode_datagram(7, 32);
  EXPECT_FALSE(decode_datagram(std::span(d.data(), 15)).has_value());
  d[0] = 'X';
  EXPECT_FALSE(decode_datagram(d).has_value());
  EXPECT_FALSE(decode_datagram({}).has_value());
}

TEST(SequenceCounter, InOrderStreamIsCleanAndComplete) {
  SequenceCounter c(4);
  for (std::uint64_t s = 0; s < 4; ++s) {
    EXPECT_FALSE(c.complete());
    c.record(s);
  }
  EXPECT_TRUE(c.complete());
  const auto s = c.summary();
  EXPECT_EQ(s.received, 4U);
  EXPECT_EQ(s.unique, 4U);
  EXPECT_EQ(s.lost, 0U);
  EXPECT_EQ(s.reordered, 0U);
  EXPECT_TRUE(s.clean());
}

TEST(SequenceCounter, CountsLossAtStartMiddleAndEnd) {
  const auto s = count(10, {1, 2, 4, 5, 6, 7, 8});  // 0, 3 and 9 missing
  EXPECT_EQ(s.unique, 7U);
  EXPECT_EQ(s.lost, 3U);
  EXPECT_EQ(s.reordered, 0U);
  EXPECT_FALSE(s.clean());
  EXPECT_EQ(count(5, {}).lost, 5U);
}

TEST(SequenceCounter, CountsDuplicatesSeparatelyFromReordering) {
  const auto s = count(5, {0, 1, 1, 2, 3, 3, 3, 4});
  EXPECT_EQ(s.received, 8U);
  EXPECT_EQ(s.unique, 5U);
  EXPECT_EQ(s.duplicates, 3U);
  EXPECT_EQ(s.reordered, 0U);  // a repeat is a duplicate, not a reordering
  EXPECT_EQ(s.lost, 0U);
  EXPECT_FALSE(s.clean());
}

TEST(SequenceCounter, ReorderingIsCountedButNotAnError) {
  // 2 and 1 arrive after 3; a late packet does not lower the high-water mark.
  const auto s = count(5, {0, 3, 2, 1, 4});
  EXPECT_EQ(s.reordered, 2U);
  EXPECT_EQ(s.lost, 0U);
  EXPECT_EQ(s.duplicates, 0U);
  EXPECT_TRUE(s.clean());
}

TEST(SequenceCounter, OutOfRangeAndMalformedDatagramsAreForeign) {
  SequenceCounter c(3);
  c.record(0);
  c.record(3);
  c.record(1'000'000);
  c.record_malformed();
  c.record(1);
  c.record(2);
  EXPECT_TRUE(c.complete());
  const auto s = c.summary();
  EXPECT_EQ(s.received, 3U);
  EXPECT_EQ(s.unexpected, 2U);
  EXPECT_EQ(s.malformed, 1U);
  EXPECT_EQ(s.lost, 0U);
  EXPECT_FALSE(s.clean());
}

TEST(SequenceCounter, SummaryLineIsMachineReadable) {
  const auto line = format_summary(count(3, {0, 2, 2}), 1.5);
  EXPECT_EQ(line,
            "pqb-udp-stream recv expected=3 received=3 unique=2 lost=1 duplicates=1 "
            "reordered=0 unexpected=0 malformed=0 seconds=1.500");
}

TEST(SequenceCounter, MissingSoFarCountsGapsBelowTheHighestSeen) {
  SequenceCounter c(100);
  EXPECT_EQ(c.missing_so_far(), 0U);
  for (const std::uint64_t seq : {0, 1, 2, 5, 5, 7})
    c.record(seq);
  EXPECT_EQ(c.missing_so_far(), 3U);  // 3, 4 and 6; nothing above 7 counts yet
  c.record(3);                        // a late arrival closes its gap
  EXPECT_EQ(c.missing_so_far(), 2U);
  EXPECT_EQ(format_progress(c, 1.5),
            "pqb-udp-stream recv progress received=7 unique=6 missing=2 duplicates=1 "
            "seconds=1.500");
}

TEST(Endpoint, ParsesV4AndBracketedV6AndRejectsTheRest) {
  const auto v4 = parse_endpoint("10.2.0.2:5001");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->address, "10.2.0.2");
  EXPECT_EQ(v4->port, 5001);
  const auto v6 = parse_endpoint("[2001:db8::1]:4500");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->address, "2001:db8::1");
  EXPECT_EQ(v6->port, 4500);
  for (const char* bad : {"", "10.2.0.2", "10.2.0.2:", ":5001", "10.2.0.2:0", "10.2.0.2:65536",
                          "10.2.0.2:50x", "2001:db8::1:5001", "[2001:db8::1]5001"}) {
    EXPECT_FALSE(parse_endpoint(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace pqbranch::tools
