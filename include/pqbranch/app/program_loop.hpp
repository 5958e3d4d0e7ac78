#pragma once
// What both daemons do around their parts: a private state directory, and an io_context
// run until SIGINT or SIGTERM (a clean stop: SAs and policies stay in place).

#include <filesystem>
#include <functional>

#include <boost/asio/io_context.hpp>

#include "pqbranch/core/error.hpp"

namespace pqbranch::app {

// Creates `dir` (and parents) and makes it 0700.
core::Result<void> prepare_state_directory(const std::filesystem::path& dir);

// Runs `io` until a signal; then calls `stop` (which must let io.run() return, or stop io).
void run_until_signal(boost::asio::io_context& io, const std::function<void()>& stop);

}  // namespace pqbranch::app
