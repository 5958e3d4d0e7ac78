// One key-service connection on the edge: its first bytes, a TLS handshake slot and the
// handshake within one deadline, the policy check, the site from the client certificate,
// then HTTP/1.1 requests (keep-alive, a bounded number) until the agent closes, a deadline
// passes, the connection is evicted or the server stops. The coroutine runs on its
// connection's executor (a worker strand, or the io thread); every use of the shared state
// goes through s->run_shared (edge_server_state.hpp), metrics and logging excepted (both
// are safe from any thread).
#include <array>
#include <string>
#include <utility>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/core/log_text.hpp"
#include "pqbranch/crypto/random.hpp"
#include "pqbranch/crypto/tls_failure.hpp"
#include "pqbranch/crypto/tls_handshake.hpp"
#include "pqbranch/keysvc/errc.hpp"
#include "pqbranch/keysvc/exporter_context.hpp"
#include "pqbranch/keysvc/release_files.hpp"
#include "pqbranch/keysvc/session_keys.hpp"
#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/net/awaitable.hpp"
#include "pqbranch/wire/edge_request.hpp"
#include "pqbranch/wire/nat_token.hpp"

#include "edge_file_response.hpp"
#include "edge_server_state.hpp"

namespace pqbranch::keysvc::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Stream = TlsStream;

using net::kTuple;

struct Answer {
  http::status status = http::status::ok;
  std::string body;
  bool close = false;                               // close the connection after answering
  std::optional<std::chrono::seconds> retry_after;  // busy: the Retry-After header
  std::optional<ReleaseFile> file;                  // set: send this file instead of `body`
};

Answer error_answer(wire::ErrorCode code, std::string_view message, bool close = false) {
  const rotation::Refusal r{from_wire(code), std::string(message), std::nullopt};
  return {static_cast<http::status>(wire::http_status(code)), encode_refusal(r), close,
          std::nullopt, std::nullopt};
}

Answer refusal_answer(const rotation::Refusal& r) {
  return {static_cast<http::status>(http_status(r.code)), encode_refusal(r), false, r.retry_after,
          std::nullopt};
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
  std::shared_ptr<LiveConnection> live;

  [[nodiscard]] const EdgeServerOptions& options() const { return s->options; }

  // Neither evicted nor stopped (on the io thread).
  [[nodiscard]] bool admitted() const { return !s->stopping && s->admission.contains(conn); }

  asio::awaitable<bool> still_admitted() {
    co_return co_await s->run_shared([this] { return admitted(); });
  }

  asio::awaitable<void> log_refusal(std::string kind, spdlog::level::level_enum level,
                                    std::string text) {
    co_await s->run_shared([&] { s->log_refusal(kind, level, text); });
  }

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
    const bool set = co_await s->run_shared([&] {
      return s->connections.set_token(conn, response.token, std::move(*key),
                                      s->executor.now() + lifetime);
    });
    if (!set) co_return error_answer(wire::ErrorCode::internal, "token collision");
    response.expires_seconds = static_cast<std::uint64_t>(lifetime.count());
    co_return Answer{http::status::ok, wire::encode(response), false, std::nullopt, std::nullopt};
  }

  // Waits (bounded) for this connection's NAT hello; true once one was accepted.
  asio::awaitable<bool> await_hello() {
    enum class Hello : std::uint8_t { no_token, waiting, arrived };
    const Hello now = co_await s->run_shared([this] {
      const EdgeConnections::Connection* c = s->connections.find(conn);
      if (c == nullptr || !c->token) return Hello::no_token;
      return c->hello ? Hello::arrived : Hello::waiting;
    });
    if (now != Hello::waiting) co_return now == Hello::arrived;
    asio::steady_timer timer(live->executor);
    timer.expires_after(options().nat_hello_wait);
    if (!live->hello_arrived) {  // set (and the timer cancelled) by the NAT loop on a hello
      live->hello_wait = &timer;
      co_await timer.async_wait(kTuple);
      live->hello_wait = nullptr;
    }
    co_return co_await s->run_shared([this] {
      const EdgeConnections::Connection* c = s->connections.find(conn);
      return c != nullptr && c->hello.has_value();
    });
  }

  asio::awaitable<Answer> generation(rotation::GenerationRequest request) {
    const bool wants_nat =
        request.nat_source_port.has_value() && options().nat_mode != config::NatMode::off;
    if (wants_nat && !co_await await_hello()) {
      co_return error_answer(wire::ErrorCode::nat_hello_missing,
                             "no valid NAT hello for this connection's token");
    }
    // The exporter below reads this connection's TLS session on the io thread: the
    // connection waits for the answer meanwhile, so nothing else uses it.
    co_return co_await s->run_shared([&]() -> Answer {
      if (s->stopping) {
        Answer a = error_answer(wire::ErrorCode::busy, "shutting down", true);
        a.retry_after = std::chrono::seconds(1);
        return a;
      }
      s->connections.mark_requested(conn);
      const EdgeConnections::Connection* c = s->connections.find(conn);
      IncomingRequest in{conn, request, c != nullptr ? c->hello : std::nullopt, peer_address};
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
        return Answer{http::status::ok, encode_offer(*offer, window), false, std::nullopt,
                      std::nullopt};
      }
      return refusal_answer(std::get<rotation::Refusal>(answer));
    });
  }

  asio::awaitable<Answer> acknowledgement(const rotation::GenerationAck& ack) {
    const AckAnswer a = co_await s->run_shared([&] {
      AckAnswer answer = s->executor.ack(*site, conn, ack);
      s->rearm();
      return answer;
    });
    if (a.refusal) co_return refusal_answer(*a.refusal);
    co_return Answer{http::status::ok,
                     wire::encode(wire::AckResponse{ack.generation, a.edge_outbound_installed}),
                     false, std::nullopt, std::nullopt};
  }

  void count_release(std::string_view kind, http::status status) {
    s->metrics.add("edge_release_requests_total", 1,
                   fmt::format("kind=\"{}\",status=\"{}\"", kind, static_cast<unsigned>(status)));
  }

  // POST /v1/releases/<channel>/report: logged (every field is checked, so printable and
  // short) and counted; nothing else acts on it.
  Answer release_report(const wire::ReleaseReportPost& post) {
    const std::string_view result = wire::to_string(post.report.result);
    spdlog::info("key service: release report from site '{}': channel {}, version {}, {}", site_id,
                 post.target.channel, post.report.version, result);
    s->metrics.add("edge_release_reports_total", 1, fmt::format("result=\"{}\"", result));
    count_release("report", http::status::ok);
    return {http::status::ok, R"({"version":1})", false, std::nullopt, std::nullopt};
  }

  // A release file, for a site's connection (docs/key-service.md §9). Its names were checked
  // before anything touches the file system. An answer with a file holds one of the
  // download slots until write_file() gives it back.
  asio::awaitable<Answer> release(const wire::ReleaseTarget& target) {
    co_return co_await s->run_shared([&] { return release_slot(target); });
  }

  // On the io thread: the slot's check and its taking are one step.
  Answer release_slot(const wire::ReleaseTarget& target) {
    const std::string_view kind =
        target.resource == wire::ReleaseResource::manifest ? "manifest" : "package";
    const ReleaseServing& serving = options().releases;
    if (!serving.directory) {
      count_release(kind, http::status::not_found);
      return error_answer(wire::ErrorCode::not_found, "this edge serves no releases");
    }
    if (s->active_downloads >= serving.max_downloads) {
      count_release(kind, http::status::too_many_requests);
      Answer a = error_answer(wire::ErrorCode::busy, "release downloads at their limit");
      a.retry_after = kReleaseBusyRetryAfter;
      return a;
    }
    auto file = open_release_file(*serving.directory, target);
    if (!file) {
      const bool missing = file.error() == errc::release_not_found;
      s->log_refusal(missing ? "release_not_found" : "release_unreadable",
                     missing ? spdlog::level::info : spdlog::level::warn,
                     fmt::format("{}: site '{}': {}", peer, site_id, file.error().message()));
      const auto code = missing ? wire::ErrorCode::not_found : wire::ErrorCode::internal;
      Answer a = error_answer(code, missing ? "no such release file" : "release file unavailable");
      count_release(kind, a.status);
      return a;
    }
    count_release(kind, http::status::ok);
    ++s->active_downloads;
    return {http::status::ok, {}, false, std::nullopt, std::move(*file)};
  }

  asio::awaitable<Answer> route(const http::request<http::string_body>& req) {
    const wire::EdgeRequest r =
        wire::read_edge_request(req.method(), req.target(), req.body(), site.has_value());
    if (const auto* no = std::get_if<wire::RequestRefused>(&r)) {
      Answer a = error_answer(no->code, no->message, no->close);
      if (!no->release_kind.empty()) count_release(no->release_kind, a.status);
      co_return a;
    }
    if (std::holds_alternative<wire::NatTokenGet>(r)) co_return co_await nat_token();
    if (const auto* g = std::get_if<wire::GenerationPost>(&r)) {
      co_return co_await generation(from_wire(g->request));
    }
    if (const auto* a = std::get_if<wire::AckPost>(&r)) {
      co_return co_await acknowledgement(from_wire(a->ack));
    }
    if (const auto* report = std::get_if<wire::ReleaseReportPost>(&r)) {
      co_return release_report(*report);
    }
    co_return co_await release(std::get<wire::ReleaseFileGet>(r).target);
  }

  // How a connection that did not become a TLS session is counted and logged.
  struct HandshakeFailure {
    std::string kind;
    spdlog::level::level_enum level = spdlog::level::info;
    std::string text;
  };

  HandshakeFailure handshake_timeout() {
    s->metrics.add("edge_timeouts_total", 1, "stage=\"handshake\"");
    return {"handshake_timeout", spdlog::level::info,
            fmt::format("{}: no TLS handshake within {} ms", peer,
                        options().handshake_timeout.count())};
  }

  asio::awaitable<void> report(HandshakeFailure f) {
    co_await log_refusal(std::move(f.kind), f.level, std::move(f.text));
  }

  // Waits, until `deadline`, for the client's first bytes: an idle connection holds no
  // handshake and costs no TLS work. False: the deadline passed or the connection closed.
  asio::awaitable<bool> first_bytes(Stream& stream, asio::steady_timer::time_point deadline) {
    auto& socket = beast::get_lowest_layer(stream).socket();
    asio::steady_timer timer(socket.get_executor());  // the connection's
    timer.expires_at(deadline);
    auto first =
        co_await (socket.async_wait(tcp::socket::wait_read, kTuple) || timer.async_wait(kTuple));
    if (first.index() == 1) {
      co_await report(handshake_timeout());
      co_return false;
    }
    const auto [ec] = std::get<0>(first);
    co_return !ec;
  }

  // A failed handshake: refused by TLS (classified from this connection's SSL, on its own
  // thread), timed out, or a failed connection.
  HandshakeFailure handshake_failure(const boost::system::error_code& ec, Stream& stream) {
    if (ec.category() == asio::error::get_ssl_category()) {
      const crypto::HandshakeRefusal refusal = crypto::classify_server_error(
          static_cast<unsigned long>(ec.value()), stream.native_handle());
      crypto::count_server_refusal(refusal, s->metrics);
      const std::string_view reason = crypto::to_string(refusal.reason);
      return {fmt::format("tls_{}", reason), spdlog::level::warn,
              fmt::format("TLS: refused handshake from {}: {}: {}", peer, reason, refusal.text)};
    }
    if (ec == beast::error::timeout) return handshake_timeout();
    return {"handshake_failed", spdlog::level::info,
            fmt::format("{}: TLS handshake failed: {}", peer, ec.message())};
  }

  // The handshake, the policy check and the site. False: the connection is done.
  asio::awaitable<bool> establish(Stream& stream) {
    const auto deadline = asio::steady_timer::clock_type::now() + options().handshake_timeout;
    if (!co_await first_bytes(stream, deadline)) co_return false;
    const bool slot = co_await s->run_shared([this] {
      if (!admitted()) return false;  // evicted while it waited
      if (auto victim = s->admission.begin_handshake(conn)) {
        s->evict(*victim, EvictionPool::handshakes);
      }
      s->update_gauges();
      return true;
    });
    if (!slot) co_return false;
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      if (!co_await still_admitted()) co_return false;  // evicted
      co_await report(handshake_failure(ec, stream));
      co_return false;
    }
    ssl = stream.native_handle();
    auto info = crypto::enforce_policy(ssl, options().tls.group_policy, s->metrics);
    if (!info) {
      co_await log_refusal(
          "policy", spdlog::level::warn,
          fmt::format("{}: refused after the handshake: {}", peer, info.error().message()));
      co_return false;
    }
    site_id = info->peer_common_name;
    const bool kept = co_await s->run_shared([&] {
      // Evicted while its handshake ended (with worker threads the close comes after it).
      if (!admitted()) return false;
      site = s->executor.find_site(site_id);
      s->admission.handshake_done(conn, site.has_value());
      s->update_gauges();
      if (!site) {
        s->log_refusal("unknown_site", spdlog::level::warn,
                       fmt::format("{}: certificate CN '{}' is no configured site", peer,
                                   core::log_safe(site_id)));
        s->metrics.add("edge_unknown_site_total");
      }
      return true;
    });
    if (!kept) co_return false;
    spdlog::debug("key service: {}: site '{}', {} ({}){}", peer, core::log_safe(site_id),
                  info->group, info->peer_signature, info->resumed ? ", resumed" : "");
    s->metrics.add("edge_handshakes_total", 1,
                   fmt::format("group=\"{}\",resumed=\"{}\"", info->group, info->resumed));
    co_return true;
  }

  // The deadline for request `n` (1-based) to arrive complete. A connection that is no
  // site's gets no more than it got for its handshake.
  [[nodiscard]] std::chrono::milliseconds request_deadline(std::size_t n) const {
    const auto d = n == 1 ? options().io_timeout : options().idle_timeout;
    return site ? d : std::min(d, options().handshake_timeout);
  }

  asio::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (std::size_t n = 1;; ++n) {
      wire::RequestParser parser;
      wire::limit_request_parser(parser, options().max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(request_deadline(n));
      auto [ec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
      Answer answer;
      bool keep_alive = false;
      if (ec == http::error::body_limit) {
        s->metrics.add("edge_bad_requests_total", 1, "reason=\"too_large\"");
        answer = error_answer(wire::ErrorCode::payload_too_large,
                              fmt::format("body over {} bytes", options().max_body_bytes), true);
      } else if (ec) {
        if (ec == beast::error::timeout) {
          const char* stage = n == 1 ? "read" : "idle";
          s->metrics.add("edge_timeouts_total", 1, fmt::format("stage=\"{}\"", stage));
          co_await log_refusal(fmt::format("timeout_{}", stage), spdlog::level::info,
                               fmt::format("{}: no request within {} ms ({})", peer,
                                           request_deadline(n).count(), stage));
        } else if (ec != http::error::end_of_stream && ec != asio::ssl::error::stream_truncated &&
                   ec != asio::error::eof && co_await still_admitted()) {
          co_await log_refusal("read_failed", spdlog::level::info,
                               fmt::format("{}: {}", peer, ec.message()));
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
        if (keep_alive && n >= options().max_requests) {
          // Enough for any rotation (token, request and its repeats, ack): close after this.
          s->metrics.add("edge_connections_closed_total", 1, "reason=\"max_requests\"");
          keep_alive = false;
        }
      }
      if (!co_await write(stream, answer, keep_alive) || !keep_alive) co_return;
    }
  }

  asio::awaitable<bool> write(Stream& stream, const Answer& answer, bool keep_alive) {
    if (answer.file) co_return co_await write_file(stream, *answer.file, keep_alive);
    http::response<http::string_body> res{answer.status, 11};
    res.set(http::field::content_type, wire::kContentType);
    res.keep_alive(keep_alive);
    if (answer.retry_after) {
      res.set(http::field::retry_after, wire::format_retry_after(*answer.retry_after));
    }
    res.body() = answer.body;
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(options().io_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, kTuple);
    if (ec && ec == beast::error::timeout) {
      s->metrics.add("edge_timeouts_total", 1, "stage=\"write\"");
    }
    co_return !ec;
  }

  asio::awaitable<bool> write_file(Stream& stream, const ReleaseFile& file, bool keep_alive) {
    const ReleaseServing& serving = options().releases;
#ifdef __clang_analyzer__
    // clang's analyzer takes the promise behind this co_await for uninitialized (Asio's
    // awaitable_frame_base::attached_thread_), a false positive seen only here; it still
    // analyzes send_file_response itself and everything around this line.
    const FileSendResult r = FileSendResult::sent;
#else
    const FileSendResult r = co_await send_file_response(
        stream, file, keep_alive, options().io_timeout,
        std::chrono::steady_clock::now() + serving.transfer_timeout, s->metrics);
#endif
    co_await s->run_shared([&] {
      --s->active_downloads;  // the slot release_slot() took
      if (r == FileSendResult::write_timeout || r == FileSendResult::transfer_timeout) {
        const char* stage =
            r == FileSendResult::write_timeout ? "release_write" : "release_transfer";
        s->metrics.add("edge_timeouts_total", 1, fmt::format("stage=\"{}\"", stage));
        s->log_refusal(
            fmt::format("timeout_{}", stage), spdlog::level::info,
            fmt::format("{}: site '{}' too slow for a release file ({})", peer, site_id, stage));
      } else if (r == FileSendResult::read_failed) {
        s->log_refusal("release_read_failed", spdlog::level::warn,
                       fmt::format("{}: a release file could not be read to its end", peer));
      }
    });
    co_return r == FileSendResult::sent;
  }
};

}  // namespace

asio::awaitable<void> serve_connection(std::shared_ptr<EdgeServerState> state, tcp::socket socket,
                                       rotation::ConnectionId conn, core::IpAddress peer_address,
                                       IoWork work) {
  Session session{state, conn, {}, peer_address, nullptr, std::nullopt, {}, nullptr};
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  session.peer = fmt::format("{}:{}", peer_address.to_string(), ec ? 0 : remote.port());

  session.live = std::make_shared<LiveConnection>();
  session.live->executor = socket.get_executor();  // where this coroutine runs
  Stream stream(std::move(socket), *state->tls);
  session.live->socket = &beast::get_lowest_layer(stream).socket();
  const bool open = co_await state->run_shared([&] {
    if (work) {
      --state->unstarted;
      state->accept_pace.cancel();  // the listeners may take the next one
    }
    // Evicted, or the server stopped, before this coroutine ran: nobody closed its socket.
    if (!session.admitted()) return false;
    state->live[conn] = session.live;
    state->connections.open(conn);
    state->update_gauges();
    return true;
  });

  if (open && co_await session.establish(stream)) {
    co_await session.serve(stream);
    if (co_await session.still_admitted()) {
      beast::get_lowest_layer(stream).expires_after(state->options.io_timeout);
      co_await stream.async_shutdown(kTuple);  // close_notify; errors do not matter now
    }
  }

  beast::get_lowest_layer(stream).close();
  session.live->socket = nullptr;  // a close queued for this connection finds nothing now
  co_await state->run_shared([&] {
    state->live.erase(conn);
    state->connections.close(conn);
    state->admission.close(conn);
    if (session.site) {
      state->executor.connection_closed(*session.site, conn);
      state->rearm();
    }
    state->update_gauges();
    --state->tasks;
  });
  work.reset();
}

}  // namespace pqbranch::keysvc::detail
