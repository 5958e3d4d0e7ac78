#include "pqbranch/app/service_notifier.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

namespace pqbranch::app {

std::string status_line(std::string_view text) {
  std::string line(text);
  std::ranges::replace(line, '\n', ' ');
  return line;
}

struct ServiceNotifier::Impl {
  Impl(boost::asio::io_context& io, core::ServiceManager& m, StatusSource s)
      : timer(io), manager(m), source(std::move(s)) {}

  std::string current_status() const { return source ? status_line(source()) : std::string(); }

  void tick() {
    std::string message;
    if (manager.watchdog_timeout()) message = "WATCHDOG=1";
    std::string text = current_status();
    if (text != last_status) {
      if (!message.empty()) message += '\n';
      message += "STATUS=" + text;
      last_status = std::move(text);
    }
    if (!message.empty()) manager.notify(message);
  }

  static void arm(const std::shared_ptr<Impl>& self) {
    self->timer.expires_after(self->period);
    self->timer.async_wait([weak = std::weak_ptr<Impl>(self)](boost::system::error_code ec) {
      auto impl = weak.lock();
      if (ec || !impl || impl->stopped) return;
      impl->tick();
      arm(impl);
    });
  }

  boost::asio::steady_timer timer;
  core::ServiceManager& manager;
  StatusSource source;
  std::chrono::microseconds period{0};
  std::string last_status;
  bool stopped = true;
};

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io, core::ServiceManager& manager,
                                 StatusSource source, std::chrono::milliseconds refresh)
    : impl_(std::make_shared<Impl>(io, manager, std::move(source))) {
  if (!manager.active()) return;
  auto period = std::chrono::duration_cast<std::chrono::microseconds>(refresh);
  if (auto timeout = manager.watchdog_timeout()) period = std::min(period, *timeout / 2);
  impl_->period = std::max(period, std::chrono::microseconds(1000));
}

ServiceNotifier::~ServiceNotifier() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

void ServiceNotifier::ready() {
  if (!impl_->manager.active()) return;
  impl_->last_status = impl_->current_status();
  impl_->manager.notify("READY=1\nSTATUS=" + impl_->last_status);
  if (!impl_->stopped) return;
  impl_->stopped = false;
  Impl::arm(impl_);
}

void ServiceNotifier::reloading() {
  if (!impl_->manager.active() || impl_->stopped) return;
  // CLOCK_MONOTONIC, as sd_notify(3) asks (steady_clock is CLOCK_MONOTONIC on Linux).
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  impl_->last_status = "reloading the configuration";
  impl_->manager.notify(
      fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS={}", now.count(), impl_->last_status));
}

void ServiceNotifier::stopping(std::string_view status) {
  if (!impl_->manager.active() || impl_->stopped) return;
  impl_->stopped = true;
  impl_->timer.cancel();
  impl_->last_status = status_line(status);
  impl_->manager.notify("STOPPING=1\nSTATUS=" + impl_->last_status);
}

std::chrono::microseconds ServiceNotifier::period() const {
  return impl_->period;
}

}  // namespace pqbranch::app
