#include "release_transfer.hpp"

#include <algorithm>
#include <array>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "pqbranch/keysvc/errc.hpp"
#include "pqbranch/net/awaitable.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/protocol.hpp"

namespace pqbranch::keysvc::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

using net::kTuple;
constexpr std::size_t kReadChunkBytes = std::size_t{64} * 1024;

core::Error transfer_error(const boost::system::error_code& ec, const ReleaseExchange& x) {
  const std::string what = fmt::format("{} {}", x.method, x.target);
  if (ec == beast::error::timeout) {
    if (Clock::now() >= x.deadline) {
      return core::make_error(errc::release_timeout, what + ": not done within the deadline");
    }
    return core::make_error(errc::release_timeout,
                            fmt::format("{}: no data for {} ms", what, x.idle_timeout.count()));
  }
  if (ec == http::error::body_limit) {
    return core::make_error(errc::release_too_large,
                            fmt::format("{}: body over {} bytes", what, x.max_bytes));
  }
  if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
      ec == asio::ssl::error::stream_truncated || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return core::make_error(
        errc::release_truncated,
        fmt::format("{}: the edge closed the connection early ({})", what, ec.message()));
  }
  return core::make_error(errc::release_truncated, fmt::format("{}: {}", what, ec.message()));
}

core::Error status_error(unsigned status, const ReleaseExchange& x) {
  const std::string what = fmt::format("{} {}: HTTP {}", x.method, x.target, status);
  switch (status) {
    case 404:
      return core::make_error(errc::release_not_found, what);
    case 429:
      return core::make_error(errc::release_busy, what);
    case 400:
      return core::make_error(errc::release_bad_name, what);
    default:
      return core::make_error(errc::release_refused, what);
  }
}

}  // namespace

asio::awaitable<core::Result<void>> run_release_exchange(
    ClientStream& stream, beast::flat_buffer& buffer, const ReleaseExchange& x,
    const BodySink& sink, std::optional<std::chrono::seconds>* retry_after) {
  auto& lowest = beast::get_lowest_layer(stream);
  const auto arm = [&] { lowest.expires_at(std::min(Clock::now() + x.idle_timeout, x.deadline)); };

  http::request<http::string_body> req{http::string_to_verb(x.method), x.target, 11};
  req.set(http::field::host, x.host);
  req.set(http::field::user_agent, x.user_agent);
  if (req.method() == http::verb::post) {
    req.set(http::field::content_type, wire::kContentType);
    req.body() = x.body;
  }
  req.keep_alive(false);  // one request per transfer connection
  req.prepare_payload();
  arm();
  if (auto [ec, n] = co_await http::async_write(stream, req, kTuple); ec) {
    co_return transfer_error(ec, x);
  }

  http::response_parser<http::buffer_body> parser;
  parser.header_limit(wire::kMaxHeaderBytes);
  parser.body_limit(x.max_bytes);  // Beast refuses a larger Content-Length at the header
  arm();
  if (auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple); ec) {
    co_return transfer_error(ec, x);
  }
  const auto& head = parser.get();
  if (head.result_int() != 200) {
    if (auto it = head.find(http::field::retry_after); it != head.end() && retry_after) {
      *retry_after = wire::parse_retry_after(it->value());
    }
    co_return status_error(head.result_int(), x);
  }
  if (const auto length = parser.content_length(); length && *length > x.max_bytes) {
    co_return core::make_error(errc::release_too_large,
                               fmt::format("{} {}: {} bytes announced, over {}", x.method, x.target,
                                           *length, x.max_bytes));
  }

  std::array<std::uint8_t, kReadChunkBytes> chunk{};
  std::uint64_t total = 0;
  // Bounded in time by the deadline; every round reads at least one byte, ends or fails.
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    arm();
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return transfer_error(ec, x);
    const std::size_t got = chunk.size() - parser.get().body().size;
    total += got;
    if (total > x.max_bytes) {
      co_return core::make_error(
          errc::release_too_large,
          fmt::format("{} {}: body over {} bytes", x.method, x.target, x.max_bytes));
    }
    if (auto r = sink(std::span<const std::uint8_t>(chunk.data(), got)); !r) co_return r.error();
  }
  lowest.expires_never();
  co_return core::Result<void>{};
}

}  // namespace pqbranch::keysvc::detail
