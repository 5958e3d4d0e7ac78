#pragma once
// What both daemons do around their parts: a private state directory, and an io_context
// run until SIGINT or SIGTERM (a clean stop: SAs and policies stay in place), reloading on
// SIGHUP where the program can.

#include <filesystem>
#include <functional>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include "pqbranch/core/error.hpp"

namespace pqbranch::app {

// Creates `dir` (mode 0700, and its parents) when missing, and refuses (with a message for
// the operator) a state directory another local user could tamper with: a symlink or not a
// directory, not owned by `owner`, or writable by its group or others. An accepted one is
// made 0700.
core::Result<void> prepare_state_directory(const std::filesystem::path& dir,
                                           uid_t owner = ::geteuid());

// Runs `io` until SIGINT or SIGTERM; then calls `stop` (which must let io.run() return, or
// stop io). With `reload`, each SIGHUP calls it on io's thread; without, SIGHUP keeps its
// default action (the program ends), as a program that cannot reload should.
void run_until_signal(boost::asio::io_context& io, const std::function<void()>& stop,
                      const std::function<void()>& reload = {});

}  // namespace pqbranch::app
