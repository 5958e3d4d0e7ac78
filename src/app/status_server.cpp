#include "pqbranch/app/status_server.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::app {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxStatusBytes = std::size_t{1024} * 1024;

core::Error sys_error(int err, std::string what) {
  return core::Error{boost::system::error_code(err, boost::system::system_category()),
                     std::move(what)};
}

// A socket file no process listens on is stale (the agent was killed); anything else
// at the path is left alone.
core::Result<void> remove_stale(const std::filesystem::path& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return sys_error(errno, "stat " + path.string());
  }
  if (!S_ISSOCK(st.st_mode)) {
    return sys_error(EEXIST, path.string() + " exists and is not a socket");
  }
  if (fetch_status(path, std::chrono::milliseconds(500))) {
    return sys_error(EADDRINUSE, "another agent answers on " + path.string());
  }
  if (::unlink(path.c_str()) != 0) return sys_error(errno, "remove stale " + path.string());
  return {};
}

}  // namespace

struct StatusServer::Impl : std::enable_shared_from_this<StatusServer::Impl> {
  Impl(asio::io_context& io, std::filesystem::path p, Provider pr)
      : acceptor(io), path(std::move(p)), provider(std::move(pr)) {}

  local::acceptor acceptor;
  std::filesystem::path path;
  Provider provider;

  asio::awaitable<void> serve() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, peer] = co_await acceptor.async_accept(kTuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        spdlog::warn("status socket: accept: {}", ec.message());
        continue;
      }
      // The whole answer fits the socket buffer of a local peer in practice; the write
      // is still asynchronous so a stuck client never blocks rotation.
      auto answer = std::make_shared<std::string>(provider() + "\n");
      auto conn = std::make_shared<local::socket>(std::move(peer));
      asio::async_write(*conn, asio::buffer(*answer),
                        [conn, answer](const boost::system::error_code&, std::size_t) {
                          boost::system::error_code ignored;
                          conn->shutdown(local::socket::shutdown_both, ignored);
                        });
    }
  }
};

StatusServer::StatusServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

StatusServer::~StatusServer() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  ::unlink(impl_->path.c_str());
}

core::Result<std::unique_ptr<StatusServer>> StatusServer::create(asio::io_context& io,
                                                                 const std::filesystem::path& path,
                                                                 Provider provider) {
  if (path.has_parent_path()) {
    std::error_code ec;
    if (std::filesystem::create_directories(path.parent_path(), ec); ec) {
      return sys_error(ec.value(), "create " + path.parent_path().string());
    }
  }
  if (auto r = remove_stale(path); !r) return r.error();
  auto impl = std::make_shared<Impl>(io, path, std::move(provider));
  boost::system::error_code ec;
  impl->acceptor.open(local(), ec);
  if (ec) return core::Error{ec, "status socket " + path.string()};
  impl->acceptor.bind(local::endpoint(path.string()), ec);
  if (ec) return core::Error{ec, "bind status socket " + path.string()};
  // Only root (the agent's user) may connect: the status names SPIs and addresses.
  if (::chmod(path.c_str(), 0600) != 0) return sys_error(errno, "chmod " + path.string());
  impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::Error{ec, "listen on status socket " + path.string()};
  asio::co_spawn(io, impl->serve(), [](const std::exception_ptr& e) {
    if (e) spdlog::error("status socket stopped unexpectedly");
  });
  return std::unique_ptr<StatusServer>(new StatusServer(std::move(impl)));
}

core::Result<std::string> fetch_status(const std::filesystem::path& path,
                                       std::chrono::milliseconds timeout) {
  const std::string p = path.string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (p.size() >= sizeof(addr.sun_path)) return sys_error(ENAMETOOLONG, p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  const xfrm::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {  // NOLINT
    return sys_error(errno, "connect to " + p + " (is the agent running?)");
  }
  std::string out;
  std::array<char, 4096> buf{};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd.get(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return sys_error(ready == 0 ? ETIMEDOUT : errno, "read from " + p);
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error(errno, "read from " + p);
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
    if (out.size() > kMaxStatusBytes) return sys_error(EFBIG, "status from " + p);
  }
  return out;
}

}  // namespace pqbranch::app
