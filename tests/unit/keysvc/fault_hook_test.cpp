#include "pqbranch/keysvc/fault_hook.hpp"

#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace pqbranch::keysvc {
namespace {

// The name of every alternative of an action variant.
template <class Variant>
std::set<std::string> all_names() {
  std::set<std::string> names;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (names.insert(action_name(Variant{std::in_place_index<I>})), ...);
  }(std::make_index_sequence<std::variant_size_v<Variant>>{});
  return names;
}

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
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::Connect{}}), "connect");
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::AllocateSpi{}}), "allocate_spi");
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::UpdateSa{}}), "update_sa");
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::AddSa{}}), "add_sa");
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::DeleteSa{}}), "delete_sa");
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::SendAck{}}), "send_ack");
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::SaveAgentState{}}), "save_agent_state");
  EXPECT_STREQ(action_name(rotation::AgentAction{rotation::Note{}}), "note");
  // Every name parses back: the documented list is the accepted list, one name per kind.
  const std::set<std::string> names = all_names<rotation::AgentAction>();
  EXPECT_EQ(names.size(), std::variant_size_v<rotation::AgentAction>);
  for (const std::string& n : names)
    EXPECT_TRUE(FaultHook::parse(n)) << n;
}

TEST(FaultHook, FiresExactlyBeforeTheNthActionOfItsKind) {
  int kills = 0;
  FaultHook hook(FaultHook::Spec{"delete_sa", 2, false}, [&] { ++kills; });
  EXPECT_TRUE(hook.active());
  hook.before(rotation::AgentAction{rotation::DeleteSa{}});
  hook.before(rotation::AgentAction{rotation::AddSa{}});
  EXPECT_EQ(kills, 0);
  hook.before(rotation::AgentAction{rotation::DeleteSa{}});
  EXPECT_EQ(kills, 1);
  hook.before(rotation::AgentAction{rotation::DeleteSa{}});
  EXPECT_EQ(kills, 1);
}

TEST(FaultHook, AfterPointsFireOnceTheActionWasPerformed) {
  auto spec = FaultHook::parse("after_allocate_spi:2");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->action, "allocate_spi");
  EXPECT_EQ(spec->nth, 2U);
  EXPECT_TRUE(spec->after);
  EXPECT_FALSE(FaultHook::parse("after_"));
  EXPECT_FALSE(FaultHook::parse("before_add_sa"));
  int kills = 0;
  FaultHook hook(*spec, [&] { ++kills; });
  const rotation::AgentAction a{rotation::AllocateSpi{}};
  hook.before(a);
  hook.after(a);
  hook.before(a);  // the second one: not before it ...
  EXPECT_EQ(kills, 0);
  hook.after(a);  // ... but once it was performed
  EXPECT_EQ(kills, 1);
}

TEST(FaultHook, TheEdgeHasItsOwnActionNames) {
  EXPECT_STREQ(action_name(rotation::EdgeAction{rotation::SendOffer{}}), "send_offer");
  EXPECT_STREQ(action_name(rotation::EdgeAction{rotation::UpdatePeerPort{}}), "update_peer_port");
  EXPECT_STREQ(action_name(rotation::EdgeAction{rotation::SaveEdgeState{}}), "save_edge_state");
  EXPECT_STREQ(action_name(rotation::EdgeAction{rotation::AddSa{}}), "add_sa");
  const std::set<std::string> names = all_names<rotation::EdgeAction>();
  EXPECT_EQ(names.size(), std::variant_size_v<rotation::EdgeAction>);
  for (const std::string& n : names) {
    EXPECT_TRUE(FaultHook::parse(n, FaultSide::edge)) << n;
    EXPECT_TRUE(FaultHook::parse("after_" + n, FaultSide::edge)) << n;
  }
  // Names of the other program are refused: a typo must not arm nothing.
  EXPECT_FALSE(FaultHook::parse("send_offer", FaultSide::agent));
  EXPECT_FALSE(FaultHook::parse("send_ack", FaultSide::edge));
  int kills = 0;
  FaultHook hook(*FaultHook::parse("after_send_offer", FaultSide::edge), [&] { ++kills; });
  hook.before(rotation::EdgeAction{rotation::SendOffer{}});
  EXPECT_EQ(kills, 0);
  hook.after(rotation::EdgeAction{rotation::SendOffer{}});
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
