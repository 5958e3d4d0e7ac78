#include "pqbranch/app/service_notifier.hpp"

#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "fakes/fake_service_manager.hpp"

namespace pqbranch::app {
namespace {

using namespace std::chrono_literals;
using test::FakeServiceManager;

TEST(ServiceNotifier, ReadySendsReadyAndTheCurrentStatusInOneMessage) {
  boost::asio::io_context io;
  FakeServiceManager manager;
  ServiceNotifier notifier(io, manager, [] { return std::string("generation 1 installed"); });
  notifier.ready();
  ASSERT_EQ(manager.messages.size(), 1U);
  EXPECT_EQ(manager.messages[0], "READY=1\nSTATUS=generation 1 installed");
}

TEST(ServiceNotifier, WithoutAServiceManagerNothingIsSentAndNoTimerKeepsTheLoopAlive) {
  boost::asio::io_context io;
  FakeServiceManager manager(false, 10ms);
  ServiceNotifier notifier(io, manager, [] { return std::string("x"); });
  notifier.ready();
  EXPECT_EQ(io.run(), 0U);  // returns at once: no timer was armed
  notifier.stopping("bye");
  EXPECT_TRUE(manager.messages.empty());
  EXPECT_EQ(notifier.period(), 0us);
}

TEST(ServiceNotifier, KeepAlivesComeAtHalfTheWatchdogTimeoutFromTheEventLoop) {
  boost::asio::io_context io;
  FakeServiceManager manager(true, 20ms);
  ServiceNotifier notifier(io, manager, [] { return std::string("same"); }, 5s);
  EXPECT_EQ(notifier.period(), 10ms);
  manager.on_notify = [&](const std::string&) {
    if (manager.count("WATCHDOG=1") == 3) io.stop();
  };
  notifier.ready();
  io.run();
  EXPECT_EQ(manager.count("READY=1"), 1U);
  EXPECT_EQ(manager.count("WATCHDOG=1"), 3U);
  // The status did not change: it was sent once, with READY.
  EXPECT_EQ(manager.count("STATUS=same"), 1U);
}

TEST(ServiceNotifier, StatusIsSentOnlyWhenItsTextChanges) {
  boost::asio::io_context io;
  FakeServiceManager manager;  // no watchdog: only status changes are sent
  int calls = 0;
  ServiceNotifier notifier(
      io, manager,
      [&] {
        ++calls;
        if (calls == 6) io.stop();
        return std::string(calls < 3 ? "connecting" : "generation 1 installed");
      },
      1ms);
  notifier.ready();
  io.run();
  ASSERT_EQ(manager.messages.size(), 2U);
  EXPECT_EQ(manager.messages[0], "READY=1\nSTATUS=connecting");
  EXPECT_EQ(manager.messages[1], "STATUS=generation 1 installed");
}

TEST(ServiceNotifier, StoppingIsSentOnceAndEndsTheKeepAlives) {
  boost::asio::io_context io;
  FakeServiceManager manager(true, 4ms);
  ServiceNotifier notifier(io, manager, [] { return std::string("up"); });
  manager.on_notify = [&](const std::string& m) {
    if (m == "WATCHDOG=1") notifier.stopping("stopping\nnow");
  };
  notifier.ready();
  io.run();  // returns: the timer is no longer armed once stopping was sent
  notifier.stopping("again");
  ASSERT_EQ(manager.messages.size(), 3U);
  EXPECT_EQ(manager.messages[2], "STOPPING=1\nSTATUS=stopping now");
}

TEST(ServiceNotifier, AReloadIsReloadingWithTheMonotonicTimeThenReadyAgain) {
  boost::asio::io_context io;
  FakeServiceManager manager;
  ServiceNotifier notifier(io, manager, [] { return std::string("generation 3 installed"); });
  notifier.reloading();  // before ready(): nothing to reload yet
  EXPECT_TRUE(manager.messages.empty());
  notifier.ready();
  const auto before = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  notifier.reloading();
  notifier.ready();
  ASSERT_EQ(manager.messages.size(), 3U);
  const std::string& m = manager.messages[1];
  ASSERT_TRUE(m.starts_with("RELOADING=1\nMONOTONIC_USEC=")) << m;
  const auto usec = std::stoll(m.substr(m.find('=', 12) + 1));
  EXPECT_GE(usec, before.count());
  EXPECT_TRUE(m.ends_with("\nSTATUS=reloading the configuration")) << m;
  EXPECT_EQ(manager.messages[2], "READY=1\nSTATUS=generation 3 installed");
}

TEST(ServiceNotifier, ANewlineInAStatusCannotStartAnotherAssignment) {
  EXPECT_EQ(status_line("a\nREADY=1"), "a READY=1");
}

}  // namespace
}  // namespace pqbranch::app
