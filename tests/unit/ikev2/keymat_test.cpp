// Key derivations against vectors made with the openssl command line only
// (tests/unit/ikev2/prf_vectors.sh), so an error in our prf+ or key split cannot hide in both
// sides of the comparison.

#include <string>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/auth_octets.hpp"
#include "pqbranch/ikev2/child_keys.hpp"
#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/ike_keys.hpp"
#include "pqbranch/ikev2/int_auth.hpp"
#include "pqbranch/ikev2/nat_detection.hpp"
#include "pqbranch/ikev2/prf.hpp"

#include "fakes/hex.hpp"

namespace pqbranch::ikev2 {
namespace {

using pqbranch::test::as_bytes;
using pqbranch::test::from_hex;
using pqbranch::test::to_hex;

const auto kKey = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const std::string kSeed = "pqbranch prf+ seed";
const std::vector<std::uint8_t> kNi(32, 0x61);
const std::vector<std::uint8_t> kNr(32, 0x62);
const std::vector<std::uint8_t> kGir(32, 0x63);
const std::vector<std::uint8_t> kSs1(32, 0x64);
const Spi kSpiI{1, 2, 3, 4, 5, 6, 7, 8};
const Spi kSpiR{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};

TEST(Prf, HmacSha512MatchesRfc4231TestCase2) {
  auto out = prf(IkePrf::hmac_sha512, as_bytes("Jefe"), as_bytes("what do ya want for nothing?"));
  ASSERT_TRUE(out);
  EXPECT_EQ(to_hex(out->span()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(Prf, UnknownTransformIsRefused) {
  EXPECT_EQ(check_prf(2).error(), errc::unsupported_algorithm);  // HMAC-SHA1
  EXPECT_EQ(check_prf(6).value(), IkePrf::hmac_sha384);
  EXPECT_EQ(prf(static_cast<IkePrf>(99), kKey, kKey).error(), errc::unsupported_algorithm);
}

struct PrfPlusVector {
  IkePrf prf;
  std::size_t length;
  const char* expected;
};

TEST(PrfPlus, MatchesOpensslForEachHash) {
  const PrfPlusVector vectors[] = {
      {IkePrf::hmac_sha256, 100,
       "32ae4c3322e239eb019e22c2a06749c492f5076dac69be8c320908571d51842b"
       "e06bd928185b7f2d1981180289a054908397a5f2633ac4c2be82e276b10401ad"
       "4cb5edccaf6521f462558468f32ecb7c5d50fe73ae09c6a3a3453a370533adb7"
       "891f29b1"},
      {IkePrf::hmac_sha384, 100,
       "c1f7a4c0b43f7dd323183bb8c754b95dc33720cf7da7e7792210daf771918535"
       "90426bb2f39b2ed4ac170b337f0d0565e59003bbda4a4df10ae5a4813a7874bf"
       "4a2a8dbeda5a92d021a540be462bd69433c132b3a6cc6a5700ded4b55d8e3a92"
       "adf12c94"},
      {IkePrf::hmac_sha512, 130,
       "24108c4bdf78187ec1acf31a0c53a559ebe37adb7196ad98514fe98da9974059"
       "80163d5b2ffe815a1ce3253d29a3108b047fae8ce73c03a200dd0d634019417d"
       "2aeb152fc7bcd733a7d21e4c31bb3c5e61f4cfd4959345f8d92f36781fd44bae"
       "ee6912bbb225264710be6430ba57a8d7e53387599b1f1bfdb3d5a07df20f7813"
       "5bb8"},
  };
  for (const auto& v : vectors) {
    auto out = prf_plus(v.prf, kKey, as_bytes(kSeed), v.length);
    ASSERT_TRUE(out);
    EXPECT_EQ(to_hex(out->span()), v.expected) << prf_size(v.prf);
  }
}

TEST(PrfPlus, ShorterOutputIsAPrefix) {
  auto full = prf_plus(IkePrf::hmac_sha256, kKey, as_bytes(kSeed), 100);
  auto part = prf_plus(IkePrf::hmac_sha256, kKey, as_bytes(kSeed), 33);
  ASSERT_TRUE(full && part);
  EXPECT_EQ(to_hex(part->span()), to_hex(full->subspan(0, 33)));
}

TEST(PrfPlus, LengthLimits) {
  // RFC 7296 §2.13: at most 255 iterations.
  EXPECT_TRUE(prf_plus(IkePrf::hmac_sha256, kKey, kKey, 255 * 32));
  EXPECT_EQ(prf_plus(IkePrf::hmac_sha256, kKey, kKey, 255 * 32 + 1).error(),
            errc::invalid_argument);
  EXPECT_EQ(prf_plus(IkePrf::hmac_sha256, kKey, kKey, 0).error(), errc::invalid_argument);
}

TEST(IkeKeys, InitialKeysMatchOpenssl) {
  auto skeyseed = initial_skeyseed(IkePrf::hmac_sha384, kNi, kNr, kGir);
  ASSERT_TRUE(skeyseed);
  EXPECT_EQ(to_hex(skeyseed->span()),
            "0b1b5be0ed9880626be9c6e041408227daee68342f01684ca0fd5c756f3f224c"
            "53987d486265169c1340519933a090b0");
  auto keys = initial_ike_keys(IkePrf::hmac_sha384, IkeKeySizes{}, kNi, kNr, kGir, kSpiI, kSpiR);
  ASSERT_TRUE(keys);
  EXPECT_EQ(to_hex(keys->sk_d.span()),
            "13d2f33a7b76fbc6ce38771c886057ae41b9458b3ec682a55c6786b173b315fa170badc85f1cf42c2a9b80"
            "b098bc4236");
  EXPECT_TRUE(keys->sk_ai.empty());
  EXPECT_TRUE(keys->sk_ar.empty());
  EXPECT_EQ(to_hex(keys->sk_ei.span()),
            "231e6fd0ea0048eaf9267e0ae078f0e16fbdf1273eb984bf34a1df22b48b1bdce80151e3");
  EXPECT_EQ(to_hex(keys->sk_er.span()),
            "c4e05c9c2bb970c57da8b750ba764aeabdfce7a9e88994acb328d318811cb62b21ac2883");
  EXPECT_EQ(to_hex(keys->sk_pi.span()),
            "aa81d9b9507614dd1e8305d5f1512d6fb83075c69db7b3f87c29d68a3e399673c05c249c84b4e756a6552f"
            "57fbdd2cfb");
  EXPECT_EQ(to_hex(keys->sk_pr.span()),
            "b94d051fe086a7caa4a3e1fb0622ef285bb63132981d43ec190a9274905557560ae6c9e21373ad3782b209"
            "4a87255875");
}

TEST(IkeKeys, Rfc9370UpdateMatchesOpenssl) {
  auto keys = initial_ike_keys(IkePrf::hmac_sha384, IkeKeySizes{}, kNi, kNr, kGir, kSpiI, kSpiR);
  ASSERT_TRUE(keys);
  auto skeyseed1 = additional_skeyseed(IkePrf::hmac_sha384, keys->sk_d.span(), kSs1, kNi, kNr);
  ASSERT_TRUE(skeyseed1);
  EXPECT_EQ(to_hex(skeyseed1->span()),
            "fffc66f6446a23269b53add13968b93a9e5b62742be791f60af0aad7ae204324"
            "49211c6e77bd1275a781f238377b7c15");
  auto next = updated_ike_keys(*keys, IkeKeySizes{}, kSs1, kNi, kNr, kSpiI, kSpiR);
  ASSERT_TRUE(next);
  EXPECT_EQ(to_hex(next->sk_d.span()),
            "dd192ad012de797ca01c6f2fb8b715a132ebe21ae8c9c22f655de017da96150356eb1183cb8c185fd81cc4"
            "db997a0646");
  EXPECT_EQ(to_hex(next->sk_ei.span()),
            "bbdc270bfbe9253b8c63dcc86588140c25ef21dba2b9d8262e2ee8769208bbf62e1fb87a");
  EXPECT_EQ(to_hex(next->sk_er.span()),
            "40ced2e746ab2fb1041e6d0b0269fb7d3ca3327d12e61bfe6a3b90b7fa07fd947f251749");
  EXPECT_EQ(to_hex(next->sk_pi.span()),
            "ee8bd310ea9d37537e513efe4536d33813215287e435c6d11ca793bb917a7edfa96ec7d29f49d9f9300829"
            "92bd974305");
  EXPECT_EQ(to_hex(next->sk_pr.span()),
            "7116a172178a6b27f37ef978a565c08b523da9213e61d145b312938a825936e7c4433ee907103427211bab"
            "158d647c3e");
}

TEST(IkeKeys, IntegrityKeysAreCarvedWhenRequested) {
  // A non-AEAD suite: SK_ai / SK_ar sit between SK_d and SK_ei (RFC 7296 §2.14).
  auto keys =
      initial_ike_keys(IkePrf::hmac_sha384, IkeKeySizes{32, 32}, kNi, kNr, kGir, kSpiI, kSpiR);
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->sk_ai.size(), 32U);
  EXPECT_EQ(keys->sk_ei.size(), 32U);
  EXPECT_EQ(to_hex(keys->sk_d.span()),
            "13d2f33a7b76fbc6ce38771c886057ae41b9458b3ec682a55c6786b173b315fa170badc85f1cf42c2a9b80"
            "b098bc4236");
}

TEST(IkeKeys, RefusesEmptySecretAndWrongSkd) {
  EXPECT_EQ(initial_skeyseed(IkePrf::hmac_sha384, kNi, kNr, {}).error(), errc::invalid_argument);
  EXPECT_EQ(additional_skeyseed(IkePrf::hmac_sha384, kKey, kSs1, kNi, kNr).error(), errc::bad_key);
}

TEST(ChildKeys, SplitMatchesOpenssl) {
  auto keys = initial_ike_keys(IkePrf::hmac_sha384, IkeKeySizes{}, kNi, kNr, kGir, kSpiI, kSpiR);
  ASSERT_TRUE(keys);
  auto child = derive_child_keys(IkePrf::hmac_sha384, keys->sk_d.span(), kNi, kNr);
  ASSERT_TRUE(child);
  EXPECT_EQ(to_hex(child->initiator_to_responder.span()),
            "102a64c3129364db95bbd38034f24310431e09616d4bd85028950743ca6eb75f175d8d75");
  EXPECT_EQ(to_hex(child->responder_to_initiator.span()),
            "89faf6ed3891845186895083dfc47a54dd3934cccbc7c0161e33e8231335b3ed7716de44");
}

TEST(ChildKeys, NewSharedSecretChangesKeymat) {
  auto plain = derive_child_keys(IkePrf::hmac_sha384, kKey, kNi, kNr);
  auto pfs = derive_child_keys(IkePrf::hmac_sha384, kKey, kNi, kNr, kSs1);
  ASSERT_TRUE(plain && pfs);
  EXPECT_NE(to_hex(plain->initiator_to_responder.span()),
            to_hex(pfs->initiator_to_responder.span()));
}

TEST(ChildKeys, AdditionalKeyExchangesComeAfterTheNonces) {
  // RFC 9370 §2.2.4: KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)). An order with
  // SK(1) before the nonces derives other keys, and strongSwan (keymat_v2.c) would not decrypt.
  const std::vector<std::uint8_t> kSs2(32, 0x65);
  auto keys = derive_child_keys(IkePrf::hmac_sha384, kKey, kNi, kNr, kSs1, kSs2);
  ASSERT_TRUE(keys);
  auto concat = [](std::initializer_list<const std::vector<std::uint8_t>*> parts) {
    std::vector<std::uint8_t> out;
    for (const auto* p : parts)
      out.insert(out.end(), p->begin(), p->end());
    return out;
  };
  auto rfc = prf_plus(IkePrf::hmac_sha384, kKey, concat({&kSs1, &kNi, &kNr, &kSs2}), 72);
  auto secrets_first = prf_plus(IkePrf::hmac_sha384, kKey, concat({&kSs1, &kSs2, &kNi, &kNr}), 72);
  ASSERT_TRUE(rfc && secrets_first);
  EXPECT_EQ(to_hex(keys->initiator_to_responder.span()), to_hex(rfc->span().subspan(0, 36)));
  EXPECT_EQ(to_hex(keys->responder_to_initiator.span()), to_hex(rfc->span().subspan(36, 36)));
  EXPECT_NE(to_hex(keys->initiator_to_responder.span()),
            to_hex(secrets_first->span().subspan(0, 36)));
}

TEST(NatDetection, MatchesOpensslSha1) {
  const auto addr = core::IpAddress::parse("192.0.2.1").value();
  auto hash = nat_detection_hash(kSpiI, kSpiR, addr, 500);
  ASSERT_TRUE(hash);
  EXPECT_EQ(to_hex(*hash), "d798d986143f878f70765e0e869c80bbc375f701");
  auto n = make_nat_detection(NotifyType::nat_detection_source_ip, kSpiI, kSpiR, addr, 500);
  ASSERT_TRUE(n);
  EXPECT_TRUE(nat_detection_matches(*n, kSpiI, kSpiR, addr, 500).value());
  // A NAT that rewrote the port (or address) shows as a mismatch.
  EXPECT_FALSE(nat_detection_matches(*n, kSpiI, kSpiR, addr, 4500).value());
  EXPECT_FALSE(
      nat_detection_matches(*n, kSpiI, kSpiR, core::IpAddress::parse("192.0.2.2").value(), 500)
          .value());
  n->data.pop_back();
  EXPECT_EQ(nat_detection_matches(*n, kSpiI, kSpiR, addr, 500).error(), errc::bad_length);
}

TEST(IntAuth, ChainsPreviousValue) {
  IntAuth chain(IkePrf::hmac_sha256);
  EXPECT_TRUE(chain.empty());
  ASSERT_TRUE(chain.add_initiator_message(kKey, as_bytes("first")));
  auto first = prf(IkePrf::hmac_sha256, kKey, as_bytes("first"));
  EXPECT_EQ(to_hex(chain.initiator()), to_hex(first->span()));
  ASSERT_TRUE(chain.add_initiator_message(kKey, as_bytes("second")));
  std::vector<std::uint8_t> input(first->span().begin(), first->span().end());
  const auto second_bytes = as_bytes("second");
  input.insert(input.end(), second_bytes.begin(), second_bytes.end());
  auto second = prf(IkePrf::hmac_sha256, kKey, input);
  EXPECT_EQ(to_hex(chain.initiator()), to_hex(second->span()));
  EXPECT_TRUE(chain.responder().empty());
  EXPECT_FALSE(chain.empty());
}

TEST(AuthOctets, PlainAndWithIntAuth) {
  const auto id = make_id(true, IdType::fqdn, "initiator.test");
  const auto message = from_hex("aabbcc");
  const auto nonce = from_hex("ddeeff");
  AuthOctetsInput in{message, nonce, kKey, &id, nullptr, 0};
  auto plain = auth_octets(IkePrf::hmac_sha256, in);
  ASSERT_TRUE(plain);
  auto maced = prf(IkePrf::hmac_sha256, kKey, id_body(id));
  EXPECT_EQ(to_hex(*plain), "aabbccddeeff" + to_hex(maced->span()));

  IntAuth chain(IkePrf::hmac_sha256);
  ASSERT_TRUE(chain.add_initiator_message(kKey, as_bytes("request")));
  ASSERT_TRUE(chain.add_responder_message(kKey, as_bytes("response")));
  in.int_auth = &chain;
  in.ike_auth_message_id = 2;
  auto bound = auth_octets(IkePrf::hmac_sha256, in);
  ASSERT_TRUE(bound);
  EXPECT_EQ(to_hex(*bound),
            to_hex(*plain) + to_hex(chain.initiator()) + to_hex(chain.responder()) + "00000002");
}

TEST(AuthOctets, PskAuthAndVerification) {
  const auto octets = as_bytes("signed octets");
  auto a = psk_auth(IkePrf::hmac_sha256, as_bytes("secret"), octets);
  ASSERT_TRUE(a);
  auto pad_key = prf(IkePrf::hmac_sha256, as_bytes("secret"), as_bytes("Key Pad for IKEv2"));
  auto expected = prf(IkePrf::hmac_sha256, pad_key->span(), octets);
  EXPECT_EQ(to_hex(a->span()), to_hex(expected->span()));
  EXPECT_TRUE(verify_psk_auth(IkePrf::hmac_sha256, as_bytes("secret"), octets, a->span()));
  EXPECT_EQ(verify_psk_auth(IkePrf::hmac_sha256, as_bytes("other"), octets, a->span()).error(),
            errc::integrity_check_failed);
  EXPECT_EQ(psk_auth(IkePrf::hmac_sha256, {}, octets).error(), errc::bad_key);
}

}  // namespace
}  // namespace pqbranch::ikev2
