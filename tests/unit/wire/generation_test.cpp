#include "pqbranch/wire/generation.hpp"

#include <gtest/gtest.h>

#include "pqbranch/wire/protocol.hpp"

#include "samples.hpp"

namespace pqbranch::wire {
namespace {

using testing::kRequestJson;
using testing::kResponseJson;

TEST(GenerationRequest, RoundTripsWithAndWithoutNat) {
  auto request = testing::sample_request();
  auto decoded = decode_generation_request(encode(request));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  EXPECT_EQ(*decoded, request);

  request.nat = std::nullopt;
  request.current_generation = 0;
  request.capabilities = {};
  decoded = decode_generation_request(encode(request));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  EXPECT_EQ(*decoded, request);
  EXPECT_NE(encode(request).find(R"("nat":null)"), std::string::npos);
}

TEST(GenerationRequest, DecodesAPeersBody) {
  const auto r = decode_generation_request(kRequestJson);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->agent_version, "0.1.0");
  EXPECT_EQ(r->current_generation, 0U);
  EXPECT_EQ(r->agent_spi, kMinSpi);
  ASSERT_TRUE(r->nat.has_value());
  EXPECT_EQ(r->nat->source_port, 4500);
  EXPECT_EQ(r->capabilities, (Capabilities{true, true, true, true}));
}

TEST(GenerationRequest, SpiBoundsFollowRfc4303) {
  auto with_spi = [](const std::string& spi) {
    auto body = kRequestJson;
    body.replace(body.find("256"), 3, spi);
    return decode_generation_request(body);
  };
  EXPECT_EQ(with_spi("255").error().code, errc::out_of_range);
  EXPECT_EQ(with_spi("0").error().code, errc::out_of_range);
  EXPECT_EQ(with_spi("4294967296").error().code, errc::out_of_range);
  EXPECT_EQ(with_spi("-256").error().code, errc::negative_number);
  EXPECT_EQ(with_spi("256.0").error().code, errc::wrong_type);
  EXPECT_EQ(with_spi("\"256\"").error().code, errc::wrong_type);
  EXPECT_EQ(with_spi("4294967295")->agent_spi, 0xffffffffU);
  const auto e = with_spi("255").error();
  EXPECT_NE(e.detail.find("agent_spi"), std::string::npos) << e.detail;
}

TEST(GenerationRequest, UnknownCapabilitiesAreSkippedDuplicatesRefused) {
  auto with_caps = [](const std::string& caps) {
    auto body = kRequestJson;
    const std::string old = R"(["esn","natt","route","policy"])";
    body.replace(body.find(old), old.size(), caps);
    return decode_generation_request(body);
  };
  const auto newer = with_caps(R"(["esn","mobike"])");
  ASSERT_TRUE(newer.has_value()) << newer.error().message();
  EXPECT_EQ(newer->capabilities, (Capabilities{.esn = true}));
  EXPECT_EQ(with_caps(R"(["esn","esn"])").error().code, errc::duplicate_field);
  EXPECT_EQ(with_caps(R"(["esn",1])").error().code, errc::wrong_type);
  EXPECT_EQ(with_caps(R"("esn")").error().code, errc::wrong_type);
  EXPECT_EQ(with_caps(R"(["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"])")
                .error()
                .code,
            errc::too_many_items);
  EXPECT_EQ(with_caps(R"(["esn","xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])").error().code,
            errc::too_long);
}

TEST(GenerationRequest, AgentVersionIsPlainText) {
  auto with_version = [](const std::string& v) {
    auto body = kRequestJson;
    body.replace(body.find("\"0.1.0\""), 7, v);
    return decode_generation_request(body);
  };
  EXPECT_EQ(with_version(R"("1.2.3-rc1+deb13~1")")->agent_version, "1.2.3-rc1+deb13~1");
  EXPECT_EQ(with_version(R"("")").error().code, errc::bad_value);
  EXPECT_EQ(with_version(R"("1.0 beta")").error().code, errc::bad_value);
  EXPECT_EQ(with_version(R"("1.0\n")").error().code, errc::bad_value);
  EXPECT_EQ(with_version('"' + std::string(65, '1') + '"').error().code, errc::too_long);
}

TEST(GenerationResponse, RoundTripsBothModes) {
  for (const auto& response :
       {testing::sample_policy_response(), testing::sample_route_response()}) {
    const auto body = encode(response);
    const auto decoded = decode_generation_response(body);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message() << "\n" << body;
    EXPECT_EQ(*decoded, response);
    // The constants of version 1 are written out.
    EXPECT_NE(body.find(R"("icv_bytes":16)"), std::string::npos);
    EXPECT_NE(body.find(R"("esn":true)"), std::string::npos);
  }
}

TEST(GenerationResponse, DecodesAPeersBody) {
  const auto r = decode_generation_response(kResponseJson);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->generation, 42U);
  EXPECT_EQ(r->edge_spi, 4096U);
  EXPECT_EQ(r->tunnel.mode, TunnelMode::policy);
  EXPECT_EQ(r->tunnel.agent_outer, testing::address("192.0.2.10"));
  ASSERT_EQ(r->tunnel.selectors.size(), 1U);
  EXPECT_EQ(r->tunnel.selectors[0].edge, testing::prefix("10.9.0.0/16"));
  ASSERT_TRUE(r->tunnel.encap.has_value());
  EXPECT_EQ(r->tunnel.encap->agent_port, 40001);
}

TEST(GenerationResponse, SelectorCountIsBounded) {
  auto response = testing::sample_policy_response();
  response.tunnel.selectors.clear();
  for (std::size_t i = 0; i < kMaxSelectors; ++i) {
    const std::string agent = "10." + std::to_string(i) + ".0.0/16";
    response.tunnel.selectors.push_back(
        {testing::prefix(agent.c_str()), testing::prefix("192.168.0.0/16")});
  }
  ASSERT_TRUE(decode_generation_response(encode(response)).has_value());
  response.tunnel.selectors.push_back(
      {testing::prefix("172.16.0.0/12"), testing::prefix("192.168.0.0/16")});
  const auto r = decode_generation_response(encode(response));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::too_many_items);
  EXPECT_NE(r.error().detail.find("tunnel.selectors"), std::string::npos);
}

TEST(TunnelMode, HasItsWireNames) {
  EXPECT_EQ(to_string(TunnelMode::route), "route");
  EXPECT_EQ(to_string(TunnelMode::policy), "policy");
}

}  // namespace
}  // namespace pqbranch::wire
