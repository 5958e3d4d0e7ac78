#include "fakes/connection_flood.hpp"

#include <array>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/bio.h>

#include "pqbranch/crypto/tls_context.hpp"

namespace pqbranch::test {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

void raise_peak(std::atomic<std::int64_t>& peak, std::int64_t now) {
  std::int64_t seen = peak.load();
  while (now > seen && !peak.compare_exchange_weak(seen, now)) {
  }
}

}  // namespace

core::Result<std::string> make_client_hello(SSL_CTX* ctx) {
  const auto failed = [] {
    return core::Error{boost::system::errc::make_error_code(boost::system::errc::protocol_error),
                       "no ClientHello written"};
  };
  crypto::Ssl ssl(SSL_new(ctx));
  if (!ssl) return failed();
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    return failed();
  }
  SSL_set_bio(ssl.get(), in, out);  // ssl owns both now
  SSL_set_connect_state(ssl.get());
  (void)SSL_do_handshake(ssl.get());  // writes the ClientHello, then wants the answer
  char* data = nullptr;
  const long n = BIO_get_mem_data(out, &data);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  if (n <= 0 || data == nullptr) return failed();
  return std::string(data, static_cast<std::size_t>(n));
}

struct ConnectionFlood::Impl {
  Impl(FloodOptions o, std::shared_ptr<Counts> c) : options(std::move(o)), counts(std::move(c)) {}

  FloodOptions options;
  std::shared_ptr<Counts> counts;
  asio::io_context io;

  asio::awaitable<void> slot(asio::ip::address_v4 source, bool hello) {
    const tcp::endpoint edge(asio::ip::make_address_v4("127.0.0.1"), options.port);
    asio::steady_timer pause(io);
    std::array<char, 4096> buffer{};
    for (;;) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      socket.open(tcp::v4(), ec);
      if (!ec) socket.bind(tcp::endpoint(source, 0), ec);
      if (!ec) std::tie(ec) = co_await socket.async_connect(edge, kTuple);
      if (!ec) {
        counts->connects.fetch_add(1);
        raise_peak(counts->peak_open, counts->open.fetch_add(1) + 1);
        if (hello) {
          std::tie(ec, std::ignore) =
              co_await asio::async_write(socket, asio::buffer(options.client_hello), kTuple);
        }
        bool flight = false;
        while (!ec) {
          auto [rec, n] = co_await socket.async_read_some(asio::buffer(buffer), kTuple);
          ec = rec;
          if (!ec && hello && !flight && n > 0) {
            flight = true;
            counts->flights.fetch_add(1);
          }
        }
        counts->open.fetch_sub(1);
      }
      socket.close(ec);
      pause.expires_after(options.pause);
      co_await pause.async_wait(kTuple);
    }
  }
};

ConnectionFlood::ConnectionFlood(FloodOptions options)
    : counts_(std::make_shared<Counts>()),
      impl_(std::make_unique<Impl>(std::move(options), counts_)) {
  const FloodOptions& o = impl_->options;
  for (std::size_t i = 0; i < o.sources; ++i) {
    const auto host = static_cast<std::uint32_t>(o.first_source + i);
    const asio::ip::address_v4 source((127U << 24) | ((host >> 16) & 0xff) << 16 |
                                      ((host >> 8) & 0xff) << 8 | (host & 0xff));
    for (std::size_t k = 0; k < o.idle_per_source + o.hellos_per_source; ++k) {
      asio::co_spawn(impl_->io, impl_->slot(source, k >= o.idle_per_source), asio::detached);
    }
  }
  thread_ = std::thread([this] { impl_->io.run(); });
}

ConnectionFlood::~ConnectionFlood() {
  impl_->io.stop();
  thread_.join();
  impl_.reset();  // destroys the coroutines, which close their sockets
}

}  // namespace pqbranch::test
