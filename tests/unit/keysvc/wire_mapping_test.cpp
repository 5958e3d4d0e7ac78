#include "pqbranch/keysvc/wire_mapping.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/wire/errc.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "fakes/ip_text.hpp"

namespace pqbranch::keysvc {
namespace {

using test::ip;
using test::net;
xfrm::Selector flow(const char* agent, const char* edge) {
  xfrm::Selector s;
  s.src = net(agent);
  s.dst = net(edge);
  return s;
}

rotation::GenerationOffer policy_offer() {
  rotation::GenerationOffer o;
  o.generation = 42;
  o.edge_generation = 41;
  o.agent_spi = 0xc0ffee01;
  o.edge_spi = 0x1000;
  o.lifetime.soft_add = std::chrono::seconds(3000);
  o.lifetime.hard_add = std::chrono::seconds(3600);
  o.tunnel = {ip("203.0.113.7"),
              ip("198.51.100.1"),
              {flow("10.1.0.0/16", "10.9.0.0/16"), flow("10.2.0.0/24", "0.0.0.0/0")},
              0};
  xfrm::Encap e;
  e.src_port = 4500;   // the edge's
  e.dst_port = 40001;  // the agent's, after NAT
  o.encap = e;
  return o;
}

rotation::GenerationOffer route_offer() {
  rotation::GenerationOffer o;
  o.generation = 1;
  o.edge_generation = 0;
  o.agent_spi = 0x100;
  o.edge_spi = 0xffffffff;
  o.lifetime.soft_add = std::chrono::seconds(1);
  o.lifetime.hard_add = std::chrono::seconds(2);
  o.lifetime.soft_bytes = 1;
  o.lifetime.hard_bytes = std::uint64_t{1} << 40;
  o.tunnel = {ip("2001:db8::10"), ip("2001:db8:ffff::1"), {flow("10.1.0.0/16", "10.9.0.0/16")}, 7};
  return o;
}

TEST(WireMapping, RequestRoundTripsWithAndWithoutNat) {
  const wire::Capabilities caps{.esn = true, .natt = true, .route = false, .policy = true};
  for (const rotation::GenerationRequest& request :
       {rotation::GenerationRequest{41, 0xc0ffee01, 4500},
        rotation::GenerationRequest{0, 0x100, std::nullopt}}) {
    const std::string body = encode_request(request, "0.1.0", caps);
    const auto w = wire::decode_generation_request(body);
    ASSERT_TRUE(w.has_value()) << w.error().message();
    EXPECT_EQ(w->agent_version, "0.1.0");
    EXPECT_EQ(w->capabilities, caps);
    EXPECT_EQ(w->nat.has_value(), request.nat_source_port.has_value());
    const auto back = decode_request(body);
    ASSERT_TRUE(back.has_value()) << back.error().message();
    EXPECT_EQ(*back, request);
  }
}

TEST(WireMapping, OfferRoundTripsInBothModes) {
  for (const rotation::GenerationOffer& offer : {policy_offer(), route_offer()}) {
    const auto back = decode_offer(encode_offer(offer, 2048));
    ASSERT_TRUE(back.has_value()) << back.error().message();
    EXPECT_EQ(*back, offer);
  }
}

TEST(WireMapping, OfferFieldsLandWhereTheDocumentSays) {
  const auto policy = to_wire(policy_offer(), 1024);
  EXPECT_EQ(policy.tunnel.mode, wire::TunnelMode::policy);
  EXPECT_FALSE(policy.tunnel.if_id.has_value());
  ASSERT_TRUE(policy.tunnel.encap.has_value());
  EXPECT_EQ(policy.tunnel.encap->agent_port, 40001);
  EXPECT_EQ(policy.tunnel.encap->edge_port, 4500);
  EXPECT_EQ(policy.tunnel.selectors.at(0).agent, net("10.1.0.0/16"));
  EXPECT_EQ(policy.tunnel.selectors.at(0).edge, net("10.9.0.0/16"));
  EXPECT_EQ(policy.lifetime.soft_bytes, 0U);  // no byte limit
  EXPECT_EQ(policy.lifetime.hard_bytes, 0U);
  EXPECT_EQ(policy.edge_generation, 41U);
  EXPECT_EQ(policy.agent_spi, 0xc0ffee01U);
  EXPECT_EQ(policy.replay_window, 1024U);

  const auto route = to_wire(route_offer(), 4096);
  EXPECT_EQ(route.tunnel.mode, wire::TunnelMode::route);
  EXPECT_EQ(route.tunnel.if_id, 7U);
  EXPECT_FALSE(route.tunnel.encap.has_value());
  EXPECT_EQ(route.lifetime.hard_bytes, std::uint64_t{1} << 40);
}

TEST(WireMapping, AckRoundTrips) {
  const rotation::GenerationAck ack{9, 0x1234, 0xfffffff0};
  const auto back = decode_ack(encode_ack(ack));
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, ack);
}

TEST(WireMapping, EveryRefusalCodeMapsOneToOne) {
  std::set<wire::ErrorCode> seen;
  for (auto c = static_cast<int>(rotation::RefusalCode::bad_request);
       c <= static_cast<int>(rotation::RefusalCode::payload_too_large); ++c) {
    const auto code = static_cast<rotation::RefusalCode>(c);
    const wire::ErrorCode w = to_wire(code);
    EXPECT_TRUE(seen.insert(w).second) << to_string(code);
    EXPECT_EQ(from_wire(w), code) << to_string(code);
    EXPECT_EQ(wire::to_string(w), std::string(to_string(code)) == "internal_error"
                                      ? "internal"
                                      : std::string(to_string(code)));
  }
  EXPECT_EQ(seen.size(), 11U);  // every wire::ErrorCode
  EXPECT_EQ(http_status(rotation::RefusalCode::busy), 429U);
  EXPECT_EQ(http_status(rotation::RefusalCode::unknown_site), 403U);
  EXPECT_EQ(http_status(rotation::RefusalCode::bad_request), 400U);
}

TEST(WireMapping, RefusalDetailIsMadeSafeForTheWire) {
  const rotation::Refusal hostile{rotation::RefusalCode::internal_error,
                                  "kernel said \x1b[31m\n\xc3\xa9" + std::string(2000, 'x')};
  const std::string body = encode_refusal(hostile);
  const auto back = decode_refusal(body);
  ASSERT_TRUE(back.has_value()) << back.error().message() << body;
  EXPECT_EQ(back->code, rotation::RefusalCode::internal_error);
  EXPECT_EQ(back->detail.size(), wire::kMaxErrorMessageBytes);
  EXPECT_EQ(back->detail.substr(0, 30), "kernel said \\x1b[31m\\n\\xc3\\xa9");
  EXPECT_EQ(back->detail.substr(back->detail.size() - 3), "...");
}

TEST(WireMapping, BadBodiesGiveTheWireError) {
  EXPECT_EQ(decode_request("{}").error().code, wire::errc::missing_field);
  EXPECT_EQ(decode_offer(R"({"version":2})").error().code, wire::errc::unsupported_version);
  EXPECT_EQ(decode_ack(R"({"version":1,"generation":1,"agent_spi":256,"edge_spi":256,"x":1})")
                .error()
                .code,
            wire::errc::unknown_field);
  EXPECT_EQ(decode_refusal("[").error().code, wire::errc::malformed_json);
  EXPECT_EQ(decode_request(std::string(wire::kMaxBodyBytes + 1, ' ')).error().code,
            wire::errc::body_too_large);
}

}  // namespace
}  // namespace pqbranch::keysvc
