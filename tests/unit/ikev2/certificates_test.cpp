// The responder's certificate as IKE_AUTH checks it: a subjectAltName naming IDr (never the
// subject CN), keyUsage with digitalSignature when present, and an extendedKeyUsage that
// allows IKE when present. Certificates from the test PKI with chosen extensions.
#include "pqbranch/ikev2/certificates.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"

#include "fakes/test_pki.hpp"

namespace pqbranch::ikev2 {
namespace {

class ResponderCertificate : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = test::TestPki::create(test::PkiAlgorithm::ecdsa_p256);
    ASSERT_TRUE(pki.has_value()) << pki.error().message();
    pki_.emplace(std::move(*pki));
    auto ca = CertificateAuthority::load(pki_->ca_file());
    ASSERT_TRUE(ca.has_value()) << ca.error().message();
    ca_.emplace(std::move(*ca));
  }

  // verify() on a certificate for `name` with the given extensions, as IDr `id`.
  core::Result<crypto::PublicKey> check(const test::LeafProfile& leaf,
                                        const std::string& id = "responder.pqb.test") {
    auto issued = pki_->issue_with("responder.pqb.test", leaf, "leaf" + std::to_string(++n_));
    auto der = load_certificate_der(issued.value().certificate);
    return ca_->verify(der.value(), id_payload(config::parse_ike_identity(id).value(), false));
  }

  static void expect_refused(const core::Result<crypto::PublicKey>& r, const std::string& why) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, exchange_errc::authentication_failed);
    EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  }

  static test::LeafProfile with_san(const std::string& san) {
    test::LeafProfile leaf;
    leaf.alt_names = {san};
    return leaf;
  }

  std::optional<test::TestPki> pki_;
  std::optional<CertificateAuthority> ca_;
  int n_ = 0;
};

TEST_F(ResponderCertificate, IsAcceptedWhenASubjectAltNameNamesIdrOfItsType) {
  EXPECT_TRUE(check(with_san("DNS:responder.pqb.test")).has_value());
  EXPECT_TRUE(check(with_san("IP:192.0.2.2"), "192.0.2.2").has_value());
  EXPECT_TRUE(check(with_san("email:gw@pqb.test"), "gw@pqb.test").has_value());
  // A SAN of another type does not name the identity.
  expect_refused(check(with_san("DNS:192.0.2.2"), "192.0.2.2"), "does not name");
}

TEST_F(ResponderCertificate, NamingIdrOnlyInTheSubjectCnIsRefused) {
  test::LeafProfile cn_only;  // CN=responder.pqb.test, no subjectAltName
  expect_refused(check(cn_only), "does not name the identity in IDr");
  // Nor does a SAN of another kind let the CN count.
  expect_refused(check(with_san("IP:192.0.2.2")), "does not name the identity in IDr");
}

TEST_F(ResponderCertificate, KeyUsageWithoutDigitalSignatureIsRefused) {
  auto leaf = with_san("DNS:responder.pqb.test");
  leaf.key_usage = "critical,keyEncipherment";
  expect_refused(check(leaf), "keyUsage does not include digitalSignature");
  leaf.key_usage = "critical,nonRepudiation";
  expect_refused(check(leaf), "keyUsage does not include digitalSignature");
  leaf.key_usage = "digitalSignature,keyEncipherment";
  EXPECT_TRUE(check(leaf).has_value());
  leaf.key_usage.clear();  // no keyUsage: any use
  EXPECT_TRUE(check(leaf).has_value());
}

TEST_F(ResponderCertificate, ExtendedKeyUsageMustAllowIkeWhenPresent) {
  auto leaf = with_san("DNS:responder.pqb.test");
  for (const char* eku : {"clientAuth", "codeSigning", "emailProtection,clientAuth"}) {
    SCOPED_TRACE(eku);
    leaf.extended_key_usage = eku;
    expect_refused(check(leaf), "extendedKeyUsage allows neither IKE");
  }
  for (const char* eku : {"serverAuth", "ipsecIKE", "anyExtendedKeyUsage", "1.3.6.1.5.5.8.2.2",
                          "clientAuth,serverAuth", ""}) {
    SCOPED_TRACE(eku);
    leaf.extended_key_usage = eku;
    auto r = check(leaf);
    EXPECT_TRUE(r.has_value()) << r.error().message();
  }
}

}  // namespace
}  // namespace pqbranch::ikev2
