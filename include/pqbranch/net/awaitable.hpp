#pragma once
// The completion token of the project's coroutine I/O: `co_await op(..., kTuple)` gives the
// error code (and the result) as values instead of throwing, so a failed network read is an
// error to handle, never an exception through the caller.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pqbranch::net {

inline constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace pqbranch::net
