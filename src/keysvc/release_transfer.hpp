#pragma once
// Internal to src/keysvc: one release request on an established TLS connection of the
// agent (agent_client.cpp opens it; this writes the request and reads the answer, bounded
// in size and time). The body is handed to a sink chunk by chunk and never held whole
// unless the sink does so.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "pqbranch/core/error.hpp"

namespace pqbranch::keysvc::detail {

using ClientStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct ReleaseExchange {
  std::string method;  // "GET" or "POST"
  std::string target;
  std::string host;
  std::string user_agent;
  std::string body;  // POST only
  std::uint64_t max_bytes = 0;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds idle_timeout{0};
};

using BodySink = std::function<core::Result<void>(std::span<const std::uint8_t>)>;

// The request, then the answer: 200 passes its body to `sink`; any other status is an error
// (404 release_not_found, 429 release_busy with `*retry_after`, 400 release_bad_name, else
// release_refused). Errors: release_too_large, release_truncated, release_timeout (see
// keysvc/errc.hpp), or the sink's.
boost::asio::awaitable<core::Result<void>> run_release_exchange(
    ClientStream& stream, boost::beast::flat_buffer& buffer, const ReleaseExchange& exchange,
    const BodySink& sink, std::optional<std::chrono::seconds>* retry_after);

}  // namespace pqbranch::keysvc::detail
