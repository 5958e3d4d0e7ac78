#include "pqbranch/app/program_loop.hpp"

#include <csignal>
#include <sys/stat.h>
#include <system_error>

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

namespace pqbranch::app {

core::Result<void> prepare_state_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return core::Error{boost::system::error_code(ec.value(), boost::system::system_category()),
                       "state directory " + dir.string()};
  }
  ::chmod(dir.c_str(), 0700);
  return {};
}

void run_until_signal(boost::asio::io_context& io, const std::function<void()>& stop) {
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping; SAs and policies stay in place", signal);
    stop();
  });
  io.run();
  spdlog::info("stopped");
}

}  // namespace pqbranch::app
