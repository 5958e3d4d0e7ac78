// One key-service connection on the edge: TLS handshake with a deadline, the policy check,
// the site from the client certificate, then HTTP/1.1 requests (keep-alive) until the
// agent closes, a deadline passes or the server stops.
#include <array>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/crypto/random.hpp"
#include "pqbranch/crypto/tls_failure.hpp"
#include "pqbranch/crypto/tls_handshake.hpp"
#include "pqbranch/keysvc/exporter_context.hpp"
#include "pqbranch/keysvc/session_keys.hpp"
#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/wire/nat_token.hpp"

#include "edge_server_state.hpp"

namespace pqbranch::keysvc::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxHeaderBytes = 8192;

struct Answer {
  http::status status = http::status::ok;
  std::string body;
  bool close = false;  // close the connection after answering
};

Answer error_answer(wire::ErrorCode code, std::string_view message, bool close = false) {
  const rotation::Refusal r{from_wire(code), std::string(message)};
  return {static_cast<http::status>(wire::http_status(code)), encode_refusal(r), close};
}

Answer refusal_answer(const rotation::Refusal& r) {
  return {static_cast<http::status>(http_status(r.code)), encode_refusal(r), false};
}

// A body the decoder refused: its error code and the field it names, nothing else.
Answer decode_error_answer(const core::Error& e) {
  const wire::ErrorCode code = wire::error_code_for(e);
  return error_answer(code, e.message(), code == wire::ErrorCode::payload_too_large);
}

// One connection: what its handlers need besides the shared state.
struct Session {
  std::shared_ptr<EdgeServerState> s;
  rotation::ConnectionId conn = 0;
  std::string peer;  // "address:port", for logs
  core::IpAddress peer_address;
  SSL* ssl = nullptr;
  std::optional<std::size_t> site;
  std::string site_id;  // the certificate's CN

  [[nodiscard]] const EdgeServerOptions& options() const { return s->options; }

  asio::awaitable<Answer> nat_token() {
    if (options().nat_mode == config::NatMode::off) {
      co_return error_answer(wire::ErrorCode::not_found, "NAT traversal is off on this edge");
    }
    wire::NatTokenResponse response;
    if (auto r = crypto::random_fill(response.token); !r) {
      co_return error_answer(wire::ErrorCode::internal, "random source failed");
    }
    auto key = crypto::export_keying_material(ssl, keysvc::kNatExporterLabel,
                                              keysvc::nat_exporter_context(response.token),
                                              wire::kNatKeyBytes);
    if (!key) co_return error_answer(wire::ErrorCode::internal, "exporter failed");
    const auto lifetime = options().nat_token_lifetime;
    if (!s->connections.set_token(conn, response.token, std::move(*key),
                                  s->executor.now() + lifetime)) {
      co_return error_answer(wire::ErrorCode::internal, "token collision");
    }
    response.expires_seconds = static_cast<std::uint64_t>(lifetime.count());
    co_return Answer{http::status::ok, wire::encode(response), false};
  }

  // Waits (bounded) for this connection's NAT hello; true once one was accepted.
  asio::awaitable<bool> await_hello() {
    EdgeConnections::Connection* c = s->connections.find(conn);
    if (c == nullptr || !c->token) co_return false;
    if (c->hello) co_return true;
    asio::steady_timer timer(s->io);
    timer.expires_after(options().nat_hello_wait);
    s->hello_waits[conn] = &timer;
    co_await timer.async_wait(kTuple);  // cancelled by the NAT loop on an accepted hello
    s->hello_waits.erase(conn);
    c = s->connections.find(conn);
    co_return c != nullptr && c->hello.has_value();
  }

  asio::awaitable<Answer> generation(std::string_view body) {
    auto request = decode_request(body);
    if (!request) co_return decode_error_answer(request.error());
    const bool wants_nat =
        request->nat_source_port.has_value() && options().nat_mode != config::NatMode::off;
    if (wants_nat && !co_await await_hello()) {
      co_return error_answer(wire::ErrorCode::nat_hello_missing,
                             "no valid NAT hello for this connection's token");
    }
    if (s->stopping) co_return error_answer(wire::ErrorCode::busy, "shutting down", true);
    s->connections.mark_requested(conn);
    const EdgeConnections::Connection* c = s->connections.find(conn);
    IncomingRequest in{conn, *request, c != nullptr ? c->hello : std::nullopt, peer_address};
    const std::string id = site_id;
    SSL* const session_ssl = ssl;
    const KeyDeriver derive = [session_ssl, id](const rotation::DeriveKeys& d) {
      return derive_generation_keys(crypto::TlsConnection(session_ssl), id, d.generation,
                                    d.agent_spi, d.edge_spi);
    };
    RequestAnswer answer = s->executor.request(*site, in, derive);
    s->rearm();
    if (const auto* offer = std::get_if<rotation::GenerationOffer>(&answer)) {
      const auto window = s->executor.site(*site).rotation.tunnel.replay_window;
      co_return Answer{http::status::ok, encode_offer(*offer, window), false};
    }
    co_return refusal_answer(std::get<rotation::Refusal>(answer));
  }

  Answer acknowledgement(std::string_view body) {
    auto ack = decode_ack(body);
    if (!ack) return decode_error_answer(ack.error());
    const AckAnswer a = s->executor.ack(*site, conn, *ack);
    s->rearm();
    if (a.refusal) return refusal_answer(*a.refusal);
    return {http::status::ok,
            wire::encode(wire::AckResponse{ack->generation, a.edge_outbound_installed}), false};
  }

  asio::awaitable<Answer> route(const http::request<http::string_body>& req) {
    const std::string_view target = req.target();
    const bool get = req.method() == http::verb::get;
    const bool post = req.method() == http::verb::post;
    const bool known = target == wire::kGenerationPath || target == wire::kGenerationAckPath ||
                       target == wire::kNatTokenPath;
    if (!known) co_return error_answer(wire::ErrorCode::not_found, "no such endpoint");
    if (!site) {
      co_return error_answer(wire::ErrorCode::unknown_site,
                             "the client certificate names no configured site", true);
    }
    if (target == wire::kNatTokenPath) {
      if (!get) co_return error_answer(wire::ErrorCode::method_not_allowed, "use GET");
      co_return co_await nat_token();
    }
    if (!post) co_return error_answer(wire::ErrorCode::method_not_allowed, "use POST");
    if (target == wire::kGenerationPath) co_return co_await generation(req.body());
    co_return acknowledgement(req.body());
  }

  // The handshake, the policy check and the site. False: the connection is done.
  asio::awaitable<bool> establish(Stream& stream) {
    beast::get_lowest_layer(stream).expires_after(options().io_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      if (ec.category() == asio::error::get_ssl_category()) {
        crypto::report_server_refusal(
            crypto::classify_server_error(static_cast<unsigned long>(ec.value())), peer,
            s->metrics);
      } else if (ec == beast::error::timeout) {
        spdlog::info("key service: {}: TLS handshake timed out", peer);
        s->metrics.add("edge_timeouts_total", 1, "stage=\"handshake\"");
      } else if (!s->stopping) {
        spdlog::info("key service: {}: TLS handshake failed: {}", peer, ec.message());
      }
      co_return false;
    }
    ssl = stream.native_handle();
    auto info = crypto::enforce_policy(ssl, options().tls.group_policy, s->metrics);
    if (!info) {
      spdlog::warn("key service: {}: refused after the handshake: {}", peer,
                   info.error().message());
      co_return false;
    }
    site_id = info->peer_common_name;
    site = s->executor.find_site(site_id);
    if (!site) {
      spdlog::warn("key service: {}: certificate CN '{}' is no configured site", peer,
                   site_id.size() > 64 ? site_id.substr(0, 64) + "..." : site_id);
      s->metrics.add("edge_unknown_site_total");
    }
    spdlog::debug("key service: {}: site '{}', {} ({}){}", peer, site_id, info->group,
                  info->peer_signature, info->resumed ? ", resumed" : "");
    s->metrics.add("edge_handshakes_total", 1,
                   fmt::format("group=\"{}\",resumed=\"{}\"", info->group, info->resumed));
    co_return true;
  }

  asio::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kMaxHeaderBytes);
      parser.body_limit(options().max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(options().io_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
      Answer answer;
      bool keep_alive = false;
      if (ec == http::error::body_limit) {
        s->metrics.add("edge_bad_requests_total", 1, "reason=\"too_large\"");
        answer = error_answer(wire::ErrorCode::payload_too_large,
                              fmt::format("body over {} bytes", options().max_body_bytes), true);
      } else if (ec) {
        if (ec == beast::error::timeout) {
          spdlog::info("key service: {}: read timed out", peer);
          s->metrics.add("edge_timeouts_total", 1, "stage=\"read\"");
        } else if (ec != http::error::end_of_stream && ec != asio::ssl::error::stream_truncated &&
                   ec != asio::error::eof && !s->stopping) {
          spdlog::info("key service: {}: {}", peer, ec.message());
          if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
            // Not HTTP: answer once, then close.
            s->metrics.add("edge_bad_requests_total", 1, "reason=\"http\"");
            answer = error_answer(wire::ErrorCode::bad_request, "malformed HTTP request", true);
            co_await write(stream, answer, false);
          }
        }
        co_return;
      } else {
        const auto& req = parser.get();
        answer = co_await route(req);
        if (answer.status != http::status::ok) {
          s->metrics.add("edge_error_responses_total", 1,
                         fmt::format("status=\"{}\"", static_cast<unsigned>(answer.status)));
        }
        keep_alive = req.keep_alive() && !answer.close && !s->stopping;
      }
      if (!co_await write(stream, answer, keep_alive) || !keep_alive) co_return;
    }
  }

  asio::awaitable<bool> write(Stream& stream, const Answer& answer, bool keep_alive) {
    http::response<http::string_body> res{answer.status, 11};
    res.set(http::field::content_type, wire::kContentType);
    res.keep_alive(keep_alive);
    res.body() = answer.body;
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(options().io_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, kTuple);
    if (ec && ec == beast::error::timeout) {
      s->metrics.add("edge_timeouts_total", 1, "stage=\"write\"");
    }
    co_return !ec;
  }
};

}  // namespace

asio::awaitable<void> serve_connection(std::shared_ptr<EdgeServerState> state, tcp::socket socket,
                                       rotation::ConnectionId conn) {
  Session session{state, conn, {}, {}, nullptr, std::nullopt, {}};
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) co_return;  // already gone
  session.peer_address = to_ip(remote.address());
  session.peer = fmt::format("{}:{}", session.peer_address.to_string(), remote.port());

  Stream stream(std::move(socket), *state->tls);
  state->sockets[conn] = &beast::get_lowest_layer(stream).socket();
  state->connections.open(conn);
  state->metrics.set("edge_open_connections", static_cast<std::int64_t>(state->sockets.size()));

  if (co_await session.establish(stream)) {
    co_await session.serve(stream);
    if (!state->stopping) {
      beast::get_lowest_layer(stream).expires_after(state->options.io_timeout);
      co_await stream.async_shutdown(kTuple);  // close_notify; errors do not matter now
    }
  }

  beast::get_lowest_layer(stream).close();
  state->sockets.erase(conn);
  state->connections.close(conn);
  if (session.site) {
    state->executor.connection_closed(*session.site, conn);
    state->rearm();
  }
  state->metrics.set("edge_open_connections", static_cast<std::int64_t>(state->sockets.size()));
}

}  // namespace pqbranch::keysvc::detail
