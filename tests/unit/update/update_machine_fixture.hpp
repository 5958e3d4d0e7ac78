#pragma once
// A fixture that drives one UpdateMachine by hand: the time moves only when the test says,
// and every SaveUpdateState is kept as the state the executor would have written.

#include <optional>
#include <random>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "update_test_util.hpp"

namespace pqbranch::update::testing {

class UpdateMachineFixture : public ::testing::Test {
 protected:
  explicit UpdateMachineFixture(UpdateMachineConfig config = machine_config())
      : machine_(std::move(config), decide_.bind(), [this] { return rng_(); }) {}

  std::vector<UpdateAction>& start(
      const core::Result<std::optional<UpdateState>>& saved = std::optional<UpdateState>{}) {
    started_ = true;
    last_ = machine_.start(saved, now_);
    keep_saved();
    return last_;
  }
  std::vector<UpdateAction>& feed(UpdateEvent e) {
    last_ = machine_.handle(std::move(e), now_);
    keep_saved();
    return last_;
  }
  // Move the time to the machine's next wake-up and deliver the Tick.
  std::vector<UpdateAction>& wake() {
    EXPECT_TRUE(machine_.next_wake().has_value());
    if (machine_.next_wake()) now_ = std::max(now_, *machine_.next_wake());
    return feed(Tick{});
  }
  std::vector<UpdateAction>& at(TimePoint t) {
    now_ = t;
    return feed(Tick{});
  }
  // Start (unless started) and run to the first manifest fetch; its op.
  OpId until_fetch() {
    if (!started_) start();
    for (int i = 0; i < 4 && first_of<FetchManifest>(last_) == nullptr; ++i)
      wake();
    const FetchManifest* f = first_of<FetchManifest>(last_);
    EXPECT_NE(f, nullptr);
    return f != nullptr ? f->op : 0;
  }
  // A check whose manifest verifies to `r`, downloaded intact: `r` is staged.
  void stage(const ReleaseCandidate& r) {
    const OpId op = until_fetch();
    decide_.verdict = r;
    feed(ManifestFetched{op, "manifest of " + r.version});
    const DownloadPackage* d = first_of<DownloadPackage>(last_);
    ASSERT_NE(d, nullptr);
    feed(PackageDownloaded{d->op, d->destination, r.size, r.sha256});
    ASSERT_TRUE(machine_.saved_state().staged.has_value());
  }
  // `r` staged, the window open: the install request is written.
  void request(const ReleaseCandidate& r) {
    decide_.open_window();
    stage(r);
    const WriteInstallRequest* w = first_of<WriteInstallRequest>(last_);
    ASSERT_NE(w, nullptr);
    feed(RequestWritten{w->op, {}});
  }

  void keep_saved() {
    if (const SaveUpdateState* s = last_of<SaveUpdateState>(last_)) saved_ = s->state;
  }

  SteeredDecisions decide_;
  std::mt19937_64 rng_{7};
  UpdateMachine machine_;
  TimePoint now_ = kT0;
  std::vector<UpdateAction> last_;
  UpdateState saved_;
  bool started_ = false;
};

}  // namespace pqbranch::update::testing
