// The saved rotation state: round trips, and strict decoding of anything else.

#include "pqbranch/rotation/persisted_state.hpp"

#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "pqbranch/core/site_id.hpp"
#include "pqbranch/rotation/errc.hpp"

namespace pqbranch::rotation {
namespace {

using D = xfrm::SaDirection;

TEST(PersistedState, AgentStateRoundTrips) {
  const AgentState s{7, {{6, D::in, 0x1000}, {7, D::in, 0x1001}, {7, D::out, 0x2001}}};
  const std::string text = encode(s);
  EXPECT_EQ(text, R"({"version":1,"generation":7,"spi_high_water":0,"sas":[)"
                  R"({"generation":6,"direction":"in","spi":4096},)"
                  R"({"generation":7,"direction":"in","spi":4097},)"
                  R"({"generation":7,"direction":"out","spi":8193}]})");
  auto back = decode_agent_state(text);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, s);
}

TEST(PersistedState, EdgeSiteStateRoundTrips) {
  const EdgeSiteState s{"branch-1", 9, 8, {{8, D::out, 0x1008}, {9, D::in, 0x3009}}};
  auto back = decode_edge_site_state(encode(s));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, s);
  EXPECT_TRUE(decode_edge_site_state(encode(EdgeSiteState{"x", 0, 0, {}})));
}

// Earlier versions chose SPIs above a saved high-water mark; their files load unchanged (the
// mark is checked as a number and dropped), so an upgrade keeps the tunnel's records.
TEST(PersistedState, AStateWithTheEarlierSpiHighWaterMarkStillLoads) {
  const auto agent =
      decode_agent_state(R"({"version":1,"generation":7,"spi_high_water":4294967280,"sas":[)"
                         R"({"generation":7,"direction":"in","spi":4097}]})");
  ASSERT_TRUE(agent) << agent.error().message();
  EXPECT_EQ(*agent, (AgentState{7, {{7, D::in, 0x1001}}}));
  const auto edge = decode_edge_site_state(
      R"({"version":1,"site_id":"b","last_issued":2,"generation":1,"spi_high_water":12288,)"
      R"("sas":[]})");
  ASSERT_TRUE(edge) << edge.error().message();
  EXPECT_EQ(*edge, (EdgeSiteState{"b", 2, 1, {}}));
}

// Those versions require the mark: it is written as 0 (which they read as "nothing chosen
// yet"), so an update rolled back to one of them finds its state file readable.
TEST(PersistedState, TheEarlierVersionsRequiredHighWaterMarkIsWrittenAsZero) {
  EXPECT_NE(encode(AgentState{7, {{7, D::in, 0x1001}}}).find(R"("spi_high_water":0,)"),
            std::string::npos);
  EXPECT_NE(encode(EdgeSiteState{"b", 2, 1, {}}).find(R"("spi_high_water":0,)"), std::string::npos);
}

TEST(PersistedState, NeverContainsKeyMaterialFields) {
  // The types have no key field; the encoding names exactly these fields.
  const std::string text = encode(EdgeSiteState{"b", 1, 1, {{1, D::in, 300}}});
  for (const char* word : {"key", "secret", "salt"}) {
    EXPECT_EQ(text.find(word), std::string::npos) << word;
  }
}

struct Bad {
  const char* name;
  const char* text;
};

void PrintTo(const Bad& b, std::ostream* os) {
  *os << b.name;
}

class AgentStateRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(AgentStateRejects, WithBadState) {
  auto r = decode_agent_state(GetParam().text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_state);
  EXPECT_FALSE(r.error().detail.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Texts, AgentStateRejects,
    ::testing::Values(
        Bad{"not_json", "generation=7"}, Bad{"array", "[]"}, Bad{"empty", ""},
        Bad{"missing_field", R"({"version":1,"generation":1})"},
        Bad{"unknown_field",
            R"({"version":1,"generation":1,"spi_high_water":0,"sas":[],"keys":"00"})"},
        Bad{"wrong_version", R"({"version":2,"generation":1,"spi_high_water":0,"sas":[]})"},
        Bad{"negative", R"({"version":1,"generation":-1,"spi_high_water":0,"sas":[]})"},
        Bad{"string_number", R"({"version":1,"generation":"1","spi_high_water":0,"sas":[]})"},
        Bad{"fraction", R"({"version":1,"generation":1.5,"spi_high_water":0,"sas":[]})"},
        Bad{"high_water_too_big",
            R"({"version":1,"generation":1,"spi_high_water":4294967296,"sas":[]})"},
        Bad{"sas_not_array", R"({"version":1,"generation":1,"spi_high_water":0,"sas":{}})"},
        Bad{"record_not_object", R"({"version":1,"generation":1,"spi_high_water":0,"sas":[1]})"},
        Bad{"record_bad_direction",
            R"({"version":1,"generation":1,"spi_high_water":0,"sas":[{"generation":1,"direction":"fwd","spi":300}]})"},
        Bad{"record_reserved_spi",
            R"({"version":1,"generation":1,"spi_high_water":0,"sas":[{"generation":1,"direction":"in","spi":255}]})"},
        Bad{"record_generation_zero",
            R"({"version":1,"generation":1,"spi_high_water":0,"sas":[{"generation":0,"direction":"in","spi":300}]})"},
        Bad{"record_extra_field",
            R"({"version":1,"generation":1,"spi_high_water":0,"sas":[{"generation":1,"direction":"in","spi":300,"key":"aa"}]})"}),
    [](const ::testing::TestParamInfo<Bad>& i) { return std::string(i.param.name); });

TEST(PersistedState, TooManyRecordsOrTooLongTextIsRejected) {
  AgentState s;
  for (std::uint32_t i = 0; i <= kMaxSavedSas; ++i)
    s.sas.push_back({1, D::in, 300 + i});
  EXPECT_FALSE(decode_agent_state(encode(s)));
  EXPECT_FALSE(decode_agent_state(std::string(20000, ' ')));
}

// The largest state the edge can write (the longest site id, every byte escaped; the most
// records; the largest numbers) loads again: the writer and the loader share their limits.
TEST(PersistedState, TheLargestEdgeStateLoadsAgain) {
  EdgeSiteState s;
  s.site_id = std::string(core::kMaxSiteIdBytes, '\x01');
  s.last_issued = kMaxGeneration;
  s.generation = kMaxGeneration;
  for (std::size_t i = 0; i < kMaxSavedSas; ++i) {
    s.sas.push_back({kMaxGeneration - i, i % 2 == 0 ? D::in : D::out,
                     static_cast<std::uint32_t>(0xffffffff - i)});
  }
  const auto back = decode_edge_site_state(encode(s));
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, s);
}

TEST(PersistedState, EdgeSiteStateChecksItsOwnFields) {
  EXPECT_FALSE(decode_edge_site_state(
      R"({"version":1,"site_id":"","last_issued":1,"generation":1,"spi_high_water":0,"sas":[]})"));
  EXPECT_FALSE(decode_edge_site_state(
      R"({"version":1,"site_id":"b","last_issued":1,"generation":2,"spi_high_water":0,"sas":[]})"));
  EXPECT_FALSE(decode_edge_site_state(
      R"({"version":1,"site_id":7,"last_issued":1,"generation":1,"spi_high_water":0,"sas":[]})"));
  EXPECT_FALSE(
      decode_edge_site_state(R"({"version":1,"generation":1,"spi_high_water":0,"sas":[]})"));
}

}  // namespace
}  // namespace pqbranch::rotation
