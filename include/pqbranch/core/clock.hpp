#pragma once
// Time as an input: state machines read a Clock, so tests drive time by hand
// (tests/fakes/manual_clock.hpp) instead of sleeping.

#include <chrono>

namespace pqbranch::core {

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  [[nodiscard]] virtual time_point now() const = 0;
  // Wall-clock time, for interrupt windows and logs.
  [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] time_point now() const override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace pqbranch::core
