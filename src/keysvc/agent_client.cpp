#include "pqbranch/keysvc/agent_client.hpp"

#include <deque>
#include <map>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/crypto/certificate_name.hpp"
#include "pqbranch/crypto/tls_failure.hpp"
#include "pqbranch/keysvc/errc.hpp"
#include "pqbranch/keysvc/exporter_context.hpp"
#include "pqbranch/keysvc/session_keys.hpp"
#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/net/awaitable.hpp"
#include "pqbranch/rotation/errc.hpp"
#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/errc.hpp"
#include "pqbranch/wire/nat_hello.hpp"
#include "pqbranch/wire/nat_token.hpp"
#include "pqbranch/wire/protocol.hpp"
#include "pqbranch/wire/release_path.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

#include "partial_file.hpp"
#include "release_transfer.hpp"

namespace pqbranch::keysvc {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

using net::kTuple;
constexpr int kNatHelloTries = 3;  // docs/key-service.md §4, nat_hello_missing
constexpr auto kShutdownTimeout = std::chrono::seconds(1);

// One sentence for a failed network or TLS operation; TLS errors in the words of
// crypto::describe_client_error (which knows the alerts).
std::string describe(const boost::system::error_code& ec, const SSL* ssl) {
  if (ec.category() == asio::error::get_ssl_category()) {
    return crypto::describe_client_error(ssl, static_cast<unsigned int>(ec.value()));
  }
  if (ec == asio::ssl::error::stream_truncated) return "edge closed the connection";
  if (ec == beast::error::timeout) return "timed out";
  if (ec == http::error::end_of_stream) return "edge closed the connection";
  return ec.message();
}

core::Error net_error(const boost::system::error_code& ec, const SSL* ssl, std::string_view what) {
  return core::Error{ec, fmt::format("{}: {}", what, describe(ec, ssl))};
}

// Why the client refused an answer it was reading: the label of
// agent_edge_answers_refused_total (docs/operations.md).
std::string_view answer_refusal(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "timeout";
  if (ec == http::error::body_limit || ec == http::error::header_limit ||
      ec == http::error::buffer_overflow) {
    return "too_large";
  }
  if (ec == asio::ssl::error::stream_truncated || ec == http::error::end_of_stream ||
      ec == http::error::partial_message || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return "closed";
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return "bad_http";
  }
  if (ec.category() == wire::errc_category()) return "malformed";
  return "read_failed";
}

struct Op {
  enum class Kind : std::uint8_t { request, ack, close };
  Kind kind = Kind::close;
  rotation::GenerationRequest request;
  rotation::GenerationAck ack;
};

struct Response {
  unsigned status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  // a valid Retry-After header
};

}  // namespace

struct AgentClient::Impl : std::enable_shared_from_this<AgentClient::Impl> {
  struct Conn {
    Conn(asio::io_context& io, asio::ssl::context& ctx) : stream(io, ctx), signal(io) {
      signal.expires_at(asio::steady_timer::time_point::max());
    }
    rotation::ConnectionId id = 0;
    std::size_t endpoint = 0;
    // A copy: a reload may replace the list while this connection runs.
    config::EdgeEndpoint edge;
    std::uint64_t epoch = 0;  // of the endpoint list it was made from
    Stream stream;
    asio::steady_timer signal;  // cancelled to wake the connection's coroutine
    std::deque<Op> ops;
    bool stopped = false;
    beast::flat_buffer buffer;
    std::string site_id;
    bool edge_nat_off = false;  // GET /v1/nat-token answered 404
    std::string session_signature;
  };
  using ConnPtr = std::shared_ptr<Conn>;

  Impl(asio::io_context& io_context, AgentClientOptions o, core::Metrics& m, asio::ssl::context c)
      : io(io_context),
        options(std::move(o)),
        metrics(m),
        ctx(std::move(c)),
        nat_socket(io_context),
        keepalive(io_context) {}

  asio::io_context& io;
  AgentClientOptions options;
  core::Metrics& metrics;
  asio::ssl::context ctx;
  Sink sink;
  std::map<rotation::ConnectionId, ConnPtr> conns;
  std::optional<HandshakeRecord> last;
  // Per endpoint: the latest resumable session, and the signature that authenticated it.
  struct Resumable {
    crypto::TlsSession session;
    std::string signature;
  };
  std::map<std::size_t, Resumable> sessions;
  std::uint64_t epoch = 0;  // set_endpoints() counts up; sessions belong to one list
  udp::socket nat_socket;
  asio::steady_timer keepalive;
  bool down = false;

  // Events always arrive later, on the io_context (never inside the executor's call).
  void deliver(rotation::AgentEvent e) {
    asio::post(io, [self = shared_from_this(), ev = std::move(e)]() mutable {
      if (!self->down && self->sink) self->sink(std::move(ev));
    });
  }

  [[nodiscard]] std::string endpoint_name(std::size_t i) const {
    return i < options.endpoints.size() ? options.endpoints[i].to_string() : "?";
  }

  // The completion handler holds this object alive until the coroutine is done, so
  // destroying the client while operations are still being cancelled is safe.
  void spawn(asio::awaitable<void> a, std::string what) {
    asio::co_spawn(io, std::move(a),
                   [self = shared_from_this(), w = std::move(what)](const std::exception_ptr& e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& x) {
                       spdlog::error("key service client: {}: {}", w, x.what());
                     }
                   });
  }

  void push(rotation::ConnectionId id, const Op& op) {
    auto it = conns.find(id);
    if (it == conns.end() || it->second->stopped) return;
    it->second->ops.push_back(op);
    it->second->signal.cancel();
  }

  void forget(const ConnPtr& c) {
    c->stopped = true;
    if (auto it = conns.find(c->id); it != conns.end() && it->second == c) conns.erase(it);
  }

  // --- one connection ---

  asio::awaitable<void> run(ConnPtr c) {
    if (auto r = co_await establish(*c); !r) {
      const std::string endpoint = c->edge.to_string();
      spdlog::warn("key service {}: {}", endpoint, r.error().detail);
      metrics.add("agent_connect_failures_total");
      forget(c);
      deliver(rotation::ConnectFailed{c->id, r.error()});
      co_return;
    }
    deliver(rotation::Connected{c->id});
    while (!c->stopped) {
      if (c->ops.empty()) {
        co_await c->signal.async_wait(kTuple);
        c->signal.expires_at(asio::steady_timer::time_point::max());
        continue;
      }
      const Op op = c->ops.front();
      c->ops.pop_front();
      core::Result<void> r;
      switch (op.kind) {
        case Op::Kind::request:
          r = co_await request(*c, op.request);
          break;
        case Op::Kind::ack:
          r = co_await acknowledge(*c, op.ack);
          break;
        case Op::Kind::close:
          co_await shut(*c);
          forget(c);
          co_return;
      }
      if (!r) {
        spdlog::warn("key service {}: {}", c->edge.to_string(), r.error().detail);
        beast::get_lowest_layer(c->stream).close();
        forget(c);
        deliver(rotation::ConnectionLost{c->id, r.error()});
        co_return;
      }
    }
  }

  // Connect and handshake within connect_timeout (and by `limit` when given).
  asio::awaitable<core::Result<void>> establish(
      Conn& c,
      std::chrono::steady_clock::time_point limit = std::chrono::steady_clock::time_point::max()) {
    const config::Endpoint& ep = c.edge.address;
    const std::string name = ep.to_string();
    auto& lowest = beast::get_lowest_layer(c.stream);
    const auto deadline =
        std::min(std::chrono::steady_clock::now() + options.connect_timeout, limit);
    tcp::resolver resolver(io);
    auto [rec, results] = co_await resolver.async_resolve(ep.host, std::to_string(ep.port), kTuple);
    if (rec) co_return net_error(rec, nullptr, "resolve " + name);
    boost::system::error_code cec = asio::error::host_not_found;
    for (const auto& entry : results) {
      tcp::socket& sock = lowest.socket();
      boost::system::error_code ignored;
      sock.close(ignored);
      sock.open(entry.endpoint().protocol(), cec);
      if (cec) continue;
      if (options.bypass_tunnel) {
        const auto family =
            entry.endpoint().address().is_v4() ? core::Family::v4 : core::Family::v6;
        if (auto b = xfrm::bypass_policies(sock.native_handle(), family); !b) {
          co_return core::Error{b.error().code, "connect " + name + ": " + b.error().detail};
        }
      }
      lowest.expires_at(deadline);
      std::tie(cec) = co_await lowest.async_connect(entry.endpoint(), kTuple);
      if (!cec) break;
    }
    if (cec) co_return net_error(cec, nullptr, "connect " + name);
    // Small request/response records: Nagle plus the peer's delayed ACK would add tens of
    // milliseconds to the handshake and each exchange (docs/edge-stub.md).
    boost::system::error_code nodelay;
    lowest.socket().set_option(tcp::no_delay(true), nodelay);
    SSL* ssl = c.stream.native_handle();
    const std::string& edge_name = c.edge.name;
    if (auto s = crypto::set_peer_name(ssl, edge_name); !s) co_return s.error();
    if (options.resume_sessions && c.epoch == epoch) {
      if (auto it = sessions.find(c.endpoint); it != sessions.end()) {
        if (auto o = crypto::TlsConnection(ssl).offer_session(it->second.session); !o) {
          co_return o.error();
        }
      }
    }
    lowest.expires_at(deadline);
    auto [hec] = co_await c.stream.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      if (const auto why = crypto::peer_certificate_refusal(ssl); !why.empty()) {
        metrics.add("agent_edge_certificate_refused_total", 1, fmt::format("reason=\"{}\"", why));
      }
      co_return net_error(hec, ssl, fmt::format("TLS with {} as {}", name, edge_name));
    }
    auto info = crypto::enforce_policy(ssl, options.tls.group_policy, metrics);
    if (!info) co_return info.error();
    c.site_id = crypto::local_common_name(ssl);
    if (c.site_id.empty()) {
      co_return core::make_error(rotation::errc::invalid_request,
                                 "our certificate has no subject CN");
    }
    metrics.add("agent_tls_handshakes_total");
    spdlog::debug("key service {}: TLS {} {} peer signature {}{}", name, info->group, info->cipher,
                  info->peer_signature.empty() ? "(resumed)" : info->peer_signature,
                  info->post_quantum ? "" : " NOT post-quantum");
    std::string signature = info->peer_signature;
    if (info->resumed) {
      metrics.add("agent_tls_resumed_total");
      if (auto it = sessions.find(c.endpoint); it != sessions.end())
        signature = it->second.signature;
    }
    c.session_signature = signature;
    last = HandshakeRecord{name, *info, signature, std::chrono::system_clock::now()};
    co_return core::Result<void>{};
  }

  // Counts an answer of the edge that the client refused (it never reaches the machine).
  core::Error refuse_answer(std::string_view reason, core::Error error) {
    metrics.add("agent_edge_answers_refused_total", 1, fmt::format("reason=\"{}\"", reason));
    return error;
  }

  // An error status whose body is no error message of the protocol.
  core::Error bad_error_body(unsigned status, const core::Error& why) {
    return refuse_answer("bad_error_body",
                         core::make_error(rotation::errc::refused,
                                          fmt::format("HTTP {} without a valid error body: {}",
                                                      status, why.message())));
  }

  asio::awaitable<core::Result<Response>> exchange(Conn& c, http::verb verb,
                                                   std::string_view target, std::string body) {
    const config::Endpoint& ep = c.edge.address;
    const std::string what = fmt::format("{} {}", std::string_view(http::to_string(verb)), target);
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, ep.to_string());
    req.set(http::field::user_agent, "pqbranch-agent/" + options.agent_version);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, wire::kContentType);
      req.body() = std::move(body);
    }
    req.keep_alive(true);
    req.prepare_payload();
    auto& lowest = beast::get_lowest_layer(c.stream);
    lowest.expires_after(options.io_timeout);
    auto [wec, written] = co_await http::async_write(c.stream, req, kTuple);
    if (wec) co_return net_error(wec, c.stream.native_handle(), what);
    http::response_parser<http::string_body> parser;
    parser.body_limit(wire::kMaxBodyBytes);
    parser.header_limit(wire::kMaxHeaderBytes);
    lowest.expires_after(options.io_timeout);
    auto [rec, read] = co_await http::async_read(c.stream, c.buffer, parser, kTuple);
    if (rec) {
      co_return refuse_answer(answer_refusal(rec), net_error(rec, c.stream.native_handle(), what));
    }
    lowest.expires_never();
    // One request, one answer: the agent never pipelines, so a byte after the answer is one
    // nobody asked for (an answer sent twice, or another one first). Which of them the edge
    // meant is unknowable; the exchange ends before any of it is used.
    if (c.buffer.size() != 0) {
      co_return refuse_answer(
          "unrequested",
          core::make_error(boost::system::errc::protocol_error,
                           fmt::format("{}: the answer was followed by {} bytes nobody asked for",
                                       what, c.buffer.size())));
    }
    remember_session(c);
    Response r;
    r.status = parser.get().result_int();
    if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) {
      r.retry_after = wire::parse_retry_after(it->value());
    }
    r.body = std::move(parser.get().body());
    co_return r;
  }

  // TLS 1.3 tickets arrive after the handshake; by the first answer they have been read.
  void remember_session(const Conn& c) {
    if (!options.resume_sessions || c.epoch != epoch) return;
    auto s = crypto::TlsConnection(const_cast<Stream&>(c.stream).native_handle())  // NOLINT
                 .resumable_session();
    if (!s) return;
    sessions.insert_or_assign(c.endpoint, Resumable{std::move(*s), c.session_signature});
  }

  // GET /v1/nat-token, then the authenticated hello from the encapsulation socket, twice.
  asio::awaitable<core::Result<void>> nat_hello(Conn& c, std::optional<wire::NatToken>& token) {
    if (!token) {
      auto res = co_await exchange(c, http::verb::get, wire::kNatTokenPath, {});
      if (!res) co_return res.error();
      if (res->status == 404) {
        // The edge has NAT traversal off: it ignores "nat" and never encapsulates, so the
        // exchange goes on without a hello.
        spdlog::info("key service {}: edge has NAT traversal off; no NAT hello",
                     c.edge.to_string());
        c.edge_nat_off = true;
        co_return core::Result<void>{};
      }
      if (res->status != 200) {
        co_return core::make_error(
            rotation::errc::refused,
            fmt::format("GET {}: HTTP {}", wire::kNatTokenPath, res->status));
      }
      auto decoded = wire::decode_nat_token_response(res->body);
      if (!decoded) co_return decoded.error();
      token = decoded->token;
    }
    if (c.edge_nat_off) co_return core::Result<void>{};
    const auto context = keysvc::nat_exporter_context(*token);
    auto key = crypto::TlsConnection(c.stream.native_handle())
                   .export_keying_material(keysvc::kNatExporterLabel, context, wire::kNatKeyBytes);
    if (!key) co_return key.error();
    auto datagram = wire::encode_nat_hello(*token, *key);
    if (!datagram) co_return datagram.error();
    const NatOptions& nat = *options.nat;
    const udp::endpoint to(asio::ip::make_address(nat.edge_address.to_string()), nat.edge_port);
    asio::steady_timer gap(io);
    for (int copy = 0; copy < 2; ++copy) {
      if (copy > 0) {
        gap.expires_after(nat.hello_gap);
        co_await gap.async_wait(kTuple);
      }
      boost::system::error_code ec;
      nat_socket.send_to(asio::buffer(*datagram), to, 0, ec);
      if (ec) spdlog::warn("NAT hello to {}:{}: {}", nat.edge_address, nat.edge_port, ec.message());
    }
    metrics.add("agent_nat_hellos_total");
    co_return core::Result<void>{};
  }

  asio::awaitable<core::Result<void>> request(Conn& c, const rotation::GenerationRequest& request) {
    std::optional<wire::NatToken> token;
    const bool with_nat = options.nat && request.nat_source_port;
    wire::Capabilities caps;
    caps.esn = true;
    caps.route = options.route_mode;
    caps.policy = !options.route_mode;
    caps.natt = options.nat.has_value();
    const std::string body = encode_request(request, options.agent_version, caps);
    for (int attempt = 1;; ++attempt) {
      if (with_nat && !c.edge_nat_off) {
        if (auto h = co_await nat_hello(c, token); !h) co_return h.error();
      }
      auto res = co_await exchange(c, http::verb::post, wire::kGenerationPath, body);
      if (!res) co_return res.error();
      if (res->status == 200) {
        auto offer = decode_offer(res->body);
        if (!offer) co_return refuse_answer("malformed", offer.error());
        // Keys only for an offer that answers this request; the machine checks the rest.
        rotation::GenerationKeys keys;
        if (offer->agent_spi == request.agent_spi) {
          auto derived =
              derive_generation_keys(crypto::TlsConnection(c.stream.native_handle()), c.site_id,
                                     offer->generation, request.agent_spi, offer->edge_spi);
          if (!derived) co_return derived.error();
          keys = std::move(*derived);
        }
        deliver(rotation::OfferReceived{c.id, std::move(*offer), std::move(keys)});
        co_return core::Result<void>{};
      }
      auto refusal = decode_refusal(res->body);
      if (!refusal) co_return bad_error_body(res->status, refusal.error());
      if (refusal->code == rotation::RefusalCode::nat_hello_missing && with_nat &&
          !c.edge_nat_off && attempt < kNatHelloTries) {
        spdlog::info("key service {}: edge saw no NAT hello yet, sending it again",
                     c.edge.to_string());
        continue;
      }
      refusal->retry_after = res->retry_after;
      deliver(rotation::RefusalReceived{c.id, std::move(*refusal)});
      co_return core::Result<void>{};
    }
  }

  asio::awaitable<core::Result<void>> acknowledge(Conn& c, const rotation::GenerationAck& ack) {
    auto res = co_await exchange(c, http::verb::post, wire::kGenerationAckPath, encode_ack(ack));
    if (!res) co_return res.error();
    if (res->status == 200) {
      auto decoded = wire::decode_ack_response(res->body);
      if (!decoded) co_return refuse_answer("malformed", decoded.error());
      if (decoded->generation != ack.generation) {
        co_return refuse_answer(
            "wrong_generation",
            core::make_error(rotation::errc::refused,
                             fmt::format("the answer to the acknowledgement of generation {} "
                                         "names generation {}",
                                         ack.generation, decoded->generation)));
      }
      spdlog::debug("key service {}: generation {} acknowledged, edge sends on it: {}",
                    c.edge.to_string(), decoded->generation, decoded->edge_outbound_installed);
      metrics.add("agent_acks_answered_total");
      deliver(rotation::AckAnswered{c.id, decoded->generation, decoded->edge_outbound_installed});
      co_return core::Result<void>{};
    }
    auto refusal = decode_refusal(res->body);
    spdlog::warn("key service {}: acknowledgement of generation {} answered HTTP {}: {}",
                 c.edge.to_string(), ack.generation, res->status,
                 refusal ? refusal->detail : refusal.error().message());
    if (!refusal) co_return bad_error_body(res->status, refusal.error());
    refusal->retry_after = res->retry_after;
    deliver(rotation::RefusalReceived{c.id, std::move(*refusal)});
    co_return core::Result<void>{};
  }

  asio::awaitable<void> shut(Conn& c) {
    auto& lowest = beast::get_lowest_layer(c.stream);
    lowest.expires_after(kShutdownTimeout);
    co_await c.stream.async_shutdown(kTuple);  // close_notify; the edge may already be gone
    lowest.close();
  }

  // --- release transfers (docs/key-service.md §9): one new connection each ---

  std::map<std::uint64_t, ConnPtr> transfers;
  std::uint64_t next_transfer = 1;

  template <class T>
  void reply(std::function<void(ReleaseReply<T>)> done, ReleaseReply<T> r) {
    asio::post(io, [d = std::move(done), rep = std::move(r)]() mutable { d(std::move(rep)); });
  }

  // Connects, runs the exchange, closes. Errors before the exchange are release_timeout
  // (past the deadline) or release_unavailable.
  asio::awaitable<core::Result<void>> transfer(std::size_t endpoint, detail::ReleaseExchange x,
                                               detail::BodySink body_sink,
                                               std::optional<std::chrono::seconds>* retry_after) {
    if (down) co_return core::make_error(errc::release_unavailable, "the client is shut down");
    auto c = std::make_shared<Conn>(io, ctx);
    c->endpoint = endpoint < options.endpoints.size() ? endpoint : 0;
    c->edge = options.endpoints[c->endpoint];
    c->epoch = epoch;
    const std::uint64_t id = next_transfer++;
    transfers[id] = c;
    core::Result<void> r = co_await establish(*c, x.deadline);
    if (!r) {
      const bool late = std::chrono::steady_clock::now() >= x.deadline;
      r = core::make_error(late ? errc::release_timeout : errc::release_unavailable,
                           fmt::format("{} {}: {}", x.method, x.target, r.error().detail));
    } else {
      x.host = c->edge.to_string();
      r = co_await detail::run_release_exchange(c->stream, c->buffer, x, body_sink, retry_after);
      if (r) co_await shut(*c);
    }
    beast::get_lowest_layer(c->stream).close();
    transfers.erase(id);
    if (!r) metrics.add("agent_release_failures_total");
    co_return r;
  }

  detail::ReleaseExchange exchange_for(const ReleaseTransfer& t, std::string method,
                                       std::string target, std::uint64_t bound) const {
    detail::ReleaseExchange x;
    x.method = std::move(method);
    x.target = std::move(target);
    x.user_agent = "pqbranch-agent/" + options.agent_version;
    x.max_bytes = std::min(t.max_bytes, bound);
    x.deadline = std::chrono::steady_clock::now() + t.deadline;
    x.idle_timeout = t.idle_timeout;
    return x;
  }

  asio::awaitable<void> fetch_manifest(std::string channel, ReleaseTransfer t,
                                       ManifestHandler done) {
    const wire::ReleaseTarget target{channel, wire::ReleaseResource::manifest, {}};
    auto x = exchange_for(t, "GET", wire::release_target(target), wire::kMaxManifestBytes);
    std::string manifest;
    const detail::BodySink to_body = [&manifest](std::span<const std::uint8_t> bytes) {
      manifest.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());  // NOLINT
      return core::Result<void>{};
    };
    ReleaseReply<std::string> rep{std::string(), std::nullopt};
    auto r = co_await transfer(t.endpoint, std::move(x), to_body, &rep.retry_after);
    if (r) {
      metrics.add("agent_release_bytes_total", static_cast<std::int64_t>(manifest.size()));
      rep.value = std::move(manifest);
    } else {
      rep.value = r.error();
    }
    reply(std::move(done), std::move(rep));
  }

  asio::awaitable<void> download(std::string channel, std::string file,
                                 std::filesystem::path directory, ReleaseTransfer t,
                                 PackageHandler done) {
    ReleaseReply<DownloadedPackage> rep{DownloadedPackage{}, std::nullopt};
    auto partial = detail::PartialFile::create(directory, file);
    if (!partial) {
      rep.value = partial.error();
      reply(std::move(done), std::move(rep));
      co_return;
    }
    const wire::ReleaseTarget target{channel, wire::ReleaseResource::package, file};
    auto x = exchange_for(t, "GET", wire::release_target(target), wire::kMaxPackageBytes);
    detail::PartialFile& out = **partial;
    const detail::BodySink to_body = [&out](std::span<const std::uint8_t> bytes) {
      return out.write(bytes);
    };
    auto r = co_await transfer(t.endpoint, std::move(x), to_body, &rep.retry_after);
    if (r) {
      auto path = out.commit();
      if (path) {
        metrics.add("agent_release_bytes_total", static_cast<std::int64_t>(out.size()));
        rep.value = DownloadedPackage{std::move(*path), out.size()};
      } else {
        rep.value = path.error();
      }
    } else {
      rep.value = r.error();
    }
    partial->reset();  // not committed: the partial file is removed here
    reply(std::move(done), std::move(rep));
  }

  asio::awaitable<void> report(std::string channel, wire::ReleaseReport report, ReleaseTransfer t,
                               ReportHandler done) {
    const wire::ReleaseTarget target{channel, wire::ReleaseResource::report, {}};
    auto x = exchange_for(t, "POST", wire::release_target(target), wire::kMaxBodyBytes);
    x.body = wire::encode(report);
    const detail::BodySink ignore = [](std::span<const std::uint8_t>) {
      return core::Result<void>{};
    };
    ReleaseReply<void> rep{core::Result<void>{}, std::nullopt};
    rep.value = co_await transfer(t.endpoint, std::move(x), ignore, &rep.retry_after);
    reply(std::move(done), std::move(rep));
  }

  // --- NAT traversal ---

  asio::awaitable<void> keepalives() {
    const NatOptions& nat = *options.nat;
    const udp::endpoint to(asio::ip::make_address(nat.edge_address.to_string()), nat.edge_port);
    const std::array<std::uint8_t, 1> one{wire::kNatKeepalive};
    while (!down) {
      keepalive.expires_after(nat.keepalive);
      auto [ec] = co_await keepalive.async_wait(kTuple);
      if (ec || down) co_return;
      boost::system::error_code sec;
      nat_socket.send_to(asio::buffer(one), to, 0, sec);
      if (!sec) metrics.add("agent_nat_keepalives_total");
    }
  }

  // Nothing but ESP (which the kernel takes) is expected here; anything else is read and
  // dropped so the socket's buffer never fills. (A plain handler, not a coroutine.)
  void drain_nat_socket() {
    nat_socket.async_receive_from(
        asio::buffer(nat_buffer), nat_from,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t /*n*/) {
          if (ec == asio::error::operation_aborted || self->down) return;
          if (!ec) self->metrics.add("agent_nat_unexpected_datagrams_total");
          self->drain_nat_socket();
        });
  }
  std::array<std::uint8_t, 2048> nat_buffer{};
  udp::endpoint nat_from;
};

AgentClient::AgentClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

namespace {

core::Result<void> check_endpoints(const std::vector<config::EdgeEndpoint>& endpoints) {
  if (endpoints.empty()) {
    return core::make_error(rotation::errc::unreachable, "no key service endpoint configured");
  }
  for (const auto& e : endpoints) {
    if (e.name.empty()) {
      return core::make_error(config::errc::missing_key,
                              "key service endpoint " + e.to_string() +
                                  " has no edge name to check the edge's certificate against");
    }
  }
  return {};
}

}  // namespace

AgentClient::~AgentClient() {
  shutdown();
}

core::Result<std::unique_ptr<AgentClient>> AgentClient::create(asio::io_context& io,
                                                               AgentClientOptions options,
                                                               core::Metrics& metrics) {
  if (auto r = check_endpoints(options.endpoints); !r) return r.error();
  auto native = crypto::make_client_context(options.tls);
  if (!native) return native.error();
  asio::ssl::context ctx(native->release());  // owns the SSL_CTX from here
  auto impl = std::make_shared<Impl>(io, std::move(options), metrics, std::move(ctx));
  if (impl->options.nat) {
    const NatOptions& nat = *impl->options.nat;
    auto fd = nat.open_socket ? nat.open_socket(nat.local_address, nat.local_port)
                              : xfrm::open_natt_socket(nat.local_address, nat.local_port);
    if (!fd) return fd.error();
    boost::system::error_code ec;
    impl->nat_socket.assign(nat.local_address.is_v4() ? udp::v4() : udp::v6(), fd->get(), ec);
    if (ec) return core::Error{ec, "NAT-T socket"};
    fd->release();
    impl->spawn(impl->keepalives(), "NAT keepalives");
    impl->drain_nat_socket();
  }
  return std::unique_ptr<AgentClient>(new AgentClient(std::move(impl)));
}

core::Result<void> AgentClient::set_endpoints(std::vector<config::EdgeEndpoint> endpoints) {
  if (auto r = check_endpoints(endpoints); !r) return r;
  impl_->options.endpoints = std::move(endpoints);
  ++impl_->epoch;
  impl_->sessions.clear();
  return {};
}

void AgentClient::set_sink(Sink sink) {
  impl_->sink = std::move(sink);
}

void AgentClient::connect(rotation::ConnectionId conn, std::size_t endpoint) {
  Impl& d = *impl_;
  if (d.down) return;
  auto c = std::make_shared<Impl::Conn>(d.io, d.ctx);
  c->id = conn;
  c->endpoint = endpoint < d.options.endpoints.size() ? endpoint : 0;
  c->edge = d.options.endpoints[c->endpoint];
  c->epoch = d.epoch;
  d.conns[conn] = c;
  d.spawn(d.run(c), "connection " + std::to_string(conn));
}

void AgentClient::send_request(rotation::ConnectionId conn,
                               const rotation::GenerationRequest& request) {
  Op op;
  op.kind = Op::Kind::request;
  op.request = request;
  impl_->push(conn, op);
}

void AgentClient::send_ack(rotation::ConnectionId conn, const rotation::GenerationAck& ack) {
  Op op;
  op.kind = Op::Kind::ack;
  op.ack = ack;
  impl_->push(conn, op);
}

void AgentClient::close(rotation::ConnectionId conn) {
  impl_->push(conn, Op{});
}

void AgentClient::shutdown() {
  Impl& d = *impl_;
  if (d.down) return;
  d.down = true;
  for (auto& [id, c] : d.conns) {
    c->stopped = true;
    beast::get_lowest_layer(c->stream).close();
    c->signal.cancel();
  }
  d.conns.clear();
  for (auto& [id, c] : d.transfers)
    beast::get_lowest_layer(c->stream).close();  // each transfer ends with an error
  d.keepalive.cancel();
  boost::system::error_code ignored;
  d.nat_socket.close(ignored);
}

namespace {

template <class T, class Handler>
bool refuse_names(asio::io_context& io, bool valid, const std::string& what, Handler& done) {
  if (valid) return false;
  asio::post(io, [d = std::move(done), w = what]() mutable {
    d(ReleaseReply<T>{core::make_error(errc::release_bad_name, w), std::nullopt});
  });
  return true;
}

}  // namespace

void AgentClient::fetch_release_manifest(const std::string& channel, ReleaseTransfer transfer,
                                         ManifestHandler done) {
  Impl& d = *impl_;
  if (refuse_names<std::string>(d.io, wire::is_channel_name(channel),
                                "channel '" + channel.substr(0, 40) + "'", done)) {
    return;
  }
  d.spawn(d.fetch_manifest(channel, transfer, std::move(done)), "release manifest");
}

void AgentClient::download_release_package(const std::string& channel, const std::string& file,
                                           const std::filesystem::path& directory,
                                           ReleaseTransfer transfer, PackageHandler done) {
  Impl& d = *impl_;
  const bool valid = wire::is_channel_name(channel) && wire::is_package_name(file);
  if (refuse_names<DownloadedPackage>(
          d.io, valid,
          "channel '" + channel.substr(0, 40) + "', file '" + file.substr(0, 140) + "'", done)) {
    return;
  }
  d.spawn(d.download(channel, file, directory, transfer, std::move(done)), "release package");
}

void AgentClient::send_release_report(const std::string& channel, const wire::ReleaseReport& report,
                                      ReleaseTransfer transfer, ReportHandler done) {
  Impl& d = *impl_;
  const bool valid = wire::is_channel_name(channel) && wire::is_release_version(report.version);
  if (refuse_names<void>(
          d.io, valid,
          "channel '" + channel.substr(0, 40) + "', version '" + report.version.substr(0, 70) + "'",
          done)) {
    return;
  }
  d.spawn(d.report(channel, report, transfer, std::move(done)), "release report");
}

std::optional<HandshakeRecord> AgentClient::last_handshake() const {
  return impl_->last;
}

std::optional<std::uint16_t> AgentClient::nat_port() const {
  if (!impl_->nat_socket.is_open()) return std::nullopt;
  boost::system::error_code ec;
  const auto ep = impl_->nat_socket.local_endpoint(ec);
  if (ec) return std::nullopt;
  return ep.port();
}

std::string AgentClient::endpoint_name(std::size_t endpoint) const {
  return impl_->endpoint_name(endpoint);
}

void AgentClient::set_timeouts(std::chrono::milliseconds connect, std::chrono::milliseconds io) {
  impl_->options.connect_timeout = connect;
  impl_->options.io_timeout = io;
}

std::vector<config::EdgeEndpoint> AgentClient::endpoints() const {
  return impl_->options.endpoints;
}

}  // namespace pqbranch::keysvc
