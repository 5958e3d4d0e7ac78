#include "pqbranch/app/metrics_server.hpp"

#include <string_view>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/net/awaitable.hpp"

#include "bounded_accept.hpp"

namespace pqbranch::app {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using net::kTuple;
constexpr std::uint32_t kMaxHeadBytes = 8 * 1024;
constexpr std::string_view kPrefix = "pqbranch_";
constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

std::string metrics_exposition(const core::Metrics& metrics) {
  return fmt::format("{}build_info{{version=\"{}\"}} 1\n", kPrefix, PQB_VERSION) +
         metrics.render(kPrefix);
}

struct MetricsServer::Impl {
  Impl(asio::io_context& io, const core::Metrics& m) : acceptor(io), metrics(m) {}

  tcp::acceptor acceptor;
  const core::Metrics& metrics;
  std::size_t active = 0;
  // Set when the MetricsServer is destroyed: a connection still open outlives the registry's
  // owner, so it closes unanswered.
  bool stopped = false;

  static asio::awaitable<void> answer(std::shared_ptr<Impl> self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(kDeadline);
    beast::flat_buffer buffer(kMaxHeadBytes);
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kMaxHeadBytes);
    parser.body_limit(0);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    // A slow, oversized or broken request, or a server gone meanwhile: closed unanswered.
    if (ec || self->stopped) co_return;
    const auto& request = parser.get();
    http::response<http::string_body> response;
    response.version(11);
    response.keep_alive(false);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    if (request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, "GET");
      response.body() = "only GET\n";
    } else if (request.target() != "/metrics") {
      response.result(http::status::not_found);
      response.body() = "not found; try /metrics\n";
    } else {
      response.result(http::status::ok);
      response.set(http::field::content_type, kContentType);
      response.body() = metrics_exposition(self->metrics);
    }
    response.prepare_payload();
    co_await http::async_write(stream, response, kTuple);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
};

MetricsServer::MetricsServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::uint16_t MetricsServer::port() const {
  boost::system::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

core::Result<std::unique_ptr<MetricsServer>> MetricsServer::create(
    asio::io_context& io, const config::SocketAddress& listen, const core::Metrics& metrics) {
  auto impl = std::make_shared<Impl>(io, metrics);
  const std::string where = "metrics endpoint " + listen.to_string();
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(listen.address.to_string(), ec);
  if (ec) return core::Error{ec, where};
  const tcp::endpoint endpoint(address, listen.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::Error{ec, where};
  asio::co_spawn(io,
                 detail::accept_bounded(impl, kMaxConnections, "metrics endpoint", &Impl::answer),
                 [](const std::exception_ptr& e) {
                   if (e) spdlog::error("metrics endpoint stopped unexpectedly");
                 });
  spdlog::info("metrics: serving GET /metrics on {}", listen.to_string());
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

std::unique_ptr<MetricsServer> open_metrics_endpoint(asio::io_context& io,
                                                     const config::MetricsSettings& settings,
                                                     const core::Metrics& metrics) {
  if (!settings.listen) return nullptr;
  auto server = MetricsServer::create(io, *settings.listen, metrics);
  if (!server) {
    spdlog::error("metrics: {}", server.error().message());
    return nullptr;
  }
  return std::move(*server);
}

}  // namespace pqbranch::app
