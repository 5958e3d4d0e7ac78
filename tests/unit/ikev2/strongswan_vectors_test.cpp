// Our key material against strongSwan 6.1's (tests/unit/ikev2/vectors, made by
// scripts/ike-vectors.sh from two charons logging at ike = 4): SKEYSEED and keys, the RFC 9370
// update after ML-KEM, IntAuth, the AUTH octets and PSK AUTH; and strongSwan's IKE_SA_INIT
// messages through our parser and encoder.

#include <algorithm>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/auth_octets.hpp"
#include "pqbranch/ikev2/ike_keys.hpp"
#include "pqbranch/ikev2/int_auth.hpp"
#include "pqbranch/ikev2/message.hpp"
#include "pqbranch/ikev2/prf.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

#include "fakes/hex.hpp"
#include "fakes/test_paths.hpp"

namespace pqbranch::ikev2 {
namespace {

using pqbranch::test::from_hex;
using pqbranch::test::to_hex;

class Vector {
 public:
  explicit Vector(const std::string& name) {
    std::ifstream in(test::source_dir() / "tests/unit/ikev2/vectors" / (name + ".txt"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      const auto eq = line.find(" =");
      if (eq == std::string::npos) continue;
      auto value = line.substr(eq + 2);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      values_[line.substr(0, eq)] = value;
    }
  }
  [[nodiscard]] bool loaded() const { return !values_.empty(); }
  [[nodiscard]] bool has(const std::string& k) const { return values_.count(k) != 0; }
  [[nodiscard]] std::string hex(const std::string& k) const {
    auto it = values_.find(k);
    return it == values_.end() ? std::string("<missing " + k + ">") : it->second;
  }
  [[nodiscard]] std::vector<std::uint8_t> bytes(const std::string& k) const {
    return from_hex(hex(k));
  }
  [[nodiscard]] Spi spi(const std::string& k) const {
    Spi s{};
    const auto b = bytes(k);
    std::copy_n(b.begin(), std::min(b.size(), s.size()), s.begin());
    return s;
  }

 private:
  std::map<std::string, std::string> values_;
};

constexpr IkePrf kPrf = IkePrf::hmac_sha384;  // every case: PRF_HMAC_SHA2_384

void expect_keys(const IkeKeys& k, const Vector& v, const std::string& set) {
  EXPECT_EQ(to_hex(k.sk_d.span()), v.hex(set + ".sk_d"));
  EXPECT_TRUE(k.sk_ai.empty());
  EXPECT_EQ(to_hex(k.sk_ei.span()), v.hex(set + ".sk_ei"));
  EXPECT_EQ(to_hex(k.sk_er.span()), v.hex(set + ".sk_er"));
  EXPECT_EQ(to_hex(k.sk_pi.span()), v.hex(set + ".sk_pi"));
  EXPECT_EQ(to_hex(k.sk_pr.span()), v.hex(set + ".sk_pr"));
}

// The IKE_SA_INIT message at the start of a signed-octets blob (its header gives its length).
std::vector<std::uint8_t> leading_message(const std::vector<std::uint8_t>& octets) {
  if (octets.size() < kHeaderSize) return {};
  const auto h = std::span(octets);
  const std::size_t len = (std::size_t{h[24]} << 24U) | (std::size_t{h[25]} << 16U) |
                          (std::size_t{h[26]} << 8U) | h[27];
  if (len > octets.size()) return {};
  return {octets.begin(), octets.begin() + static_cast<std::ptrdiff_t>(len)};
}

class StrongSwanVectors : public ::testing::TestWithParam<const char*> {};
// The cases with ML-KEM as ADDKE1 in IKE_INTERMEDIATE.
class StrongSwanHybridVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(StrongSwanVectors, InitialKeys) {
  const Vector v(GetParam());
  ASSERT_TRUE(v.loaded()) << GetParam();
  auto skeyseed =
      initial_skeyseed(kPrf, v.bytes("ni"), v.bytes("nr"), v.bytes("ke0.shared_secret"));
  ASSERT_TRUE(skeyseed);
  EXPECT_EQ(to_hex(skeyseed->span()), v.hex("ke0.skeyseed"));
  auto keys = initial_ike_keys(kPrf, IkeKeySizes{}, v.bytes("ni"), v.bytes("nr"),
                               v.bytes("ke0.shared_secret"), v.spi("spi_i"), v.spi("spi_r"));
  ASSERT_TRUE(keys);
  expect_keys(*keys, v, "ke0");
}

TEST_P(StrongSwanHybridVectors, AdditionalKeyExchangeUpdate) {
  const Vector v(GetParam());
  ASSERT_TRUE(v.has("ke1.shared_secret")) << GetParam();
  auto keys0 = initial_ike_keys(kPrf, IkeKeySizes{}, v.bytes("ni"), v.bytes("nr"),
                                v.bytes("ke0.shared_secret"), v.spi("spi_i"), v.spi("spi_r"));
  ASSERT_TRUE(keys0);
  auto skeyseed = additional_skeyseed(kPrf, keys0->sk_d.span(), v.bytes("ke1.shared_secret"),
                                      v.bytes("ni"), v.bytes("nr"));
  ASSERT_TRUE(skeyseed);
  EXPECT_EQ(to_hex(skeyseed->span()), v.hex("ke1.skeyseed"));
  auto keys1 = updated_ike_keys(*keys0, IkeKeySizes{}, v.bytes("ke1.shared_secret"), v.bytes("ni"),
                                v.bytes("nr"), v.spi("spi_i"), v.spi("spi_r"));
  ASSERT_TRUE(keys1);
  expect_keys(*keys1, v, "ke1");
}

TEST_P(StrongSwanHybridVectors, IntAuthChainAndOctetsLayout) {
  const Vector v(GetParam());
  ASSERT_TRUE(v.has("intauth.i.data")) << GetParam();
  // IntAuth is keyed with the key set that protected IKE_INTERMEDIATE (before the update).
  EXPECT_EQ(v.hex("intauth.i.sk_p"), v.hex("ke0.sk_pi"));
  EXPECT_EQ(v.hex("intauth.r.sk_p"), v.hex("ke0.sk_pr"));
  IntAuth chain(kPrf);
  ASSERT_TRUE(chain.add_initiator_message(v.bytes("intauth.i.sk_p"), v.bytes("intauth.i.data")));
  ASSERT_TRUE(chain.add_responder_message(v.bytes("intauth.r.sk_p"), v.bytes("intauth.r.data")));
  EXPECT_EQ(to_hex(chain.initiator()), v.hex("intauth.i.value"));
  EXPECT_EQ(to_hex(chain.responder()), v.hex("intauth.r.value"));

  // strongSwan's IntAuth octets have the layout open_message / seal_message produce: adjusted
  // Length fields, the SK header naming the first inner payload, then the inner payloads —
  // here the one KE payload with the ML-KEM encapsulation key (request) or ciphertext.
  for (const char* side : {"intauth.i.data", "intauth.r.data"}) {
    const auto data = v.bytes(side);
    ASSERT_GT(data.size(), kHeaderSize + 4U);
    auto h = parse_header(data);
    ASSERT_TRUE(h) << side << ": " << h.error().message();  // Length == octets' size
    EXPECT_EQ(h->exchange, ExchangeType::ike_intermediate);
    EXPECT_EQ(h->next_payload, PayloadType::sk);
    const std::size_t sk_length = (std::size_t{data[30]} << 8U) | data[31];
    EXPECT_EQ(sk_length, data.size() - kHeaderSize);
    auto inner =
        parse_payload_chain(static_cast<PayloadType>(data[28]), std::span(data).subspan(32));
    ASSERT_TRUE(inner) << side << ": " << inner.error().message();
    const auto kes = find_all_ke(*inner);
    ASSERT_EQ(kes.size(), 1U);
    const auto sizes = ke_data_sizes(kes[0]->method);
    ASSERT_TRUE(sizes);
    EXPECT_EQ(kes[0]->data.size(), h->response() ? sizes->responder : sizes->initiator);
  }
}

TEST_P(StrongSwanHybridVectors, OurSealAndOpenGiveStrongSwansIntAuthOctets) {
  // Rebuild each IKE_INTERMEDIATE message from strongSwan's IntAuth octets (its header and
  // plaintext inner payloads), seal it with the key set of that exchange, and compare the
  // octets our seal and open produce with strongSwan's, byte for byte.
  const Vector v(GetParam());
  for (const bool initiator : {true, false}) {
    const auto data = v.bytes(initiator ? "intauth.i.data" : "intauth.r.data");
    auto h = parse_header(data);
    ASSERT_TRUE(h);
    auto inner =
        parse_payload_chain(static_cast<PayloadType>(data[28]), std::span(data).subspan(32));
    ASSERT_TRUE(inner);
    const auto sk_e = v.bytes(initiator ? "ke0.sk_ei" : "ke0.sk_er");
    auto sealed = seal_message(Message{*h, *inner}, sk_e, 1);
    ASSERT_TRUE(sealed) << sealed.error().message();
    EXPECT_EQ(to_hex(sealed->int_auth_octets), to_hex(data));
    auto opened = open_message(sealed->bytes, sk_e);
    ASSERT_TRUE(opened) << opened.error().message();
    EXPECT_EQ(to_hex(opened->int_auth_octets), to_hex(data));
  }
}

TEST_P(StrongSwanVectors, AuthOctetsAndPskAuth) {
  const Vector v(GetParam());
  const bool intermediate = v.has("intauth.i.data");
  IntAuth chain(kPrf);
  if (intermediate) {
    ASSERT_TRUE(chain.add_initiator_message(v.bytes("intauth.i.sk_p"), v.bytes("intauth.i.data")));
    ASSERT_TRUE(chain.add_responder_message(v.bytes("intauth.r.sk_p"), v.bytes("intauth.r.data")));
  }
  // The last key set MACs the IDs.
  EXPECT_EQ(v.hex("auth.i.sk_p"), v.hex(intermediate ? "ke1.sk_pi" : "ke0.sk_pi"));
  for (const bool initiator : {true, false}) {
    const std::string p = initiator ? "auth.i." : "auth.r.";
    const auto octets = v.bytes(p + "octets");
    const auto real_message = leading_message(octets);
    ASSERT_FALSE(real_message.empty());
    const auto id_bytes = v.bytes(p + "id_payload");
    auto id = parse_id_payload(id_bytes, initiator);
    ASSERT_TRUE(id) << id.error().message();
    const auto peer_nonce = v.bytes(initiator ? "nr" : "ni");
    const auto sk_p = v.bytes(p + "sk_p");
    // IKE_AUTH follows the single IKE_INTERMEDIATE (Message ID 1): IKE_AUTH_MID = 2.
    const AuthOctetsInput in{real_message, peer_nonce, sk_p, &*id, &chain, 2};
    auto ours = auth_octets(kPrf, in);
    ASSERT_TRUE(ours);
    EXPECT_EQ(to_hex(*ours), to_hex(octets)) << p;
    auto auth = psk_auth(kPrf, v.bytes(p + "psk"), octets);
    ASSERT_TRUE(auth);
    EXPECT_EQ(to_hex(auth->span()), v.hex(p + "auth")) << p;
    EXPECT_TRUE(verify_psk_auth(kPrf, v.bytes(p + "psk"), octets, v.bytes(p + "auth")));
  }
}

TEST_P(StrongSwanVectors, IkeSaInitMessagesParseAndReencode) {
  const Vector v(GetParam());
  for (const bool initiator : {true, false}) {
    const auto message = leading_message(v.bytes(initiator ? "auth.i.octets" : "auth.r.octets"));
    auto parsed = parse_message(message);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->header.exchange, ExchangeType::ike_sa_init);
    EXPECT_EQ(parsed->header.response(), !initiator);
    const auto* nonce = find_payload<NoncePayload>(parsed->payloads);
    ASSERT_NE(nonce, nullptr);
    EXPECT_EQ(to_hex(nonce->data), v.hex(initiator ? "ni" : "nr"));
    const auto* sa = find_payload<SaPayload>(parsed->payloads);
    ASSERT_NE(sa, nullptr);
    EXPECT_NE(find_transform(sa->proposals.front(), TransformType::ke), nullptr);
    EXPECT_EQ(find_all_ke(parsed->payloads).size(), 1U);
    EXPECT_NE(find_notify(parsed->payloads, NotifyType::nat_detection_source_ip), nullptr);
    // Everything in strongSwan's IKE_SA_INIT is a payload we model: re-encoding gives the
    // same bytes.
    auto again = encode_message(*parsed);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(to_hex(*again), to_hex(message));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, StrongSwanVectors,
                         ::testing::Values("ecp256_mlkem768", "x25519_mlkem768", "ecp384_mlkem1024",
                                           "mlkem768"));
INSTANTIATE_TEST_SUITE_P(Cases, StrongSwanHybridVectors,
                         ::testing::Values("ecp256_mlkem768", "x25519_mlkem768",
                                           "ecp384_mlkem1024"));

}  // namespace
}  // namespace pqbranch::ikev2
