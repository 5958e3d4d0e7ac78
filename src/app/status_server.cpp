#include "pqbranch/app/status_server.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/app/errc.hpp"
#include "pqbranch/net/awaitable.hpp"

#include "bounded_accept.hpp"
#include "system_error.hpp"

namespace pqbranch::app {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using namespace asio::experimental::awaitable_operators;

namespace {

using net::kTuple;

// A socket file no process listens on is stale (the agent was killed); anything else
// at the path is left alone.
core::Result<void> remove_stale(const std::filesystem::path& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return detail::system_error(errno, "stat " + path.string());
  }
  if (!S_ISSOCK(st.st_mode)) {
    return detail::system_error(EEXIST, path.string() + " exists and is not a socket");
  }
  if (fetch_status(path, std::chrono::milliseconds(500))) {
    return detail::system_error(EADDRINUSE, "another agent answers on " + path.string());
  }
  if (::unlink(path.c_str()) != 0)
    return detail::system_error(errno, "remove stale " + path.string());
  return {};
}

// The reply to an operator command: one line whatever the handler's text holds.
std::string reply_line(const core::Result<std::string>& r) {
  std::string line = r ? "ok: " + *r : "error: " + r.error().message();
  std::replace(line.begin(), line.end(), '\n', ' ');
  return line + "\n";
}

}  // namespace

struct StatusServer::Impl {
  Impl(asio::io_context& io, std::filesystem::path p, Provider pr, CommandHandler h)
      : acceptor(io), path(std::move(p)), provider(std::move(pr)), handler(std::move(h)) {}

  local::acceptor acceptor;
  std::filesystem::path path;
  Provider provider;
  CommandHandler handler;
  std::size_t active = 0;  // connections being served
  // Set when the StatusServer is destroyed: connections still open outlive their owner (the
  // provider's and handler's captures), so they close unanswered.
  bool stopped = false;

  std::string answer(std::string_view request) {
    if (request == "status") return provider() + "\n";
    auto command = parse_operator_command(request);
    if (!command) return reply_line(command.error());
    if (!handler) return reply_line(core::make_error(errc::not_configured));
    std::string reply = reply_line(handler(*command));
    spdlog::info("control socket: {} -> {}", request,
                 std::string_view(reply).substr(0, reply.size() - 1));
    return reply;
  }

  // One connection, from accept to close, within kClientDeadline whatever the client does.
  static asio::awaitable<void> serve_client(std::shared_ptr<Impl> self, local::socket peer) {
    asio::steady_timer deadline(peer.get_executor());
    deadline.expires_after(kClientDeadline);
    co_await (self->converse(peer) || deadline.async_wait(kTuple));
    boost::system::error_code ignored;
    peer.shutdown(local::socket::shutdown_both, ignored);
    peer.close(ignored);
  }

  asio::awaitable<void> converse(local::socket& peer) {
    std::string request;
    auto [ec, n] = co_await asio::async_read_until(
        peer, asio::dynamic_buffer(request, kMaxRequestBytes), '\n', kTuple);
    std::string reply;
    if (ec == asio::error::not_found) {
      reply = reply_line(
          core::make_error(errc::request_too_long,
                           "no '\\n' within " + std::to_string(kMaxRequestBytes) + " bytes"));
    } else if (ec || stopped) {
      co_return;  // the client went away, the deadline passed, or the server stopped
    } else {
      reply = answer(std::string_view(request).substr(0, n - 1));
    }
    co_await asio::async_write(peer, asio::buffer(reply), kTuple);
  }
};

StatusServer::StatusServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

StatusServer::~StatusServer() {
  impl_->stopped = true;
  impl_->provider = nullptr;
  impl_->handler = nullptr;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  ::unlink(impl_->path.c_str());
}

core::Result<std::unique_ptr<StatusServer>> StatusServer::create(asio::io_context& io,
                                                                 const std::filesystem::path& path,
                                                                 Provider provider,
                                                                 CommandHandler handler) {
  if (path.has_parent_path()) {
    std::error_code ec;
    if (std::filesystem::create_directories(path.parent_path(), ec); ec) {
      return detail::system_error(ec.value(), "create " + path.parent_path().string());
    }
  }
  if (auto r = remove_stale(path); !r) return r.error();
  auto impl = std::make_shared<Impl>(io, path, std::move(provider), std::move(handler));
  boost::system::error_code ec;
  impl->acceptor.open(local(), ec);
  if (ec) return core::Error{ec, "status socket " + path.string()};
  impl->acceptor.bind(local::endpoint(path.string()), ec);
  if (ec) return core::Error{ec, "bind status socket " + path.string()};
  // Only root (the agent's user) may connect: the status names SPIs and addresses, and
  // the commands change what the agent installs.
  if (::chmod(path.c_str(), 0600) != 0)
    return detail::system_error(errno, "chmod " + path.string());
  impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::Error{ec, "listen on status socket " + path.string()};
  // The loop holds the server from its creation, so a server destroyed before the loop first
  // runs is still alive when it does.
  asio::co_spawn(io,
                 detail::accept_bounded(impl, kMaxClients, "control socket", &Impl::serve_client),
                 [](const std::exception_ptr& e) {
                   if (e) spdlog::error("status socket stopped unexpectedly");
                 });
  return std::unique_ptr<StatusServer>(new StatusServer(std::move(impl)));
}

}  // namespace pqbranch::app
