#include "pqbranch/app/program_loop.hpp"

#include <cerrno>
#include <csignal>
#include <sys/stat.h>
#include <system_error>

#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pqbranch::app {

namespace {

core::Error refused(boost::system::errc::errc_t code, const std::string& why) {
  return core::Error{boost::system::errc::make_error_code(code), why};
}

}  // namespace

core::Result<void> prepare_state_directory(const std::filesystem::path& dir, uid_t owner) {
  const std::string name = "state directory " + dir.string();
  std::error_code ec;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (!ec && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    ec = std::error_code(errno, std::system_category());
  }
  if (ec) {
    return core::Error{boost::system::error_code(ec.value(), boost::system::system_category()),
                       name};
  }
  // lstat: a symlink is refused, not followed (whoever made it chose where state goes).
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0) {
    return core::Error{boost::system::error_code(errno, boost::system::system_category()), name};
  }
  if (!S_ISDIR(st.st_mode)) {
    return refused(boost::system::errc::not_a_directory,
                   name + " is not a directory (a symbolic link or a file); refusing to start");
  }
  if (st.st_uid != owner) {
    return refused(boost::system::errc::permission_denied,
                   fmt::format("{} is owned by uid {}, not by this program's uid {}; refusing "
                               "to start (chown it, or let systemd's StateDirectory= create it)",
                               name, st.st_uid, owner));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return refused(boost::system::errc::permission_denied,
                   fmt::format("{} is writable by its group or others (mode {:04o}); refusing to "
                               "start (make it 0700)",
                               name, st.st_mode & 07777));
  }
  // Ours and writable by no one else: readable by no one else either.
  if ((st.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0) {
    return core::Error{boost::system::error_code(errno, boost::system::system_category()),
                       "chmod 0700 " + name};
  }
  return {};
}

void run_until_signal(boost::asio::io_context& io, const std::function<void()>& stop,
                      const std::function<void()>& reload) {
  boost::asio::signal_set hangups(io);
  std::function<void()> wait_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& ec, int /*signal*/) {
      if (ec) return;
      spdlog::info("SIGHUP: reloading the configuration");
      reload();
      wait_hangup();
    });
  };
  if (reload) {
    hangups.add(SIGHUP);
    wait_hangup();
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    hangups.cancel();
    spdlog::info("signal {}: stopping; SAs and policies stay in place", signal);
    stop();
  });
  io.run();
  spdlog::info("stopped");
}

}  // namespace pqbranch::app
