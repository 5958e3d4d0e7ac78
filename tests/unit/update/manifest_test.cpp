#include "pqbranch/update/manifest.hpp"

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "pqbranch/core/base64.hpp"
#include "pqbranch/update/errc.hpp"

#include "fakes/release_samples.hpp"

namespace pqbranch::update {
namespace {

using namespace std::chrono;

const std::string kSha = std::string(62, 'a') + "0f";
// The example of docs/updates.md, with two stand-in signatures.
const std::string kBody =
    "pqbranch-release 1\n"
    "channel=stable\n"
    "version=0.2.0\n"
    "package=pqbranch-agent_0.2.0_amd64.deb\n"
    "size=1025640\n"
    "sha256=" +
    kSha +
    "\n"
    "minimum_version=0.1.0\n"
    "not_before=2026-12-04T00:00:00Z\n"
    "expires=2026-12-11T00:00:00Z\n"
    "rollback=no\n";
const std::string kSigs = "sig-ml-dsa-65=AQID\nsig-ed25519=BAUG\n";

// kBody + kSigs with the first occurrence of `from` replaced by `to`.
std::string with(std::string_view from, std::string_view to) {
  std::string s = kBody + kSigs;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  return s;
}

void expect_malformed(const std::string& file, std::string_view detail_part) {
  auto r = parse_signed_manifest(file);
  ASSERT_FALSE(r) << file;
  EXPECT_EQ(r.error(), errc::malformed_manifest) << r.error().message();
  EXPECT_NE(r.error().detail.find(detail_part), std::string::npos)
      << "detail '" << r.error().detail << "' lacks '" << detail_part << "'";
}

TEST(Manifest, ParsesTheDocumentedExample) {
  auto r = parse_signed_manifest(kBody + kSigs);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->message, kBody);
  EXPECT_EQ(r->ml_dsa_65, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(r->ed25519, (std::vector<std::uint8_t>{4, 5, 6}));
  const Manifest& m = r->unverified;
  EXPECT_EQ(m.channel, "stable");
  EXPECT_EQ(m.version, (Version{0, 2, 0}));
  EXPECT_EQ(m.package, "pqbranch-agent_0.2.0_amd64.deb");
  EXPECT_EQ(m.size, 1025640U);
  EXPECT_EQ(m.sha256[0], 0xAA);
  EXPECT_EQ(m.sha256[31], 0x0F);
  EXPECT_EQ(m.minimum_version, (Version{0, 1, 0}));
  EXPECT_EQ(m.not_before, sys_days{year{2026} / 12 / 4});
  EXPECT_EQ(m.expires, sys_days{year{2026} / 12 / 11});
  EXPECT_FALSE(m.rollback);
  EXPECT_TRUE(parse_signed_manifest(with("rollback=no", "rollback=yes"))->unverified.rollback);
}

TEST(Manifest, MessageIsWhatParsesBackAndEndsBeforeTheSignatures) {
  const Manifest m = test::sample_manifest();
  auto message = manifest_message(m);
  ASSERT_TRUE(message) << message.error().message();
  const std::string file =
      manifest_file(*message, std::vector<std::uint8_t>{9}, std::vector<std::uint8_t>{8, 7});
  auto r = parse_signed_manifest(file);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->message, *message);
  EXPECT_EQ(r->unverified, m);
  EXPECT_EQ(file.substr(message->size(), 4), "sig-");
}

TEST(Manifest, MessageRefusesValuesTheFormatCannotCarry) {
  Manifest m = test::sample_manifest();
  m.channel = "Stable";
  EXPECT_EQ(manifest_message(m).error(), errc::malformed_manifest);
  m = test::sample_manifest();
  m.expires = m.not_before;
  EXPECT_EQ(manifest_message(m).error(), errc::malformed_manifest);
  m = test::sample_manifest();
  m.size = kMaxPackageBytes + 1;
  EXPECT_EQ(manifest_message(m).error(), errc::malformed_manifest);
}

TEST(Manifest, MissingSignatureLinesStillParseSoVerificationCanReportThem) {
  auto none = parse_signed_manifest(kBody);
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_TRUE(none->ml_dsa_65.empty());
  EXPECT_TRUE(none->ed25519.empty());
  auto only_ed = parse_signed_manifest(kBody + "sig-ed25519=BAUG\n");
  ASSERT_TRUE(only_ed);
  EXPECT_TRUE(only_ed->ml_dsa_65.empty());
  EXPECT_FALSE(only_ed->ed25519.empty());
  auto only_ml = parse_signed_manifest(kBody + "sig-ml-dsa-65=AQID\n");
  ASSERT_TRUE(only_ml);
  EXPECT_TRUE(only_ml->ed25519.empty());
}

TEST(Manifest, OverSixteenKibIsTooLargeBeforeAnythingElse) {
  std::string big = kBody + kSigs;
  big.resize(kMaxManifestBytes + 1, 'x');
  auto r = parse_signed_manifest(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::manifest_too_large);
}

TEST(Manifest, HeaderMustBeFormatOne) {
  expect_malformed(with("pqbranch-release 1", "pqbranch-release 2"), "line 1: unsupported format");
  expect_malformed(with("pqbranch-release 1", "pqbranch-release  1"), "line 1");
  expect_malformed(with("pqbranch-release 1", "\xEF\xBB\xBFpqbranch-release 1"),
                   "line 1: not a pqbranch release manifest");
  expect_malformed(with("pqbranch-release 1\n", ""), "line 1: not a pqbranch release manifest");
  expect_malformed("", "line 1: empty file");
}

TEST(Manifest, LinesEndInLfOnly) {
  expect_malformed(with("channel=stable\n", "channel=stable\r\n"), "line 2: CR in line");
  std::string no_final_lf = kBody + kSigs;
  no_final_lf.pop_back();
  expect_malformed(no_final_lf, "line 12: does not end in LF");
  expect_malformed(kBody + kSigs + "\n", "line 13: no '='");
}

TEST(Manifest, UnknownRepeatedMissingAndOutOfOrderFieldsNameTheLine) {
  expect_malformed(with("size=1025640\n", "size=1025640\narch=amd64\n"),
                   "line 6: unknown field 'arch'");
  expect_malformed(with("version=0.2.0\n", "version=0.2.0\nversion=0.2.0\n"),
                   "line 4: field 'version' repeated");
  expect_malformed(with("channel=stable\n", "channel=stable\nchannel=beta\n"),
                   "line 3: field 'channel' repeated");
  expect_malformed(with("version=0.2.0\n", ""),
                   "line 3: field 'package' out of order: expected "
                   "'version'");
  expect_malformed(with("channel=stable\nversion=0.2.0\n", "version=0.2.0\nchannel=stable\n"),
                   "line 2: field 'version' out of order: expected 'channel'");
  expect_malformed(with("rollback=no\n", ""),
                   "line 10: field 'rollback' missing before the "
                   "signatures");
  expect_malformed(kBody.substr(0, kBody.find("expires=")),
                   "line 9: file ends where field 'expires' should be");
  expect_malformed(with("size=1025640", "size 1025640"), "line 5: no '='");
  expect_malformed(with("channel=", "Channel="), "line 2: unknown field 'Channel'");
  expect_malformed(with("channel=", " channel="), "line 2: unknown field ' channel'");
}

TEST(Manifest, SignatureLinesComeOnceEachInOrderAndNothingFollowsThem) {
  expect_malformed(kBody + "sig-ed25519=BAUG\nsig-ml-dsa-65=AQID\n",
                   "line 12: field 'sig-ml-dsa-65' out of order");
  expect_malformed(kBody + kSigs + "sig-ed25519=BAUG\n", "line 13: field 'sig-ed25519' repeated");
  expect_malformed(kBody + "sig-ml-dsa-65=AQID\nsig-ml-dsa-65=AQID\n",
                   "line 12: field 'sig-ml-dsa-65' repeated");
  expect_malformed(kBody + kSigs + "rollback=yes\n",
                   "line 13: field 'rollback' after the signatures");
  expect_malformed(kBody + "sig-rsa=AQID\n" + kSigs, "line 11: unknown field 'sig-rsa'");
  expect_malformed(kBody + kSigs + "note=hello\n", "line 13: unknown field 'note'");
}

TEST(Manifest, SignatureValuesAreCanonicalBase64) {
  for (const auto* bad :
       {"", "AQI", "AQI=x", "AQ==AQID", "AQJ=", "AQ ID", "A===", "====", "AQ-_"}) {
    expect_malformed(kBody + "sig-ml-dsa-65=" + bad + "\nsig-ed25519=BAUG\n",
                     "line 11: bad sig-ml-dsa-65");
    expect_malformed(kBody + "sig-ml-dsa-65=AQID\nsig-ed25519=" + bad + "\n",
                     "line 12: bad sig-ed25519");
  }
}

TEST(Manifest, EachFieldAcceptsOnlyItsOneSpelling) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> bad = {
      {"channel=stable",
       {"channel=", "channel=Stable", "channel=sta ble", "channel=st_able",
        "channel=" + std::string(33, 'a'), "channel=stable "}},
      {"version=0.2.0",
       {"version=", "version=0.2", "version=0.2.0.1", "version=00.2.0", "version=0.02.0",
        "version=1000000.0.0", "version=0.2.0-rc1", "version=+0.2.0", "version=v0.2.0",
        "version=0..0", "version=0.2.0 "}},
      {"package=pqbranch-agent_0.2.0_amd64.deb",
       {"package=", "package=../pqbranch-agent_0.2.0_amd64.deb", "package=dir/agent.deb",
        "package=Pqbranch-agent.deb", "package=pqbranch-agent.tar", "package=.deb",
        "package=-agent.deb", "package=agent deb.deb",
        "package=" + std::string(125, 'a') + ".deb"}},
      {"size=1025640",
       {"size=", "size=0", "size=01025640", "size=268435457", "size=-1", "size=1e6",
        "size=99999999999999999999"}},
      {"sha256=" + kSha,
       {"sha256=", "sha256=" + std::string(63, 'a'), "sha256=" + std::string(65, 'a'),
        "sha256=" + std::string(64, 'A'), "sha256=" + std::string(63, 'a') + "g"}},
      {"minimum_version=0.1.0", {"minimum_version=", "minimum_version=0.1"}},
      {"not_before=2026-12-04T00:00:00Z",
       {"not_before=", "not_before=2026-12-04T00:00:00", "not_before=2026-12-04T00:00:00+00:00",
        "not_before=2026-12-04T00:00:00.5Z", "not_before=2026-12-04 00:00:00Z",
        "not_before=2026-02-30T00:00:00Z", "not_before=2026-13-01T00:00:00Z",
        "not_before=2026-12-04T24:00:00Z", "not_before=2026-12-04T00:60:00Z",
        "not_before=2026-12-04T00:00:60Z", "not_before=2026-12-04t00:00:00z"}},
      {"expires=2026-12-11T00:00:00Z",
       {"expires=2026-12-04T00:00:00Z", "expires=2026-12-03T23:59:59Z", "expires=soon"}},
      {"rollback=no", {"rollback=", "rollback=No", "rollback=false", "rollback=0"}},
  };
  for (const auto& [good, spellings] : bad) {
    const std::string field = good.substr(0, good.find('='));
    for (const auto& b : spellings) {
      auto r = parse_signed_manifest(with(good, b));
      ASSERT_FALSE(r) << b;
      EXPECT_EQ(r.error(), errc::malformed_manifest) << b;
      EXPECT_NE(r.error().detail.find("line "), std::string::npos) << r.error().detail;
      if (field != "expires") {
        EXPECT_NE(r.error().detail.find("bad " + field), std::string::npos) << r.error().detail;
      }
    }
  }
  // The bounds themselves are accepted.
  EXPECT_TRUE(parse_signed_manifest(with("size=1025640", "size=268435456")));
  EXPECT_TRUE(parse_signed_manifest(with("size=1025640", "size=1")));
  EXPECT_TRUE(parse_signed_manifest(with("version=0.2.0", "version=999999.0.10")));
  EXPECT_TRUE(parse_signed_manifest(with("channel=stable", "channel=" + std::string(32, 'z'))));
  EXPECT_TRUE(parse_signed_manifest(
      with("pqbranch-agent_0.2.0_amd64.deb", "a.b+c~d_e-0" + std::string(113, 'x') + ".deb")));
  EXPECT_TRUE(parse_signed_manifest(
      with("not_before=2026-12-04T00:00:00Z", "not_before=2024-02-29T23:59:59Z")));
}

TEST(Manifest, ExpiryMustFollowNotBefore) {
  expect_malformed(with("expires=2026-12-11T00:00:00Z", "expires=2026-12-04T00:00:00Z"),
                   "line 9: expires is not after not_before");
}

TEST(Manifest, ProblemValuesAreShownPrintableAndShort) {
  auto r =
      parse_signed_manifest(with("channel=stable", "channel=\x1b[31m" + std::string(200, 'x')));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.find('\x1b'), std::string::npos);
  EXPECT_LT(r.error().detail.size(), 100U);
}

TEST(Version, ComparesNumericallyAndPrintsBack) {
  EXPECT_LT(*parse_version("0.9.0"), *parse_version("0.10.0"));
  EXPECT_LT(*parse_version("1.2.3"), *parse_version("1.2.4"));
  EXPECT_GT(*parse_version("2.0.0"), *parse_version("1.999999.999999"));
  EXPECT_EQ(*parse_version("0.0.0"), (Version{0, 0, 0}));
  EXPECT_EQ(to_string(*parse_version("10.0.999999")), "10.0.999999");
  EXPECT_FALSE(parse_version("1.2.3."));
  EXPECT_FALSE(parse_version(".1.2.3"));
  EXPECT_FALSE(parse_version("1.2.3\n"));
}

TEST(UtcTime, FormatsWhatItParses) {
  for (const auto* t : {"2026-12-04T00:00:00Z", "1970-01-01T00:00:00Z", "2099-12-31T23:59:59Z",
                        "2028-02-29T12:34:56Z"}) {
    auto p = parse_utc_time(t);
    ASSERT_TRUE(p) << t;
    EXPECT_EQ(format_utc_time(*p), t);
  }
  EXPECT_EQ(*parse_utc_time("1970-01-01T00:01:01Z"), sys_seconds{seconds{61}});
  EXPECT_FALSE(parse_utc_time("2027-02-29T00:00:00Z"));
}

}  // namespace
}  // namespace pqbranch::update
