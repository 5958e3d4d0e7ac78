#include "pqbranch/ikev2/initiator_settings.hpp"

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/key_exchange.hpp"

namespace pqbranch::ikev2 {
namespace {

// A PSK file in a private temporary directory, removed afterwards.
class PskFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pqb-psk-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    peer_.auth = config::IkeAuth::psk;
    peer_.psk_file = dir_ / "peer.psk";
    peer_.local_id = config::parse_ike_identity("192.0.2.10").value();
    peer_.remote_id = config::parse_ike_identity("hq.example").value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& content, mode_t mode) {
    std::ofstream(peer_.psk_file, std::ios::binary) << content;
    ::chmod(peer_.psk_file.c_str(), mode);
  }

  std::filesystem::path dir_;
  config::Ikev2PeerSettings peer_;
};

TEST_F(PskFile, ReadsTheSecretWithoutTrailingNewlines) {
  write("s3cret value of 25 bytes\r\n\n", 0600);
  auto s = make_initiator_settings(peer_);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  const std::string expected = "s3cret value of 25 bytes";
  ASSERT_NE(s->psk, nullptr);
  EXPECT_TRUE(s->psk->equals(
      std::span(reinterpret_cast<const std::uint8_t*>(expected.data()), expected.size())));
  // IP identities carry the address's bytes (RFC 7296 §3.5), others the text.
  EXPECT_EQ(s->local_id.type, IdType::ipv4_addr);
  EXPECT_EQ(s->local_id.data, (std::vector<std::uint8_t>{192, 0, 2, 10}));
  EXPECT_FALSE(s->remote_id.initiator);
  EXPECT_EQ(std::string(s->remote_id.data.begin(), s->remote_id.data.end()), "hq.example");
}

TEST_F(PskFile, ACopyCarriesEverySettingAndSharesTheOneCopyOfTheSecret) {
  write("s3cret value of 25 bytes\n", 0600);
  peer_.allow_classical = true;
  peer_.nat_traversal = config::NatMode::force;
  peer_.fragment_size = 1000;
  peer_.local_ts = {core::IpPrefix::parse("10.1.0.0/24").value()};
  peer_.remote_ts = {core::IpPrefix::parse("10.2.0.0/24").value()};
  auto s = make_initiator_settings(peer_);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  const InitiatorSettings c = *s;
  EXPECT_EQ(c.proposals, s->proposals);
  EXPECT_EQ(c.esp, s->esp);
  EXPECT_TRUE(c.allow_classical);
  EXPECT_EQ(c.local_id, s->local_id);
  EXPECT_EQ(c.remote_id, s->remote_id);
  EXPECT_EQ(c.auth, config::IkeAuth::psk);
  ASSERT_NE(c.psk, nullptr);
  EXPECT_EQ(c.psk.get(), s->psk.get());  // the same buffer, not a second copy of the key
  EXPECT_TRUE(c.psk->equals(s->psk->span()));
  EXPECT_EQ(c.local_ts, s->local_ts);
  EXPECT_EQ(c.remote_ts, s->remote_ts);
  EXPECT_TRUE(c.force_encap);
  EXPECT_EQ(c.fragment_size, 1000);
}

TEST_F(PskFile, RefusesFilesOthersMayReadAndEmptyOrMissingOnes) {
  write("secret\n", 0644);
  auto open = make_initiator_settings(peer_);
  ASSERT_FALSE(open.has_value());
  EXPECT_EQ(open.error().code, exchange_errc::credentials);
  EXPECT_NE(open.error().detail.find("chmod 600"), std::string::npos) << open.error().detail;
  write("\n", 0400);
  auto empty = make_initiator_settings(peer_);
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().detail.find("empty"), std::string::npos);
  std::filesystem::remove(peer_.psk_file);
  auto missing = make_initiator_settings(peer_);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().detail.find(peer_.psk_file.string()), std::string::npos);
}

TEST_F(PskFile, RefusesKeysShorterThan16BytesNamingTheKeyAndItsFile) {
  write("fifteen bytes!!\n", 0600);  // 15 bytes once the newline is stripped
  auto short_key = make_initiator_settings(peer_);
  ASSERT_FALSE(short_key.has_value());
  EXPECT_EQ(short_key.error().code, exchange_errc::credentials);
  const auto& detail = short_key.error().detail;
  EXPECT_NE(detail.find("psk_file " + peer_.psk_file.string()), std::string::npos) << detail;
  EXPECT_NE(detail.find("15 bytes; at least 16"), std::string::npos) << detail;
  write("sixteen bytes!!!\n", 0600);
  EXPECT_TRUE(make_initiator_settings(peer_).has_value());
}

TEST(KeyExchange, BothSidesAgreeAndWrongSizesAreRefused) {
  for (const auto m : {KeMethod::ecp256, KeMethod::ecp384, KeMethod::x25519, KeMethod::mlkem768,
                       KeMethod::mlkem1024}) {
    SCOPED_TRACE(static_cast<int>(m));
    auto ours = KeyExchange::start(m);
    ASSERT_TRUE(ours.has_value()) << ours.error().message();
    auto theirs = respond(m, ours->public_data());
    ASSERT_TRUE(theirs.has_value()) << theirs.error().message();
    auto shared = ours->finish(theirs->data);
    ASSERT_TRUE(shared.has_value()) << shared.error().message();
    EXPECT_TRUE(shared->equals(theirs->shared_secret.span()));
    auto short_data = theirs->data;
    short_data.pop_back();
    EXPECT_FALSE(ours->finish(short_data).has_value());
    auto initiator_short = ours->public_data();
    initiator_short.pop_back();
    EXPECT_FALSE(respond(m, initiator_short).has_value());
  }
  EXPECT_FALSE(KeyExchange::start(KeMethod::mlkem512).has_value());
}

TEST(KeyExchange, EcpValuesOffTheCurveAreRefused) {
  auto ours = KeyExchange::start(KeMethod::ecp256);
  ASSERT_TRUE(ours.has_value());
  const std::vector<std::uint8_t> off_curve(64, 0x01);
  EXPECT_FALSE(ours->finish(off_curve).has_value());
}

}  // namespace
}  // namespace pqbranch::ikev2
