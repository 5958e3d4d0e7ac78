#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "pqbranch/core/service_manager.hpp"

namespace pqbranch::core {
namespace {

class SystemdServiceManager final : public ServiceManager {
 public:
  SystemdServiceManager() {
    const char* socket = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe)
    active_ = socket != nullptr && *socket != '\0';
    std::uint64_t usec = 0;
    // Checks WATCHDOG_PID too: a watchdog meant for another process is not ours.
    if (active_ && ::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
      watchdog_ = std::chrono::microseconds(usec);
    }
  }

  [[nodiscard]] bool active() const override { return active_; }
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_timeout() const override {
    return watchdog_;
  }

  bool notify(std::string_view assignments) override {
    if (!active_) return false;
    const int r = ::sd_notify(0, std::string(assignments).c_str());
    if (r > 0) return true;
    if (!failure_logged_) {  // once: a broken socket must not flood the log
      spdlog::warn("sd_notify: {}", r < 0 ? std::strerror(-r) : "no service manager");
      failure_logged_ = true;
    }
    return false;
  }

 private:
  bool active_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
  bool failure_logged_ = false;
};

}  // namespace

std::unique_ptr<ServiceManager> systemd_service_manager() {
  return std::make_unique<SystemdServiceManager>();
}

}  // namespace pqbranch::core
