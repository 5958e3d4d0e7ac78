// Reassembly of RFC 7383 fragments (§2.6): round trips in any order, duplicates, forgeries
// that change nothing, the limits, the timeout, newer message IDs and a larger Total
// Fragments.

#include "pqbranch/ikev2/fragment_reassembler.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/fragmenter.hpp"
#include "pqbranch/ikev2/skf_payload.hpp"

#include "unit/ikev2/fragmentation_samples.hpp"

namespace pqbranch::ikev2 {
namespace {

using namespace std::chrono_literals;
using TimePoint = FragmentReassembler::TimePoint;

const TimePoint kT0{std::chrono::hours{1}};

std::vector<std::vector<std::uint8_t>> fragments(const Message& m, FragmentPath path = {},
                                                 std::uint64_t first_iv = 1) {
  return fragment_message(m, samples::fragment_key(), first_iv, path).value().datagrams;
}

Message as_response(Message m) {
  m.header.flags = kFlagResponse;
  return m;
}

// Feeds `datagrams` in order; expects every one but the last to be kept.
ReassemblyStep feed(FragmentReassembler& r, const std::vector<std::vector<std::uint8_t>>& d,
                    TimePoint now = kT0) {
  for (std::size_t i = 0; i + 1 < d.size(); ++i) {
    auto step = r.add(d[i], samples::fragment_key(), now);
    EXPECT_TRUE(step) << step.error().message();
    if (step) {
      EXPECT_EQ(step->outcome, FragmentOutcome::kept) << "fragment " << i + 1;
    }
  }
  auto last = r.add(d.back(), samples::fragment_key(), now);
  EXPECT_TRUE(last) << last.error().message();
  return last ? std::move(*last) : ReassemblyStep{};
}

void expect_reassembled(const ReassemblyStep& step, const Message& m) {
  ASSERT_EQ(step.outcome, FragmentOutcome::complete);
  ASSERT_TRUE(step.message);
  EXPECT_EQ(step.message->message.payloads, m.payloads);
  const auto sealed = seal_message(m, samples::fragment_key(), 1).value();
  // The header and IntAuth octets of the same message sent unfragmented.
  EXPECT_EQ(step.message->message.header, parse_header(sealed.bytes).value());
  EXPECT_EQ(step.message->int_auth_octets, sealed.int_auth_octets);
}

TEST(FragmentReassembler, RoundTripOfEveryMessageOverEveryPath) {
  const FragmentPath paths[] = {{1280, false, false}, {1280, true, true}, {576, false, false}};
  const Message messages[] = {samples::small_informational(), samples::mlkem1024_intermediate(),
                              samples::auth_with_certificate_chain(),
                              as_response(samples::mlkem1024_intermediate())};
  for (const auto& path : paths) {
    for (const auto& m : messages) {
      FragmentReassembler r;
      const auto d = fragments(m, path);
      expect_reassembled(feed(r, d), m);
      EXPECT_EQ(r.bytes_held(), 0U);
      EXPECT_FALSE(r.deadline());
    }
  }
}

TEST(FragmentReassembler, OutOfOrderFragmentsReassemble) {
  const auto m = samples::auth_with_certificate_chain();
  auto d = fragments(m);
  ASSERT_GT(d.size(), 3U);
  std::reverse(d.begin(), d.end());
  FragmentReassembler reversed;
  expect_reassembled(feed(reversed, d), m);

  std::mt19937 shuffle_rng(7);  // fixed seed: the same order on every run
  std::shuffle(d.begin(), d.end(), shuffle_rng);
  FragmentReassembler shuffled;
  expect_reassembled(feed(shuffled, d), m);
}

TEST(FragmentReassembler, DuplicatesAreDroppedAndHoldNothingMore) {
  const auto m = samples::mlkem1024_intermediate();
  const auto d = fragments(m);
  ASSERT_EQ(d.size(), 2U);
  FragmentReassembler r;
  ASSERT_EQ(r.add(d[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  const auto held = r.bytes_held();
  EXPECT_GT(held, 0U);
  EXPECT_EQ(r.add(d[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::duplicate);
  // The same fragment resealed (a retransmission with a new IV) is a duplicate too.
  const auto again = fragments(m, {}, 50);
  EXPECT_EQ(r.add(again[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::duplicate);
  EXPECT_EQ(r.bytes_held(), held);
  expect_reassembled(r.add(d[1], samples::fragment_key(), kT0).value(), m);
  // The whole message again (the peer retransmitted it): reassembled again, for the caller
  // to answer or ignore as a retransmission.
  expect_reassembled(feed(r, d), m);
}

TEST(FragmentReassembler, ForgedFragmentsChangeNothing) {
  const auto m = samples::auth_with_certificate_chain();
  const auto d = fragments(m);
  FragmentReassembler r;
  ASSERT_EQ(r.add(d[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  const auto held = r.bytes_held();

  auto forged = d[1];
  forged[forged.size() - 20] ^= 0x40;  // ciphertext
  EXPECT_EQ(r.add(forged, samples::fragment_key(), kT0).error(), errc::integrity_check_failed);
  // Under another key: a newer message ID and a larger Total Fragments would each discard the
  // set if they were authentic.
  Message newer = m;
  newer.header.message_id += 1;
  const auto forged_newer =
      fragment_message(newer, samples::fragment_key(0x99), 1, {}).value().datagrams;
  EXPECT_EQ(r.add(forged_newer[0], samples::fragment_key(), kT0).error(),
            errc::integrity_check_failed);
  const auto forged_more =
      fragment_message(m, samples::fragment_key(0x99), 1, {576, false, false}).value().datagrams;
  EXPECT_EQ(r.add(forged_more[0], samples::fragment_key(), kT0).error(),
            errc::integrity_check_failed);
  EXPECT_EQ(r.bytes_held(), held);

  // The genuine fragments still complete the message.
  for (std::size_t i = 1; i + 1 < d.size(); ++i) {
    ASSERT_EQ(r.add(d[i], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  }
  auto last = r.add(d.back(), samples::fragment_key(), kT0);
  ASSERT_TRUE(last);
  EXPECT_FALSE(last->discarded_incomplete);
  expect_reassembled(*last, m);
}

TEST(FragmentReassembler, ForgedFragmentNeverStartsASet) {
  FragmentReassembler r;
  const auto d =
      fragment_message(samples::mlkem1024_intermediate(), samples::fragment_key(0x99), 1, {})
          .value()
          .datagrams;
  EXPECT_EQ(r.add(d[0], samples::fragment_key(), kT0).error(), errc::integrity_check_failed);
  EXPECT_EQ(r.bytes_held(), 0U);
  EXPECT_FALSE(r.deadline());
}

TEST(FragmentReassembler, TooManyFragmentsRefusedBeforeDecryption) {
  const auto d = fragments(samples::auth_with_certificate_chain());
  FragmentReassembler r(
      ReassemblyLimits{.max_fragments = static_cast<std::uint16_t>(d.size() - 1)});
  for (const auto& fragment : d) {
    EXPECT_EQ(r.add(fragment, samples::fragment_key(), kT0).error(), errc::too_large);
  }
  EXPECT_EQ(r.bytes_held(), 0U);
  // At the limit: accepted.
  FragmentReassembler at_limit(
      ReassemblyLimits{.max_fragments = static_cast<std::uint16_t>(d.size())});
  expect_reassembled(feed(at_limit, d), samples::auth_with_certificate_chain());
}

TEST(FragmentReassembler, TooManyBytesDiscardTheSet) {
  const auto m = samples::auth_with_certificate_chain();
  const auto d = fragments(m);
  const auto inner = encode_payload_chain(m.payloads).value().bytes.size();
  FragmentReassembler r(ReassemblyLimits{.max_bytes = inner - 1});
  std::size_t i = 0;
  for (; i + 1 < d.size(); ++i) {
    ASSERT_EQ(r.add(d[i], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  }
  EXPECT_EQ(r.add(d[i], samples::fragment_key(), kT0).error(), errc::too_large);
  EXPECT_EQ(r.bytes_held(), 0U);
  EXPECT_FALSE(r.deadline());
  // Exactly at the limit: accepted.
  FragmentReassembler at_limit(ReassemblyLimits{.max_bytes = inner});
  expect_reassembled(feed(at_limit, d), m);
}

TEST(FragmentReassembler, IncompleteSetExpiresAfterTheTimeout) {
  const auto m = samples::mlkem1024_intermediate();
  const auto d = fragments(m);
  FragmentReassembler r(ReassemblyLimits{.timeout = 10s});
  ASSERT_EQ(r.add(d[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  EXPECT_EQ(r.deadline(), kT0 + 10s);
  EXPECT_FALSE(r.expire(kT0 + 10s - 1ms));
  EXPECT_GT(r.bytes_held(), 0U);
  EXPECT_TRUE(r.expire(kT0 + 10s));
  EXPECT_EQ(r.bytes_held(), 0U);
  EXPECT_FALSE(r.deadline());

  // Through add(): the late fragment starts a new set instead of completing the old one.
  const auto t1 = kT0 + 60s;
  ASSERT_EQ(r.add(d[0], samples::fragment_key(), t1)->outcome, FragmentOutcome::kept);
  auto late = r.add(d[1], samples::fragment_key(), t1 + 10s);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->outcome, FragmentOutcome::kept);
  EXPECT_TRUE(late->discarded_incomplete);
  EXPECT_EQ(r.deadline(), t1 + 20s);
  // Within the timeout of that set, the message completes.
  expect_reassembled(r.add(d[0], samples::fragment_key(), t1 + 19s).value(), m);
}

TEST(FragmentReassembler, NewerMessageIdDiscardsAnOlderIncompleteOne) {
  const auto older = samples::mlkem1024_intermediate(1);
  const auto newer = samples::mlkem1024_intermediate(2);
  const auto d_old = fragments(older);
  const auto d_new = fragments(newer);
  FragmentReassembler r;
  ASSERT_EQ(r.add(d_old[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  auto step = r.add(d_new[0], samples::fragment_key(), kT0);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->outcome, FragmentOutcome::kept);
  EXPECT_TRUE(step->discarded_incomplete);
  // The older message's fragments are now stale.
  EXPECT_EQ(r.add(d_old[1], samples::fragment_key(), kT0)->outcome, FragmentOutcome::stale);
  expect_reassembled(r.add(d_new[1], samples::fragment_key(), kT0).value(), newer);
}

TEST(FragmentReassembler, LargerTotalFragmentsRestartsAndSmallerIsStale) {
  // §2.6: the sender fragmented the same message again, smaller (PMTU, §2.5.2).
  const auto m = samples::auth_with_certificate_chain();
  const auto big = fragments(m, {1280, false, false}, 1);
  const auto small = fragments(m, {576, false, false}, 100);
  ASSERT_GT(small.size(), big.size());
  FragmentReassembler r;
  ASSERT_EQ(r.add(big[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  ASSERT_EQ(r.add(big[1], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  auto restart = r.add(small[0], samples::fragment_key(), kT0);
  ASSERT_TRUE(restart);
  EXPECT_EQ(restart->outcome, FragmentOutcome::kept);
  EXPECT_TRUE(restart->discarded_incomplete);
  for (const auto& fragment : big) {
    EXPECT_EQ(r.add(fragment, samples::fragment_key(), kT0)->outcome, FragmentOutcome::stale);
  }
  std::vector<std::vector<std::uint8_t>> rest(small.begin() + 1, small.end());
  expect_reassembled(feed(r, rest), m);
}

TEST(FragmentReassembler, RequestsAndResponsesReassembleApart) {
  // A response to our request and a request of the peer (own message IDs), interleaved.
  const auto response = as_response(samples::auth_with_certificate_chain(5));
  const auto request = samples::mlkem1024_intermediate(0);
  const auto d_resp = fragments(response);
  const auto d_req = fragments(request);
  FragmentReassembler r;
  ASSERT_EQ(r.add(d_resp[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  ASSERT_EQ(r.add(d_req[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  auto req = r.add(d_req[1], samples::fragment_key(), kT0);
  ASSERT_TRUE(req);
  EXPECT_FALSE(req->discarded_incomplete);
  expect_reassembled(*req, request);
  std::vector<std::vector<std::uint8_t>> rest(d_resp.begin() + 1, d_resp.end());
  expect_reassembled(feed(r, rest), response);
}

TEST(FragmentReassembler, InconsistentHeaderRefused) {
  const auto m = samples::mlkem1024_intermediate(3);
  Message other = m;
  other.header.exchange = ExchangeType::informational;  // same message ID, another exchange
  FragmentReassembler r;
  ASSERT_EQ(r.add(fragments(m)[0], samples::fragment_key(), kT0)->outcome, FragmentOutcome::kept);
  const auto held = r.bytes_held();
  EXPECT_EQ(r.add(fragments(other)[1], samples::fragment_key(), kT0).error(), errc::bad_value);
  EXPECT_EQ(r.bytes_held(), held);
  expect_reassembled(r.add(fragments(m)[1], samples::fragment_key(), kT0).value(), m);
}

TEST(FragmentReassembler, ChainThatDoesNotParseIsRefusedAndDiscarded) {
  // Authentic fragments whose joined content is no payload chain (a Length beyond the data).
  const Header h = samples::sample_header(ExchangeType::ike_auth);
  const std::vector<std::uint8_t> first{0, 0, 0x01, 0x00, 1, 2};
  const std::vector<std::uint8_t> second{3, 4};
  const auto key = samples::fragment_key();
  FragmentReassembler r;
  auto f1 = seal_fragment(h, SkfFields{PayloadType::nonce, 1, 2}, first, key, 1).value();
  auto f2 = seal_fragment(h, SkfFields{PayloadType::none, 2, 2}, second, key, 2).value();
  ASSERT_EQ(r.add(f1, key, kT0)->outcome, FragmentOutcome::kept);
  EXPECT_EQ(r.add(f2, key, kT0).error(), errc::bad_length);
  EXPECT_EQ(r.bytes_held(), 0U);
  EXPECT_FALSE(r.deadline());
}

TEST(FragmentReassembler, NotAFragmentRefused) {
  FragmentReassembler r;
  const auto sk = seal_message(samples::small_informational(), samples::fragment_key(), 1).value();
  EXPECT_EQ(r.add(sk.bytes, samples::fragment_key(), kT0).error(), errc::missing_encrypted_payload);
  EXPECT_FALSE(r.add(std::vector<std::uint8_t>(10), samples::fragment_key(), kT0));
}

}  // namespace
}  // namespace pqbranch::ikev2
