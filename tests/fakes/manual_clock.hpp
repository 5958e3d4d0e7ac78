#pragma once
// A clock tests move by hand: time passes only when the test says so.

#include "pqbranch/core/clock.hpp"

namespace pqbranch::test {

class ManualClock final : public core::Clock {
 public:
  [[nodiscard]] time_point now() const override { return now_; }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override { return wall_; }
  void advance(duration d) {
    now_ += d;
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }
  void set_wall(std::chrono::system_clock::time_point t) { wall_ = t; }

 private:
  time_point now_{std::chrono::hours(1)};
  std::chrono::system_clock::time_point wall_{
      std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
};

}  // namespace pqbranch::test
