#include "pqbranch/xfrm/validate.hpp"

#include <functional>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/ownership.hpp"

#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::addr;
using test::prefix;
using test::sample_sa;

// Applies `change` to a valid SA and expects invalid_parameter mentioning `words`.
void expect_rejected(const std::function<void(Sa&)>& change, const std::string& words) {
  Sa sa = sample_sa(SaDirection::in, 0x1234);
  change(sa);
  const auto r = validate(sa);
  ASSERT_FALSE(r.has_value()) << "accepted; expected: " << words;
  EXPECT_EQ(r.error().code, errc::invalid_parameter);
  EXPECT_NE(r.error().detail.find(words), std::string::npos) << r.error().detail;
}

TEST(XfrmValidate, SampleSasAreValidInBothDirections) {
  EXPECT_TRUE(validate(sample_sa(SaDirection::in, 0x1234)).has_value());
  EXPECT_TRUE(validate(sample_sa(SaDirection::out, 0x1234)).has_value());
}

TEST(XfrmValidate, RejectsBadSaParameters) {
  expect_rejected([](Sa& sa) { sa.aead_key = core::SecureBytes(32); }, "36-byte key");
  expect_rejected([](Sa& sa) { sa.aead_key = core::SecureBytes(); }, "got 0");
  expect_rejected([](Sa& sa) { sa.replay_window = 1023; }, "replay window 1023");
  expect_rejected([](Sa& sa) { sa.replay_window = 4097; }, "replay window 4097");
  expect_rejected([](Sa& sa) { sa.dst = addr("2001:db8::1"); }, "different families");
  expect_rejected([](Sa& sa) { sa.src = addr("0.0.0.0"); }, "must be set");
  expect_rejected([](Sa& sa) { sa.spi = 255; }, "reserved");
  expect_rejected([](Sa& sa) { sa.reqid = 0; }, "reqid");
  expect_rejected([](Sa& sa) { sa.proto = static_cast<Proto>(51); }, "ESP");
  expect_rejected([](Sa& sa) { sa.mode = static_cast<Mode>(4); }, "mode");
  expect_rejected([](Sa& sa) { sa.direction = static_cast<SaDirection>(0); }, "direction");
  expect_rejected([](Sa& sa) { sa.esn = false; }, "below 2^32");
  expect_rejected(
      [](Sa& sa) {
        sa.lifetime.soft_bytes = 200;
        sa.lifetime.hard_bytes = 100;
      },
      "soft byte limit 200");
  expect_rejected(
      [](Sa& sa) {
        sa.lifetime.soft_add = std::chrono::seconds(60);
        sa.lifetime.hard_add = std::chrono::seconds(30);
      },
      "soft add-time");
  expect_rejected([](Sa& sa) { sa.encap = Encap{3, 4500, 4500, {}}; }, "UDP_ENCAP_ESPINUDP");
  expect_rejected([](Sa& sa) { sa.encap = Encap{kEncapEspInUdp, 0, 4500, {}}; }, "ports");
  expect_rejected([](Sa& sa) { sa.encap = Encap{kEncapEspInUdp, 4500, 4500, addr("2001:db8::1")}; },
                  "original address");
  expect_rejected([](Sa& sa) { sa.mark = Mark{0x3, 0x1}; }, "outside its mask");
  expect_rejected([](Sa& sa) { sa.output_mark = Mark{0x10, 0x0f}; }, "output mark");
  expect_rejected(
      [](Sa& sa) { sa.selector = Selector{prefix("10.0.0.0/8"), prefix("2001:db8::/32")}; },
      "different families");
}

TEST(XfrmValidate, OutboundWindowIsIgnoredAndNonEsnNeedsAPacketLimit) {
  Sa out = sample_sa(SaDirection::out, 0x1234);
  out.replay_window = 0;  // sent as 0 anyway
  EXPECT_TRUE(validate(out).has_value());
  out.esn = false;
  out.lifetime.hard_packets = (std::uint64_t{1} << 32) - 1;
  EXPECT_TRUE(validate(out).has_value());
}

TEST(XfrmValidate, RejectsBadSpiRequests) {
  SpiRequest r = test::sample_spi_request(SaDirection::in);
  EXPECT_TRUE(validate(r).has_value());
  r.min_spi = 0x2000;
  r.max_spi = 0x1000;
  EXPECT_EQ(validate(r).error().code, errc::invalid_parameter);
  r = test::sample_spi_request(SaDirection::in);
  r.min_spi = 1;
  EXPECT_NE(validate(r).error().detail.find("SPI range"), std::string::npos);
  r = test::sample_spi_request(SaDirection::in);
  r.reqid = 0;
  EXPECT_FALSE(validate(r).has_value());
}

TEST(XfrmValidate, RejectsBadPolicies) {
  Policy p = test::sample_policy(PolicyDirection::out);
  EXPECT_TRUE(validate(p).has_value());
  p.action = PolicyAction::block;
  EXPECT_NE(validate(p).error().detail.find("block policy takes no templates"), std::string::npos);
  p = test::sample_policy(PolicyDirection::out);
  p.templates[0].reqid = 0;
  EXPECT_FALSE(validate(p).has_value());
  p = test::sample_policy(PolicyDirection::out);
  p.templates[0].dst = addr("2001:db8::2");
  EXPECT_NE(validate(p).error().detail.find("different families"), std::string::npos);
  p = test::sample_policy(PolicyDirection::out);
  p.direction = static_cast<PolicyDirection>(3);
  EXPECT_FALSE(validate(p).has_value());
  p = test::sample_policy(PolicyDirection::out);
  p.selector.dst_port = 443;  // no protocol
  EXPECT_NE(validate(p).error().detail.find("ports need a protocol"), std::string::npos);
  p.selector.proto = 6;
  EXPECT_TRUE(validate(p).has_value());
  Policy bypass;
  bypass.selector = Selector{prefix("192.0.2.0/24"), prefix("198.51.100.0/24")};
  EXPECT_TRUE(validate(bypass).has_value());
}

TEST(XfrmValidate, RejectsBadInterfaces) {
  EXPECT_TRUE(validate(XfrmInterface{"pqb0", 7, "eth0"}).has_value());
  EXPECT_TRUE(validate(XfrmInterface{"pqb0", 7, ""}).has_value());
  EXPECT_FALSE(validate(XfrmInterface{"", 7, ""}).has_value());
  EXPECT_FALSE(validate(XfrmInterface{"a-name-too-long!", 7, ""}).has_value());
  EXPECT_FALSE(validate(XfrmInterface{"a/b", 7, ""}).has_value());
  EXPECT_FALSE(validate(XfrmInterface{"pqb0", 0, ""}).has_value());
  EXPECT_FALSE(validate(XfrmInterface{"pqb0", 7, "bad dev"}).has_value());
}

TEST(XfrmOwnership, ReqidRangeAndRouteModeIfId) {
  Ownership policy_mode;
  SaState sa;
  sa.reqid = test::kSampleReqid;
  EXPECT_TRUE(owns(policy_mode, sa));
  sa.reqid = 1;  // strongSwan's first reqid
  EXPECT_FALSE(owns(policy_mode, sa));

  Ownership route_mode;
  route_mode.if_id = 42;
  sa.reqid = test::kSampleReqid;
  EXPECT_FALSE(owns(route_mode, sa));
  sa.if_id = 42;
  EXPECT_TRUE(owns(route_mode, sa));

  Policy p = test::sample_policy(PolicyDirection::out);
  EXPECT_TRUE(owns(policy_mode, p));
  p.templates.push_back(p.templates[0]);
  p.templates[1].reqid = 7;  // one foreign template: not ours
  EXPECT_FALSE(owns(policy_mode, p));
  Policy bypass;  // no reqid: ours only by if_id in route mode
  EXPECT_FALSE(owns(policy_mode, bypass));
  bypass.if_id = 42;
  EXPECT_TRUE(owns(route_mode, bypass));

  EXPECT_FALSE(validate(Ownership{0, 10, {}}).has_value());
  EXPECT_FALSE(validate(Ownership{10, 9, {}}).has_value());
  EXPECT_FALSE(validate(Ownership{1, 9, 0U}).has_value());
  EXPECT_TRUE(validate(Ownership{1, 9, 5U}).has_value());
}

}  // namespace
}  // namespace pqbranch::xfrm
