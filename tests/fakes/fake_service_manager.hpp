#pragma once
// An in-memory service manager: records every notification a daemon sends, with a watchdog
// timeout a test chooses, and can run a callback on each one (to stop an io_context after
// the Nth keep-alive instead of sleeping).

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pqbranch/core/service_manager.hpp"

namespace pqbranch::test {

class FakeServiceManager final : public core::ServiceManager {
 public:
  explicit FakeServiceManager(bool active = true,
                              std::optional<std::chrono::microseconds> watchdog = std::nullopt)
      : active_(active), watchdog_(watchdog) {}

  [[nodiscard]] bool active() const override { return active_; }
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_timeout() const override {
    return watchdog_;
  }
  bool notify(std::string_view assignments) override {
    messages.emplace_back(assignments);
    if (on_notify) on_notify(messages.back());
    return true;
  }

  // How many messages contain `assignment` as one of their lines.
  [[nodiscard]] std::size_t count(std::string_view assignment) const {
    std::size_t n = 0;
    for (const auto& m : messages) {
      std::size_t start = 0;
      while (start <= m.size()) {
        const auto end = std::min(m.find('\n', start), m.size());
        if (std::string_view(m).substr(start, end - start) == assignment) ++n;
        start = end + 1;
      }
    }
    return n;
  }

  std::vector<std::string> messages;
  std::function<void(const std::string&)> on_notify;

 private:
  bool active_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace pqbranch::test
