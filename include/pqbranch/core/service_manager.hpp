#pragma once
// The seam to the service manager a daemon runs under (systemd's sd_notify protocol): state
// assignments such as "READY=1\nSTATUS=…" and the watchdog timeout the unit asks for. The
// real one (systemd_service_manager) talks to NOTIFY_SOCKET through libsystemd; tests use
// tests/fakes/fake_service_manager.

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

namespace pqbranch::core {

class ServiceManager {
 public:
  virtual ~ServiceManager() = default;
  ServiceManager() = default;
  ServiceManager(const ServiceManager&) = delete;
  ServiceManager& operator=(const ServiceManager&) = delete;

  // A service manager listens (for systemd: NOTIFY_SOCKET is set).
  [[nodiscard]] virtual bool active() const = 0;
  // The unit's watchdog timeout for this process (WatchdogSec=); nullopt when it has none.
  [[nodiscard]] virtual std::optional<std::chrono::microseconds> watchdog_timeout() const = 0;
  // Sends newline-separated assignments in one datagram; false when nothing was sent.
  virtual bool notify(std::string_view assignments) = 0;
};

// sd_notify(3) through libsystemd; reads the environment once, here. Outside systemd it is
// inactive and sends nothing.
[[nodiscard]] std::unique_ptr<ServiceManager> systemd_service_manager();

}  // namespace pqbranch::core
