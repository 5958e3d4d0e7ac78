#include "pqbranch/ikev2/retransmit.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "fakes/manual_clock.hpp"

namespace pqbranch::ikev2 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Runs the retransmitter to the end, moving the clock to each deadline; returns the times
// (since the first send) of every send and of giving up.
std::vector<milliseconds> schedule(RetransmitPolicy policy) {
  test::ManualClock clock;
  const auto t0 = clock.now();
  Retransmitter r(policy);
  r.start(t0);
  std::vector<milliseconds> times{milliseconds{0}};
  for (int guard = 0; guard < 64 && r.active(); ++guard) {
    clock.advance(r.deadline() - clock.now());
    const auto step = r.on_timer(clock.now());
    EXPECT_NE(step, Retransmitter::Step::wait);
    times.push_back(std::chrono::duration_cast<milliseconds>(clock.now() - t0));
  }
  return times;
}

TEST(Retransmitter, DoublesTheWaitAndGivesUpAfterTheLastTry) {
  // Sends at 0, 2, 6, 14, 30 s; give up 32 s after the fifth send.
  EXPECT_EQ(schedule({seconds{2}, 5}),
            (std::vector<milliseconds>{seconds{0}, seconds{2}, seconds{6}, seconds{14}, seconds{30},
                                       seconds{62}}));
  EXPECT_EQ(schedule({milliseconds{500}, 1}),
            (std::vector<milliseconds>{milliseconds{0}, milliseconds{500}}));
}

TEST(Retransmitter, WaitsBeforeTheDeadline) {
  test::ManualClock clock;
  Retransmitter r({seconds{2}, 3});
  r.start(clock.now());
  clock.advance(milliseconds{1999});
  EXPECT_EQ(r.on_timer(clock.now()), Retransmitter::Step::wait);
  EXPECT_EQ(r.sends(), 1U);
  clock.advance(milliseconds{1});
  EXPECT_EQ(r.on_timer(clock.now()), Retransmitter::Step::resend);
  EXPECT_EQ(r.sends(), 2U);
}

TEST(Retransmitter, LateTimerCountsFromWhenItFired) {
  test::ManualClock clock;
  Retransmitter r({seconds{1}, 3});
  r.start(clock.now());
  clock.advance(seconds{5});  // the loop was busy
  EXPECT_EQ(r.on_timer(clock.now()), Retransmitter::Step::resend);
  EXPECT_EQ(r.deadline(), clock.now() + seconds{2});
}

TEST(Retransmitter, StoppedNeverResends) {
  test::ManualClock clock;
  Retransmitter r({seconds{1}, 3});
  r.start(clock.now());
  r.stop();
  clock.advance(seconds{100});
  EXPECT_FALSE(r.active());
  EXPECT_EQ(r.on_timer(clock.now()), Retransmitter::Step::wait);
  EXPECT_EQ(r.sends(), 1U);
}

}  // namespace
}  // namespace pqbranch::ikev2
