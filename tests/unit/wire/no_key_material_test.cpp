// No message can carry key material: the keys come from the TLS exporter on both ends.
// Checked structurally on the encoded JSON: the set of field paths is exactly the schema,
// and every leaf is a bounded integer, a boolean, null, an enum literal or an address. No
// field is free-form text or bytes, so nothing could smuggle 36 bytes of key.

#include <functional>
#include <set>
#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/generation.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "samples.hpp"

namespace pqbranch::wire {
namespace {

enum class Leaf { integer, boolean, null, literal, address, prefix };

// Walks `v`, recording every leaf's path (array indices as "[]") and checking its kind.
void walk(const boost::json::value& v, const std::string& path,
          std::set<std::pair<std::string, Leaf>>& leaves) {
  if (const auto* o = v.if_object()) {
    for (const auto& m : *o)
      walk(m.value(), path + "." + std::string(m.key()), leaves);
    return;
  }
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      walk(e, path + "[]", leaves);
    return;
  }
  if (v.is_int64() || v.is_uint64()) {
    // Within the I-JSON range: no integer holds more than 53 bits.
    EXPECT_LE(v.to_number<std::uint64_t>(), kMaxJsonInteger) << path;
    leaves.emplace(path, Leaf::integer);
  } else if (v.is_bool()) {
    leaves.emplace(path, Leaf::boolean);
  } else if (v.is_null()) {
    leaves.emplace(path, Leaf::null);
  } else if (const auto* s = v.if_string()) {
    const std::string text(s->data(), s->size());
    if (core::IpAddress::parse(text).has_value()) {
      leaves.emplace(path, Leaf::address);
    } else if (core::IpPrefix::parse(text).has_value()) {
      leaves.emplace(path, Leaf::prefix);
    } else {
      leaves.emplace(path, Leaf::literal);
    }
  } else {
    ADD_FAILURE() << path << ": unexpected kind";
  }
}

std::set<std::pair<std::string, Leaf>> leaves_of(const std::string& body) {
  std::set<std::pair<std::string, Leaf>> leaves;
  walk(boost::json::parse(body), "", leaves);
  return leaves;
}

TEST(NoKeyMaterial, GenerationResponseSchemaHasOnlyParameters) {
  auto route = testing::sample_route_response();
  route.tunnel.encap = Encap{1, 65535};
  const std::set<std::pair<std::string, Leaf>> expected = {
      {".version", Leaf::integer},
      {".generation", Leaf::integer},
      {".edge_generation", Leaf::integer},
      {".agent_spi", Leaf::integer},
      {".edge_spi", Leaf::integer},
      {".lifetime.soft_seconds", Leaf::integer},
      {".lifetime.hard_seconds", Leaf::integer},
      {".lifetime.soft_bytes", Leaf::integer},
      {".lifetime.hard_bytes", Leaf::integer},
      {".tunnel.mode", Leaf::literal},
      {".tunnel.agent_outer", Leaf::address},
      {".tunnel.edge_outer", Leaf::address},
      {".tunnel.if_id", Leaf::integer},
      {".tunnel.selectors[].agent", Leaf::prefix},
      {".tunnel.selectors[].edge", Leaf::prefix},
      {".tunnel.encap.agent_port", Leaf::integer},
      {".tunnel.encap.edge_port", Leaf::integer},
      {".replay_window", Leaf::integer},
      {".icv_bytes", Leaf::integer},
      {".esn", Leaf::boolean},
  };
  EXPECT_EQ(leaves_of(encode(route)), expected);
  // The literals are the two mode names, nothing the sender chooses freely.
  for (const auto mode : {TunnelMode::route, TunnelMode::policy}) {
    EXPECT_TRUE(to_string(mode) == "route" || to_string(mode) == "policy");
  }
}

TEST(NoKeyMaterial, RequestAndAckHaveOnlyParameters) {
  const std::set<std::pair<std::string, Leaf>> request = {
      {".version", Leaf::integer},
      {".agent_version", Leaf::literal},
      {".current_generation", Leaf::integer},
      {".agent_spi", Leaf::integer},
      {".nat.source_port", Leaf::integer},
      {".capabilities[]", Leaf::literal},
  };
  EXPECT_EQ(leaves_of(encode(testing::sample_request())), request);
  const std::set<std::pair<std::string, Leaf>> ack = {{".version", Leaf::integer},
                                                      {".generation", Leaf::integer},
                                                      {".agent_spi", Leaf::integer},
                                                      {".edge_spi", Leaf::integer}};
  EXPECT_EQ(leaves_of(encode(AckRequest{3, 0x1000, 0x2000})), ack);
}

TEST(NoKeyMaterial, AKeyFieldIsRefusedNotIgnored) {
  auto body = testing::kResponseJson;
  body.insert(body.rfind('}'), R"(,"esp_key":"000102030405060708090a0b0c0d0e0f")");
  const auto r = decode_generation_response(body);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::unknown_field);
}

}  // namespace
}  // namespace pqbranch::wire
