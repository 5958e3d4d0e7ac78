#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/wire/release_path.hpp"
#include "pqbranch/wire/release_report.hpp"

namespace pqbranch::wire {
namespace {

TEST(ReleasePath, ManifestPackageAndReportTargetsParse) {
  auto m = parse_release_target("/v1/releases/stable/manifest");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(*m, (ReleaseTarget{"stable", ReleaseResource::manifest, {}}));
  auto p = parse_release_target("/v1/releases/edge-2/pqbranch-agent_0.2.0+b1~x_amd64.deb");
  ASSERT_TRUE(p.has_value()) << p.error().message();
  EXPECT_EQ(*p, (ReleaseTarget{"edge-2", ReleaseResource::package,
                               "pqbranch-agent_0.2.0+b1~x_amd64.deb"}));
  auto r = parse_release_target("/v1/releases/stable/report");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->resource, ReleaseResource::report);
}

TEST(ReleasePath, TargetsRoundTrip) {
  for (const ReleaseTarget& t :
       {ReleaseTarget{"stable", ReleaseResource::manifest, {}},
        ReleaseTarget{"stable", ReleaseResource::report, {}},
        ReleaseTarget{"beta", ReleaseResource::package, "a_1.0_amd64.deb"}}) {
    auto back = parse_release_target(release_target(t));
    ASSERT_TRUE(back.has_value()) << release_target(t);
    EXPECT_EQ(*back, t);
  }
}

TEST(ReleasePath, TraversalEncodingsCaseAndLengthAreRefused) {
  const std::string long_channel(kMaxChannelBytes + 1, 'a');
  const std::string long_file = std::string(kMaxPackageNameBytes - 3, 'a') + ".deb";
  for (const std::string& target : std::vector<std::string>{
           "/v1/releases/stable/../manifest",
           "/v1/releases/../stable/manifest",
           "/v1/releases/stable/..",
           "/v1/releases/stable/%2e%2e",
           "/v1/releases/stable/%2e%2e%2fetc%2fpasswd.deb",
           "/v1/releases/stable/sub/x.deb",
           "/v1/releases/stable//x.deb",
           "/v1/releases/stable/",
           "/v1/releases/stable",
           "/v1/releases//manifest",
           "/v1/releases/Stable/manifest",
           "/v1/releases/stable/X.deb",
           "/v1/releases/stable/x.DEB",
           "/v1/releases/stable/x.tar",
           "/v1/releases/stable/.deb",
           "/v1/releases/stable/.x.deb",
           "/v1/releases/stable/-x.deb",
           "/v1/releases/stable/x y.deb",
           "/v1/releases/stable/manifest?x=1",
           "/v1/releases/stable/x.deb\\",
           "/v1/releases/" + long_channel + "/manifest",
           "/v1/releases/stable/" + long_file,
           "/v1/generation",
       }) {
    EXPECT_FALSE(parse_release_target(target).has_value()) << target;
  }
  EXPECT_TRUE(is_package_name(std::string(kMaxPackageNameBytes - 4, 'a') + ".deb"));
  EXPECT_TRUE(is_channel_name(std::string(kMaxChannelBytes, 'a')));
}

TEST(ReleaseReport, EncodesAndDecodesTheDocumentedBody) {
  const ReleaseReport report{"0.2.0", ReleaseResult::rolled_back};
  EXPECT_EQ(encode(report), R"({"version":"0.2.0","result":"rolled-back"})");
  auto back = decode_release_report(R"({"result":"installed","version":"1:0.2.0-1~b2"})");
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, (ReleaseReport{"1:0.2.0-1~b2", ReleaseResult::installed}));
}

TEST(ReleaseReport, MalformedReportsAreRefusedWithACode) {
  const std::string big(kMaxReportBodyBytes + 1, ' ');
  const std::pair<std::string, errc> cases[] = {
      {"", errc::malformed_json},
      {"{", errc::malformed_json},
      {R"({"version":"0.2.0"})", errc::missing_field},
      {R"({"result":"failed"})", errc::missing_field},
      {R"({"version":"0.2.0","result":"exploded"})", errc::bad_value},
      {R"({"version":"0.2.0","result":"failed","site":"x"})", errc::unknown_field},
      {R"({"version":"0.2.0","version":"0.3.0","result":"failed"})", errc::duplicate_field},
      {R"({"version":2,"result":"failed"})", errc::wrong_type},
      {R"j({"version":"v0.2 $(reboot)","result":"failed"})j", errc::bad_value},
      {R"({"version":"0.2.0\n","result":"failed"})", errc::bad_value},
      {big, errc::body_too_large},
  };
  for (const auto& [body, code] : cases) {
    auto r = decode_release_report(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, make_error_code(code)) << body << ": " << r.error().message();
  }
}

}  // namespace
}  // namespace pqbranch::wire
