#pragma once
// After EdgeServer::stop() in a test that drives the io_context itself: runs it until the
// server's connections have finished (with worker threads their last steps come back to
// the io_context at their own pace), at most 5 s. False: they did not.

#include <chrono>

#include <boost/asio/io_context.hpp>

#include "pqbranch/keysvc/edge_server.hpp"

namespace pqbranch::test {

inline bool run_until_edge_idle(boost::asio::io_context& io, const keysvc::EdgeServer& server) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.idle() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return server.idle();
}

}  // namespace pqbranch::test
