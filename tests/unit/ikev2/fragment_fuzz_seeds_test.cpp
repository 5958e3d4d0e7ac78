// The seed corpus of the ikev2_fragment_fuzz target (tests/fuzz/corpus/ikev2_fragment):
// sequences of fragments sealed under the fuzzer's fixed SK_e, each datagram preceded by its
// 2-byte length. The committed files are checked here to reassemble the way their name says,
// so the fuzzer starts inside the reassembler. Regenerate them after a change to the layout:
//   PQB_WRITE_FUZZ_SEEDS=1 build/asan/tests/pqb_unit_tests --gtest_filter='Ikev2FragmentFuzz*'

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/fragment_reassembler.hpp"
#include "pqbranch/ikev2/fragmenter.hpp"

#include "fakes/fuzz_seeds.hpp"
#include "unit/ikev2/fragmentation_samples.hpp"

namespace pqbranch::ikev2 {
namespace {

const std::vector<std::uint8_t> kFuzzSkE(kSkKeySize, 0x5a);  // as in ikev2_fragment_fuzz.cpp
const ReassemblyLimits kFuzzLimits{
    .max_fragments = 16, .max_bytes = 8192, .timeout = std::chrono::seconds{8}};

using Datagrams = std::vector<std::vector<std::uint8_t>>;

std::vector<std::uint8_t> framed(const Datagrams& datagrams) {
  std::vector<std::uint8_t> out;
  for (const auto& d : datagrams) {
    out.push_back(static_cast<std::uint8_t>(d.size() >> 8U));
    out.push_back(static_cast<std::uint8_t>(d.size()));
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

Datagrams split(std::span<const std::uint8_t> input) {
  Datagrams out;
  while (input.size() >= 2) {
    const std::size_t length = (std::size_t{input[0]} << 8U) | input[1];
    input = input.subspan(2);
    const auto d = input.first(std::min(length, input.size()));
    out.emplace_back(d.begin(), d.end());
    input = input.subspan(d.size());
  }
  return out;
}

Datagrams fragments(const Message& m, std::size_t max_datagram, std::uint64_t first_iv) {
  return fragment_message(m, kFuzzSkE, first_iv, {max_datagram, false, false}).value().datagrams;
}

std::map<std::string, std::vector<std::uint8_t>> seeds() {
  std::map<std::string, std::vector<std::uint8_t>> out;
  const auto small = fragments(samples::small_informational(), 576, 1);
  out["complete_informational"] = framed(small);
  auto mlkem = fragments(samples::mlkem1024_intermediate(), 576, 10);
  out["complete_intermediate_in_order"] = framed(mlkem);
  Datagrams shuffled{mlkem[2], mlkem[0], mlkem[0], mlkem[3], mlkem[1]};
  out["complete_intermediate_reordered_duplicate"] = framed(shuffled);
  // A larger Total Fragments for the same message restarts the set (RFC 7383 §2.6).
  const auto bigger = fragments(samples::mlkem1024_intermediate(), 1280, 20);
  Datagrams restart{bigger[0], mlkem[0], mlkem[1], bigger[1], mlkem[2], mlkem[3]};
  out["complete_intermediate_after_restart"] = framed(restart);
  // A newer message ID discards the incomplete older one, which then never completes.
  const auto newer = fragments(samples::mlkem1024_intermediate(2), 576, 30);
  Datagrams overtaken{mlkem[0], newer[0], mlkem[1], mlkem[2], mlkem[3]};
  out["incomplete_overtaken"] = framed(overtaken);
  return out;
}

TEST(Ikev2FragmentFuzzSeeds, CommittedSeedsReassembleAsNamed) {
  const auto expected = seeds();
  const auto files = pqbranch::test::sync_fuzz_seeds("ikev2_fragment", expected);
  for (const auto& [name, bytes] : files) {
    EXPECT_TRUE(expected.contains(name)) << name << " is not a seed this test makes";
    FragmentReassembler r(kFuzzLimits);
    FragmentReassembler::TimePoint now{std::chrono::hours{1}};
    bool complete = false;
    for (const auto& d : split(bytes)) {
      auto step = r.add(d, kFuzzSkE, now);
      ASSERT_TRUE(step) << name << ": " << step.error().message();
      complete = complete || step->outcome == FragmentOutcome::complete;
      now += std::chrono::seconds{1};
    }
    EXPECT_EQ(complete, name.starts_with("complete_")) << name;
  }
  EXPECT_EQ(files.size(), expected.size()) << "regenerate with PQB_WRITE_FUZZ_SEEDS=1";
}

}  // namespace
}  // namespace pqbranch::ikev2
