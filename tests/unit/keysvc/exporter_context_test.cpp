#include "pqbranch/keysvc/exporter_context.hpp"

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pqbranch::keysvc {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(ExporterContext, HasTheDocumentedEncoding) {
  const Bytes to_edge = exporter_context("br-7", 0x0102030405060708, Direction::agent_to_edge,
                                         0xa1a2a3a4, 0xe1e2e3e4);
  const Bytes expected_to_edge = {
      0x00, 0x04, 'b',  'r',  '-',  '7',               // site id, length-prefixed
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // generation
      0x01,                                            // agent → edge
      0xe1, 0xe2, 0xe3, 0xe4,                          // this SA's SPI: the edge's
      0xa1, 0xa2, 0xa3, 0xa4,                          // the other SPI: the agent's
  };
  EXPECT_EQ(to_edge, expected_to_edge);
  const Bytes to_agent = exporter_context("br-7", 0x0102030405060708, Direction::edge_to_agent,
                                          0xa1a2a3a4, 0xe1e2e3e4);
  const Bytes expected_to_agent = {
      0x00, 0x04, 'b',  'r',  '-',  '7',  0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
      0x07, 0x08, 0x02, 0xa1, 0xa2, 0xa3, 0xa4, 0xe1, 0xe2, 0xe3, 0xe4,
  };
  EXPECT_EQ(to_agent, expected_to_agent);
}

TEST(ExporterContext, EveryInputChangesTheContext) {
  const auto base = exporter_context("site-a", 5, Direction::agent_to_edge, 0x1000, 0x2000);
  EXPECT_NE(base, exporter_context("site-b", 5, Direction::agent_to_edge, 0x1000, 0x2000));
  EXPECT_NE(base, exporter_context("site-a", 6, Direction::agent_to_edge, 0x1000, 0x2000));
  EXPECT_NE(base, exporter_context("site-a", 5, Direction::edge_to_agent, 0x1000, 0x2000));
  EXPECT_NE(base, exporter_context("site-a", 5, Direction::agent_to_edge, 0x1001, 0x2000));
  EXPECT_NE(base, exporter_context("site-a", 5, Direction::agent_to_edge, 0x1000, 0x2001));
  // Swapping the SPIs is a different pair of SAs.
  EXPECT_NE(base, exporter_context("site-a", 5, Direction::agent_to_edge, 0x2000, 0x1000));
}

struct Fields {
  std::string site;
  std::uint64_t generation = 0;
  std::uint8_t direction = 0;
  std::uint32_t this_spi = 0;
  std::uint32_t other_spi = 0;
  friend bool operator==(const Fields&, const Fields&) = default;
};

// Reads a context back; an encoding with such an inverse is injective.
std::optional<Fields> parse_context(const Bytes& b) {
  auto be = [&](std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v = (v << 8) | b.at(at + i);
    return v;
  };
  if (b.size() < 2) return std::nullopt;
  const std::size_t len = be(0, 2);
  if (b.size() != 2 + len + 17) return std::nullopt;
  Fields f;
  f.site.assign(b.begin() + 2, b.begin() + 2 + static_cast<std::ptrdiff_t>(len));
  f.generation = be(2 + len, 8);
  f.direction = b[2 + len + 8];
  f.this_spi = static_cast<std::uint32_t>(be(2 + len + 9, 4));
  f.other_spi = static_cast<std::uint32_t>(be(2 + len + 13, 4));
  return f;
}

TEST(ExporterContext, IsInjective) {
  // Sites that are prefixes of one another or hold NUL, and values whose bytes could pass
  // for a neighbouring field: every combination reads back to exactly its inputs.
  const std::vector<std::string> sites = {
      "", "a", "ab", "abc", std::string(1, '\0'), std::string("a\0", 2)};
  const std::vector<std::uint64_t> generations = {0, 1, 0x6300000000000000, 0xffffffffffffffff};
  const std::vector<std::uint32_t> spis = {0x100, 0x63636363, 0xffffffff};
  std::set<Bytes> seen;
  std::size_t count = 0;
  for (const auto& site : sites) {
    for (const auto g : generations) {
      for (const auto d : {Direction::agent_to_edge, Direction::edge_to_agent}) {
        for (const auto a : spis) {
          for (const auto e : spis) {
            const auto context = exporter_context(site, g, d, a, e);
            const bool to_edge = d == Direction::agent_to_edge;
            const Fields want{site, g, static_cast<std::uint8_t>(d), to_edge ? e : a,
                              to_edge ? a : e};
            EXPECT_EQ(parse_context(context), want);
            seen.insert(context);
            ++count;
          }
        }
      }
    }
  }
  EXPECT_EQ(seen.size(), count);
}

TEST(ExporterContext, RefusesWhatItCannotEncode) {
  const std::string huge(kMaxSiteIdBytes + 1, 's');
  EXPECT_THROW((void)exporter_context(huge, 1, Direction::agent_to_edge, 0x100, 0x101),
               std::invalid_argument);
  EXPECT_EQ(
      exporter_context(std::string(kMaxSiteIdBytes, 's'), 1, Direction::agent_to_edge, 0x100, 0x101)
          .size(),
      2 + kMaxSiteIdBytes + 8 + 1 + 4 + 4);
  EXPECT_THROW((void)exporter_context("s", 1, static_cast<Direction>(3), 0x100, 0x101),
               std::invalid_argument);
}

TEST(ExporterContext, LabelsAndSizesAreTheDocumentedOnes) {
  EXPECT_EQ(kEspExporterLabel, "EXPORTER-pqbranch-esp-v1");
  EXPECT_EQ(kNatExporterLabel, "EXPORTER-pqbranch-nat-v1");
  EXPECT_EQ(kEspKeyingBytes, 36U);
}

TEST(NatExporterContext, IsTheToken) {
  wire::NatToken token{};
  for (std::size_t i = 0; i < token.size(); ++i)
    token[i] = static_cast<std::uint8_t>(0xa0 + i);
  EXPECT_EQ(nat_exporter_context(token), std::vector<std::uint8_t>(token.begin(), token.end()));
}

}  // namespace
}  // namespace pqbranch::keysvc
