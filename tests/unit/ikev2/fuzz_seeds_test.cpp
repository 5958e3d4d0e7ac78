// The seed corpus of the ikev2_parse_fuzz target (tests/fuzz/corpus/ikev2): messages made by
// our encoders (plaintext, and sealed under the fuzzer's fixed SK_e) and strongSwan 6.1's
// IKE_SA_INIT messages from the key-derivation vectors, and every payload of the samples on
// its own. The committed files are checked here to parse the way their name says, so the
// fuzzer starts deep inside the parsers.
// Regenerate them after a change to the layouts:
//   PQB_WRITE_FUZZ_SEEDS=1 build/asan/tests/pqb_unit_tests --gtest_filter='Ikev2FuzzSeeds.*'

#include "fakes/fuzz_seeds.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pqbranch/ikev2/sk_payload.hpp"

#include "fakes/hex.hpp"
#include "fakes/test_paths.hpp"
#include "unit/ikev2/samples.hpp"

namespace pqbranch::ikev2 {
namespace {

const std::vector<std::uint8_t> kFuzzSkE(kSkKeySize, 0x5a);  // as in ikev2_parse_fuzz.cpp

// The IKE_SA_INIT message at the start of a vector file's AUTH octets.
std::vector<std::uint8_t> strongswan_message(const std::string& file, const std::string& name) {
  std::ifstream in(pqbranch::test::source_dir() / "tests/unit/ikev2/vectors" / file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(name + " = ")) {
      auto bytes = pqbranch::test::from_hex(line.substr(name.size() + 3));
      if (bytes.size() < kHeaderSize) return {};
      const std::size_t len = (std::size_t{bytes[26]} << 8U) | bytes[27];
      bytes.resize(std::min(len, bytes.size()));
      return bytes;
    }
  }
  return {};
}

std::map<std::string, std::vector<std::uint8_t>> seeds() {
  std::map<std::string, std::vector<std::uint8_t>> out;
  out["plain_all_payloads"] =
      encode_message(Message{samples::sample_header(), samples::all_payloads()}).value();
  Message auth{samples::sample_header(ExchangeType::ike_auth), samples::all_payloads()};
  out["sealed_all_payloads"] = seal_message(auth, kFuzzSkE, 1).value().bytes;
  Message intermediate{samples::sample_header(ExchangeType::ike_intermediate), {}};
  intermediate.payloads.emplace_back(
      KePayload{KeMethod::mlkem768, std::vector<std::uint8_t>(1184, 3)});
  out["sealed_intermediate"] = seal_message(intermediate, kFuzzSkE, 2).value().bytes;
  Message del{samples::sample_header(ExchangeType::informational),
              {DeletePayload{ProtocolId::ike, {}}}};
  out["sealed_delete"] = seal_message(del, kFuzzSkE, 3).value().bytes;
  auto chain = encode_payload_chain(samples::all_payloads()).value();
  chain.bytes.insert(chain.bytes.begin(), static_cast<std::uint8_t>(chain.first));
  out["chain_all_payloads"] = chain.bytes;
  // Each payload type on its own, so the fuzzer mutates one parser at a time.
  const auto payloads = samples::all_payloads();
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    auto one = encode_payload_chain({payloads[i]}).value();
    one.bytes.insert(one.bytes.begin(), static_cast<std::uint8_t>(one.first));
    out[fmt::format("payload_{:02}_type{}", i, static_cast<unsigned>(one.first))] = one.bytes;
  }
  out["plain_strongswan_init_request"] = strongswan_message("ecp256_mlkem768.txt", "auth.i.octets");
  out["plain_strongswan_init_response"] =
      strongswan_message("ecp256_mlkem768.txt", "auth.r.octets");
  return out;
}

TEST(Ikev2FuzzSeeds, CommittedSeedsParseAsNamed) {
  const auto expected = seeds();
  const auto files = pqbranch::test::sync_fuzz_seeds("ikev2", expected);
  for (const auto& [name, bytes] : files) {
    EXPECT_TRUE(expected.contains(name)) << name << " is not a seed this test makes";
    ASSERT_FALSE(bytes.empty()) << name;
    if (name.starts_with("plain_")) {
      const auto m = parse_message(bytes);
      EXPECT_TRUE(m) << name << ": " << m.error().message();
    } else if (name.starts_with("sealed_")) {
      const auto m = open_message(bytes, kFuzzSkE);
      EXPECT_TRUE(m) << name << ": " << m.error().message();
    } else {
      const auto c =
          parse_payload_chain(static_cast<PayloadType>(bytes[0]), std::span(bytes).subspan(1));
      EXPECT_TRUE(c) << name << ": " << c.error().message();
    }
  }
  EXPECT_EQ(files.size(), expected.size()) << "regenerate with PQB_WRITE_FUZZ_SEEDS=1";
}

}  // namespace
}  // namespace pqbranch::ikev2
