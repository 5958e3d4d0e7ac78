#include "edge_file_response.hpp"

#include <algorithm>
#include <unistd.h>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "pqbranch/net/awaitable.hpp"

namespace pqbranch::keysvc::detail {
namespace {

using Clock = std::chrono::steady_clock;
using net::kTuple;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

FileSendResult failed_write(const boost::system::error_code& ec, Clock::time_point deadline) {
  if (ec != beast::error::timeout) return FileSendResult::write_failed;
  return Clock::now() >= deadline ? FileSendResult::transfer_timeout
                                  : FileSendResult::write_timeout;
}

}  // namespace

asio::awaitable<FileSendResult> send_file_response(TlsStream& stream, const ReleaseFile& file,
                                                   bool keep_alive,
                                                   std::chrono::milliseconds write_timeout,
                                                   Clock::time_point deadline,
                                                   core::Metrics& metrics) {
  auto& lowest = beast::get_lowest_layer(stream);
  const auto arm = [&] { lowest.expires_at(std::min(Clock::now() + write_timeout, deadline)); };

  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/octet-stream");
  res.content_length(file.size);
  res.keep_alive(keep_alive);
  http::response_serializer<http::empty_body> serializer{res};
  arm();
  if (auto [ec, n] = co_await http::async_write_header(stream, serializer, kTuple); ec) {
    co_return failed_write(ec, deadline);
  }

  std::vector<std::uint8_t> chunk(kFileChunkBytes);
  std::uint64_t offset = 0;
  // Bounded: every round sends at least one byte of a file of known size, or ends.
  while (offset < file.size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), file.size - offset));
    const ssize_t got = ::pread(file.fd.get(), chunk.data(), want, static_cast<off_t>(offset));
    if (got <= 0) co_return FileSendResult::read_failed;  // error, or the file shrank
    arm();
    auto [ec, n] = co_await asio::async_write(
        stream, asio::buffer(chunk.data(), static_cast<std::size_t>(got)), kTuple);
    if (ec) co_return failed_write(ec, deadline);
    offset += n;
    metrics.add("edge_release_bytes_total", static_cast<std::int64_t>(n));
  }
  co_return FileSendResult::sent;
}

}  // namespace pqbranch::keysvc::detail
