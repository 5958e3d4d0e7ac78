#include "pqbranch/keysvc/fault_hook.hpp"

#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace pqbranch::keysvc {
namespace {

TEST(FaultHook, ParsesActionAndCount) {
  auto a = FaultHook::parse("add_sa");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->action, "add_sa");
  EXPECT_EQ(a->nth, 1U);
  auto b = FaultHook::parse("update_sa:3");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->action, "update_sa");
  EXPECT_EQ(b->nth, 3U);
}

TEST(FaultHook, RefusesUnknownActionsAndBadCounts) {
  for (const char* bad :
       {"", "addsa", "add_sa:", "add_sa:0", "add_sa:x", "add_sa:1:2", "AddSa", "add_sa:-1"}) {
    auto r = FaultHook::parse(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().detail.find(kFaultKillAtVariable), std::string::npos);
    }
  }
}

TEST(FaultHook, EveryActionHasItsName) {
  EXPECT_STREQ(action_name(AgentAction{Connect{}}), "connect");
  EXPECT_STREQ(action_name(AgentAction{AllocateSpi{}}), "allocate_spi");
  EXPECT_STREQ(action_name(AgentAction{UpdateSa{}}), "update_sa");
  EXPECT_STREQ(action_name(AgentAction{AddSa{}}), "add_sa");
  EXPECT_STREQ(action_name(AgentAction{DeleteSa{}}), "delete_sa");
  EXPECT_STREQ(action_name(AgentAction{SendAck{}}), "send_ack");
  EXPECT_STREQ(action_name(AgentAction{SaveAgentState{}}), "save_agent_state");
  EXPECT_STREQ(action_name(AgentAction{Note{}}), "note");
  // Every name parses back: the documented list is the accepted list, one name per kind.
  std::set<std::string> names;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (names.insert(action_name(AgentAction{std::in_place_index<I>})), ...);
  }(std::make_index_sequence<std::variant_size_v<AgentAction>>{});
  EXPECT_EQ(names.size(), std::variant_size_v<AgentAction>);
  for (const std::string& n : names)
    EXPECT_TRUE(FaultHook::parse(n)) << n;
}

TEST(FaultHook, FiresExactlyBeforeTheNthActionOfItsKind) {
  int kills = 0;
  FaultHook hook(FaultHook::Spec{"delete_sa", 2}, [&] { ++kills; });
  EXPECT_TRUE(hook.active());
  hook.before(AgentAction{DeleteSa{}});
  hook.before(AgentAction{AddSa{}});
  EXPECT_EQ(kills, 0);
  hook.before(AgentAction{DeleteSa{}});
  EXPECT_EQ(kills, 1);
  hook.before(AgentAction{DeleteSa{}});
  EXPECT_EQ(kills, 1);
}

TEST(FaultHook, EnvironmentUnsetIsInactiveAndMalformedIsAnError) {
  ::unsetenv(kFaultKillAtVariable);
  auto none = FaultHook::from_environment();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->active());
  ::setenv(kFaultKillAtVariable, "frobnicate", 1);
  EXPECT_FALSE(FaultHook::from_environment());
  ::setenv(kFaultKillAtVariable, "send_ack:2", 1);
  auto armed = FaultHook::from_environment();
  ::unsetenv(kFaultKillAtVariable);
  ASSERT_TRUE(armed);
  EXPECT_TRUE(armed->active());
}

}  // namespace
}  // namespace pqbranch::keysvc
