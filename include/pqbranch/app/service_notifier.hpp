#pragma once
// What a daemon tells its service manager (Type=notify units): READY=1 once it works,
// RELOADING=1 while it reloads its config (READY=1 again when done), STATUS= lines for
// `systemctl status`, STOPPING=1, and WATCHDOG=1 keep-alives from a timer on the program's
// io_context, so an event loop that stops turning also stops them and
// systemd restarts the service (WatchdogSec=). Inactive without a service manager.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "pqbranch/core/service_manager.hpp"

namespace pqbranch::app {

class ServiceNotifier {
 public:
  using StatusSource = std::function<std::string()>;

  // Every `refresh` (or half the watchdog timeout when shorter): WATCHDOG=1 when the unit has
  // a watchdog, and STATUS= from `source` when its text changed. `manager` outlives this.
  ServiceNotifier(boost::asio::io_context& io, core::ServiceManager& manager, StatusSource source,
                  std::chrono::milliseconds refresh = std::chrono::seconds(5));
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // READY=1 with the current status, then the timer runs. Call on the io_context's thread.
  void ready();
  // RELOADING=1 with the monotonic time systemd asks for (MONOTONIC_USEC, sd_notify(3));
  // ready() ends the reload.
  void reloading();
  // STOPPING=1 with `status`; the timer stops. Idempotent.
  void stopping(std::string_view status);

  // The period of the timer (for logs and tests); zero when inactive.
  [[nodiscard]] std::chrono::microseconds period() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A status text on one line: a newline would end the STATUS= assignment.
[[nodiscard]] std::string status_line(std::string_view text);

}  // namespace pqbranch::app
