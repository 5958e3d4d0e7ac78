#include "pqbranch/app/capability_policy.hpp"

#include <gtest/gtest.h>

#include "pqbranch/core/capabilities.hpp"

namespace pqbranch::app {
namespace {

constexpr std::uint64_t bit(unsigned cap) {
  return std::uint64_t{1} << cap;
}

TEST(CapabilityPolicy, NetAdminAloneIsEnoughAndExactlyAllowed) {
  const config::AgentConfig c;
  EXPECT_EQ(allowed_capabilities(c), bit(core::kCapNetAdmin));
  const auto v = judge_capabilities(bit(core::kCapNetAdmin), c);
  EXPECT_TRUE(v.ok);
  EXPECT_TRUE(v.extra.empty());
}

TEST(CapabilityPolicy, WithoutNetAdminTheAgentCannotRun) {
  EXPECT_FALSE(judge_capabilities(bit(core::kCapNetBindService), config::AgentConfig{}).ok);
}

TEST(CapabilityPolicy, AnIkePeerOnAPrivilegedPortMayBindIt) {
  config::AgentConfig c;
  c.ikev2_peers.emplace_back();  // port 500 by default
  EXPECT_EQ(allowed_capabilities(c), bit(core::kCapNetAdmin) | bit(core::kCapNetBindService));
  EXPECT_TRUE(
      judge_capabilities(bit(core::kCapNetAdmin) | bit(core::kCapNetBindService), c).extra.empty());
  c.ikev2_peers[0].local_port = 1500;
  c.ikev2_peers[0].local_natt_port = 4500;
  const auto v = judge_capabilities(bit(core::kCapNetAdmin) | bit(core::kCapNetBindService), c);
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.extra.size(), 1U);  // CAP_NET_BIND_SERVICE is now one too many
}

}  // namespace
}  // namespace pqbranch::app
