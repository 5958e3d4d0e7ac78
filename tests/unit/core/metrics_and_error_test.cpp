#include <gtest/gtest.h>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"

namespace pqbranch::core {
namespace {

TEST(Metrics, CountsAndRendersSorted) {
  Metrics m;
  m.add("tls_refused_total", 1, "reason=\"no_hybrid_group\"");
  m.add("tls_refused_total", 2, "reason=\"no_hybrid_group\"");
  m.set("generation", 7);
  EXPECT_EQ(m.value("tls_refused_total", "reason=\"no_hybrid_group\""), 3);
  EXPECT_EQ(m.value("missing"), 0);
  EXPECT_EQ(m.render(), "generation 7\ntls_refused_total{reason=\"no_hybrid_group\"} 3\n");
}

TEST(Metrics, RendersThePrefixBeforeEveryName) {
  Metrics m;
  m.add("rotations_total", 2, "result=\"ok\"");
  m.set("generation", 7);
  EXPECT_EQ(m.render("pqbranch_"),
            "pqbranch_generation 7\npqbranch_rotations_total{result=\"ok\"} 2\n");
  EXPECT_EQ(Metrics{}.render("pqbranch_"), "");
}

TEST(Error, MessageJoinsDetailAndCode) {
  const Error e{make_error_code(boost::system::errc::permission_denied), "open /etc/x"};
  EXPECT_EQ(e.message(), "open /etc/x: Permission denied");
  const Result<int> r = e;
  EXPECT_FALSE(r.has_value());
  EXPECT_THROW((void)r.value(), std::logic_error);
}

}  // namespace
}  // namespace pqbranch::core
