#pragma once
// The accept loop of the programs' local servers (the control socket, the metrics endpoint):
// at most `limit` connections served at once; one beyond the limit is closed at once,
// unanswered, so a client that opens many cannot grow the program's state.

#include <cstddef>
#include <exception>
#include <memory>
#include <string_view>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/net/awaitable.hpp"

namespace pqbranch::app::detail {

// `Owner` has an `acceptor` and a `std::size_t active` (the connections being served);
// `serve(owner, socket)` is the awaitable that serves one connection. The loop and every
// connection hold `owner`, so it outlives them; the loop ends when the acceptor is closed.
// `what` names the server in log lines (a string literal: it outlives the loop).
template <class Owner, class Serve>
boost::asio::awaitable<void> accept_bounded(std::shared_ptr<Owner> owner, std::size_t limit,
                                            std::string_view what, Serve serve) {
  namespace asio = boost::asio;
  for (;;) {
    auto [ec, socket] = co_await owner->acceptor.async_accept(net::kTuple);
    if (ec == asio::error::operation_aborted || !owner->acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("{}: accept: {}", what, ec.message());
      continue;
    }
    if (owner->active >= limit) {
      spdlog::debug("{}: {} connections already, one more closed", what, limit);
      continue;  // `socket` closes here
    }
    ++owner->active;
    asio::co_spawn(owner->acceptor.get_executor(), serve(owner, std::move(socket)),
                   [owner, what](const std::exception_ptr& e) {
                     --owner->active;
                     if (e) spdlog::error("{}: a connection failed unexpectedly", what);
                   });
  }
}

}  // namespace pqbranch::app::detail
