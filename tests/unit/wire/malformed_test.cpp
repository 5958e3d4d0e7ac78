// One table of malformed bodies: each row is a valid sample with one defect, the error it
// must produce and the field the detail must name.

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/generation.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "samples.hpp"

namespace pqbranch::wire {
namespace {

using testing::kRequestJson;
using testing::kResponseJson;

// `base` with its only occurrence of `from` replaced by `to`.
std::string with(const std::string& base, const std::string& from, const std::string& to) {
  const auto pos = base.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  EXPECT_EQ(base.find(from, pos + 1), std::string::npos) << "ambiguous: " << from;
  if (pos == std::string::npos) return base;
  return base.substr(0, pos) + to + base.substr(pos + from.size());
}

enum class Decoder { request, response };

struct Case {
  const char* name;
  Decoder decoder;
  std::string body;
  errc expected;
  const char* detail;  // must appear in the error's detail
};

core::Error decode_error(const Case& c) {
  if (c.decoder == Decoder::request) {
    auto r = decode_generation_request(c.body);
    return r.has_value() ? core::Error{} : r.error();
  }
  auto r = decode_generation_response(c.body);
  return r.has_value() ? core::Error{} : r.error();
}

std::vector<Case> cases() {
  const auto& q = kRequestJson;
  const auto& s = kResponseJson;
  const auto R = Decoder::request;
  const auto S = Decoder::response;
  std::string deep = "1";
  for (int i = 0; i < 9; ++i)
    deep = "[" + deep + "]";
  return {
      // framing
      {"empty", R, "", errc::malformed_json, ""},
      {"not json", R, "version=1", errc::malformed_json, ""},
      {"truncated", S, s.substr(0, s.size() - 1), errc::malformed_json, ""},
      {"trailing data", R, q + "{}", errc::malformed_json, ""},
      {"comment", R, "/*x*/" + q, errc::malformed_json, ""},
      {"trailing comma", R, with(q, "\"policy\"]", "\"policy\",]"), errc::malformed_json, ""},
      {"invalid utf-8", R, with(q, "0.1.0", "0.1.\xff"), errc::malformed_json, ""},
      {"too deep", R, with(q, "\"nat\":{\"source_port\":4500}", "\"nat\":" + deep),
       errc::malformed_json, ""},
      {"too large", R, q + std::string(kMaxBodyBytes, ' '), errc::body_too_large, ""},
      {"array body", R, "[" + q + "]", errc::wrong_type, "body"},
      {"duplicate at root", R, with(q, "\"agent_spi\":256", "\"agent_spi\":256,\"agent_spi\":300"),
       errc::duplicate_field, "agent_spi"},
      {"duplicate nested", S, with(s, "\"edge_port\":4500", "\"edge_port\":4500,\"edge_port\":1"),
       errc::duplicate_field, "edge_port"},
      // version
      {"version 2", R, with(q, "\"version\":1", "\"version\":2"), errc::unsupported_version, "2"},
      {"version 0", S, with(s, "\"version\":1", "\"version\":0"), errc::unsupported_version, ""},
      {"version -1", S, with(s, "\"version\":1", "\"version\":-1"), errc::unsupported_version,
       "-1"},
      {"version string", R, with(q, "\"version\":1", "\"version\":\"1\""), errc::wrong_type,
       "version"},
      {"version missing", R, with(q, "\"version\":1,", ""), errc::missing_field, "version"},
      {"version 2 with new fields", R, R"({"version":2,"hello":"world"})",
       errc::unsupported_version, ""},
      // unknown and missing fields
      {"unknown at root", R, with(q, "\"agent_spi\"", "\"esp_key\":\"00\",\"agent_spi\""),
       errc::unknown_field, "esp_key"},
      {"unknown in tunnel", S, with(s, "\"mode\"", "\"key\":1,\"mode\""), errc::unknown_field,
       "tunnel.key"},
      {"unknown in selector", S,
       with(s, "\"edge\":\"10.9.0.0/16\"", "\"edge\":\"10.9.0.0/16\",\"x\":1"), errc::unknown_field,
       "tunnel.selectors[0].x"},
      {"unknown in lifetime", S, with(s, "\"hard_bytes\":0", "\"hard_bytes\":0,\"salt\":0"),
       errc::unknown_field, "lifetime.salt"},
      {"unknown in nat", R, with(q, "{\"source_port\":4500}", "{\"source_port\":4500,\"ip\":1}"),
       errc::unknown_field, "nat.ip"},
      {"missing agent_spi", R, with(q, "\"agent_spi\":256,", ""), errc::missing_field, "agent_spi"},
      {"missing nat", R, with(q, "\"nat\":{\"source_port\":4500},", ""), errc::missing_field,
       "nat"},
      {"missing if_id", S, with(s, "\"if_id\":null,", ""), errc::missing_field, "tunnel.if_id"},
      {"missing esn", S, with(s, ",\"esn\":true", ""), errc::missing_field, "esn"},
      {"missing hard_seconds", S, with(s, "\"hard_seconds\":3600,", ""), errc::missing_field,
       "lifetime.hard_seconds"},
      // types
      {"generation as string", S, with(s, "\"generation\":42", "\"generation\":\"42\""),
       errc::wrong_type, "generation"},
      {"generation fraction", S, with(s, "\"generation\":42", "\"generation\":42.5"),
       errc::wrong_type, "generation"},
      {"generation exponent", S, with(s, "\"generation\":42", "\"generation\":4e1"),
       errc::wrong_type, "generation"},
      {"nat as number", R, with(q, "{\"source_port\":4500}", "4500"), errc::wrong_type, "nat"},
      {"tunnel null", S, with(s, "\"tunnel\":{", "\"tunnel\":null,\"t\":{"), errc::wrong_type,
       "tunnel"},
      {"esn as string", S, with(s, "\"esn\":true", "\"esn\":\"true\""), errc::wrong_type, "esn"},
      {"selector as string", S,
       with(s, "{\"agent\":\"10.1.0.0/16\",\"edge\":\"10.9.0.0/16\"}", "\"10.1.0.0/16\""),
       errc::wrong_type, "tunnel.selectors[0]"},
      // numbers
      {"negative generation", R, with(q, "\"current_generation\":0", "\"current_generation\":-1"),
       errc::negative_number, "current_generation"},
      {"generation above 2^53", S, with(s, "\"generation\":42", "\"generation\":9007199254740992"),
       errc::out_of_range, "generation"},
      {"generation above 2^64", S,
       with(s, "\"generation\":42", "\"generation\":18446744073709551616"), errc::wrong_type,
       "generation"},
      {"generation 0", S, with(s, "\"generation\":42", "\"generation\":0"), errc::out_of_range,
       "generation"},
      {"edge_generation not below generation", S,
       with(s, "\"edge_generation\":41", "\"edge_generation\":42"), errc::out_of_range,
       "edge_generation"},
      {"edge_generation missing", S, with(s, "\"edge_generation\":41,", ""), errc::missing_field,
       "edge_generation"},
      {"agent_spi echo reserved", S, with(s, "\"agent_spi\":3237998081", "\"agent_spi\":0"),
       errc::out_of_range, "agent_spi"},
      {"edge_spi reserved", S, with(s, "\"edge_spi\":4096", "\"edge_spi\":255"), errc::out_of_range,
       "edge_spi"},
      {"port 0", R, with(q, "\"source_port\":4500", "\"source_port\":0"), errc::out_of_range,
       "nat.source_port"},
      {"port 65536", S, with(s, "\"agent_port\":40001", "\"agent_port\":65536"), errc::out_of_range,
       "tunnel.encap.agent_port"},
      {"replay window 1023", S, with(s, "\"replay_window\":1024", "\"replay_window\":1023"),
       errc::out_of_range, "replay_window"},
      {"replay window 4097", S, with(s, "\"replay_window\":1024", "\"replay_window\":4097"),
       errc::out_of_range, "replay_window"},
      {"icv 8", S, with(s, "\"icv_bytes\":16", "\"icv_bytes\":8"), errc::bad_value, "icv_bytes"},
      {"esn off", S, with(s, "\"esn\":true", "\"esn\":false"), errc::bad_value, "esn"},
      // values and consistency
      {"unknown mode", S, with(s, "\"mode\":\"policy\"", "\"mode\":\"transport\""), errc::bad_value,
       "tunnel.mode"},
      {"route without if_id", S, with(s, "\"mode\":\"policy\"", "\"mode\":\"route\""),
       errc::inconsistent_fields, "tunnel.if_id"},
      {"policy with if_id", S, with(s, "\"if_id\":null", "\"if_id\":5"), errc::inconsistent_fields,
       "tunnel.if_id"},
      {"if_id 0", S,
       with(with(s, "\"mode\":\"policy\"", "\"mode\":\"route\""), "\"if_id\":null", "\"if_id\":0"),
       errc::out_of_range, "tunnel.if_id"},
      {"outer families differ", S, with(s, "\"198.51.100.1\"", "\"2001:db8::1\""),
       errc::inconsistent_fields, "tunnel.edge_outer"},
      {"selector families differ", S, with(s, "\"10.9.0.0/16\"", "\"2001:db8::/32\""),
       errc::inconsistent_fields, "tunnel.selectors[0]"},
      {"no selectors", S, with(s, "[{\"agent\":\"10.1.0.0/16\",\"edge\":\"10.9.0.0/16\"}]", "[]"),
       errc::bad_value, "tunnel.selectors"},
      {"duplicate selector", S,
       with(s, "{\"agent\":\"10.1.0.0/16\",\"edge\":\"10.9.0.0/16\"}",
            "{\"agent\":\"10.1.0.0/16\",\"edge\":\"10.9.0.0/16\"},"
            "{\"agent\":\"10.1.0.0/16\",\"edge\":\"10.9.0.0/16\"}"),
       errc::inconsistent_fields, "tunnel.selectors[1]"},
      {"bad address", S, with(s, "\"192.0.2.10\"", "\"192.0.2.300\""), errc::bad_address,
       "tunnel.agent_outer"},
      {"host name", S, with(s, "\"198.51.100.1\"", "\"edge.example\""), errc::bad_address,
       "tunnel.edge_outer"},
      {"NUL in address", S, with(s, "\"192.0.2.10\"", "\"192.0.2.10\\u0000x\""), errc::bad_value,
       "tunnel.agent_outer"},
      {"prefix without length", S, with(s, "\"10.9.0.0/16\"", "\"10.9.0.0\""), errc::bad_address,
       "tunnel.selectors[0].edge"},
      {"prefix host bits", S, with(s, "\"10.1.0.0/16\"", "\"10.1.0.1/16\""), errc::bad_address,
       "tunnel.selectors[0].agent"},
      {"prefix length 33", S, with(s, "\"10.1.0.0/16\"", "\"10.1.0.0/33\""), errc::bad_address,
       "tunnel.selectors[0].agent"},
      {"soft after hard", S, with(s, "\"soft_seconds\":3000", "\"soft_seconds\":3600"),
       errc::inconsistent_fields, "lifetime.soft_seconds"},
      {"soft seconds 0", S, with(s, "\"soft_seconds\":3000", "\"soft_seconds\":0"),
       errc::inconsistent_fields, "lifetime.soft_seconds"},
      {"soft bytes without hard", S, with(s, "\"soft_bytes\":0", "\"soft_bytes\":10"),
       errc::inconsistent_fields, "lifetime.soft_bytes"},
  };
}

TEST(WireMalformed, EveryRowIsRefusedWithItsCodeAndField) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto e = decode_error(c);
    EXPECT_EQ(e.code, make_error_code(c.expected)) << e.message();
    EXPECT_NE(e.detail.find(c.detail), std::string::npos) << e.detail;
  }
}

// The table's rows are defects of valid bodies: make sure those bodies are valid.
TEST(WireMalformed, TheUnmutatedSamplesDecode) {
  EXPECT_TRUE(decode_generation_request(kRequestJson).has_value());
  EXPECT_TRUE(decode_generation_response(kResponseJson).has_value());
}

TEST(WireMalformed, DetailsNeverEchoControlCharactersOrLongNames) {
  const auto e =
      decode_ack_request(
          "{\"version\":1,\"generation\":1,\"agent_spi\":256,\"edge_spi\":256,\"\\u001b" +
          std::string(100, 'k') + "\":1}")
          .error();
  EXPECT_EQ(e.code, errc::unknown_field);
  EXPECT_EQ(e.detail.find('\x1b'), std::string::npos);
  EXPECT_LE(e.detail.size(), 40U);
}

}  // namespace
}  // namespace pqbranch::wire
