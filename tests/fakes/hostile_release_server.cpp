#include "fakes/hostile_release_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/err.h>

namespace pqbranch::test {
namespace {

constexpr int kSocketTimeoutSeconds = 5;
constexpr std::size_t kMaxHeadBytes = 8192;
constexpr std::size_t kChunkBytes = 16 * 1024;

core::Error socket_error(const char* what) {
  return core::Error{boost::system::error_code(errno, boost::system::system_category()), what};
}

void set_timeouts(int fd) {
  timeval tv{};
  tv.tv_sec = kSocketTimeoutSeconds;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string filler(std::size_t n) {
  return std::string(n, 'x');
}

}  // namespace

core::Result<xfrm::UniqueFd> HostileReleaseServer::listen(std::uint16_t& port) {
  std::signal(SIGPIPE, SIG_IGN);  // a write to a client that left must fail, not kill us
  xfrm::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return socket_error("socket");
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) {  // NOLINT
    return socket_error("bind");
  }
  if (::listen(fd.get(), 4) != 0) return socket_error("listen");
  socklen_t len = sizeof at;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&at), &len);  // NOLINT
  port = ntohs(at.sin_port);
  return fd;
}

core::Result<std::unique_ptr<HostileReleaseServer>> HostileReleaseServer::start(
    SSL_CTX* ctx, Misbehaviour m, std::uint64_t body_bytes) {
  std::uint16_t port = 0;
  auto fd = listen(port);
  if (!fd) return fd.error();
  return std::unique_ptr<HostileReleaseServer>(
      new HostileReleaseServer(ctx, m, body_bytes, {}, std::move(*fd), port));
}

core::Result<std::unique_ptr<HostileReleaseServer>> HostileReleaseServer::start(
    SSL_CTX* ctx, HostileScript script) {
  std::uint16_t port = 0;
  auto fd = listen(port);
  if (!fd) return fd.error();
  return std::unique_ptr<HostileReleaseServer>(new HostileReleaseServer(
      ctx, Misbehaviour::slow_headers, 0, std::move(script), std::move(*fd), port));
}

HostileReleaseServer::HostileReleaseServer(SSL_CTX* ctx, Misbehaviour m, std::uint64_t body_bytes,
                                           HostileScript script, xfrm::UniqueFd fd,
                                           std::uint16_t port)
    : ctx_(ctx),
      mode_(m),
      body_bytes_(body_bytes),
      script_(std::move(script)),
      listener_(std::move(fd)),
      port_(port) {
  thread_ = std::thread([this] { run(); });
}

HostileReleaseServer::~HostileReleaseServer() {
  stop();
}

void HostileReleaseServer::stop() {
  stopping_ = true;
  ::shutdown(listener_.get(), SHUT_RDWR);  // wakes the blocked accept()
  if (thread_.joinable()) thread_.join();
}

void HostileReleaseServer::run() {
  // One connection at a time; each test makes a few at most.
  std::size_t connections = 0;
  while (!stopping_) {
    xfrm::UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) return;
    set_timeouts(conn.get());
    SSL* ssl = SSL_new(ctx_);
    if (ssl == nullptr) return;
    SSL_set_fd(ssl, conn.get());
    if (SSL_accept(ssl) == 1) {
      ++handshakes_;
      if (script_) {
        serve_script(ssl, conn.get(), ++connections);
      } else {
        serve(ssl);
      }
    }
    ERR_clear_error();
    SSL_free(ssl);  // no close_notify: the connection just ends
  }
}

bool HostileReleaseServer::write_all(SSL* ssl, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const int n = SSL_write(ssl, bytes.data() + done, static_cast<int>(bytes.size() - done));
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The client closing (close_notify or EOF) makes the socket readable; so does a request it
// pipelined, which a trickling server never gets to anyway.
bool HostileReleaseServer::trickle(SSL* ssl, int fd, const std::string& bytes) {
  for (const char c : bytes) {
    if (!write_all(ssl, std::string(1, c))) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(kTrickleGap.count())) != 0) {
      client_closed_ = true;
      return false;
    }
  }
  return true;
}

bool HostileReleaseServer::read_request(SSL* ssl, std::string& pending, HostileRequest& request) {
  auto read_more = [&] {
    char buf[4096];
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end = 0;
  while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
    if (pending.size() > kMaxHeadBytes || !read_more()) return false;
  }
  request.head = pending.substr(0, end + 4);
  std::string lower = request.head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t length = 0;
  if (const auto at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::strtoul(lower.c_str() + at + 17, nullptr, 10);
  }
  while (pending.size() < end + 4 + length) {
    if (pending.size() > kMaxHeadBytes + length || !read_more()) return false;
  }
  request.body = pending.substr(end + 4, length);
  pending.erase(0, end + 4 + length);
  return true;
}

void HostileReleaseServer::serve_script(SSL* ssl, int fd, std::size_t connection) {
  std::string pending;
  for (std::size_t index = 1;; ++index) {
    HostileRequest request;
    if (!read_request(ssl, pending, request)) return;
    request.connection = connection;
    request.index = index;
    ++requests_;
    const HostileReply reply = script_(request);
    switch (reply.then) {
      case Then::next_request:
        if (!write_all(ssl, reply.bytes)) return;
        break;
      case Then::close:
        write_all(ssl, reply.bytes);
        return;
      case Then::wait_for_close:
        if (write_all(ssl, reply.bytes)) wait_for_close(ssl);
        return;
      case Then::trickle:
        trickle(ssl, fd, reply.bytes);
        return;
    }
  }
}

void HostileReleaseServer::wait_for_close(SSL* ssl) {
  char byte = 0;
  errno = 0;
  const int n = SSL_read(ssl, &byte, 1);  // returns when the client closes, or after 5 s
  const int read_errno = errno;
  if (n <= 0) {
    // The socket timeout shows as WANT_READ or as a SYSCALL error with EAGAIN; anything else
    // (close_notify, EOF, reset) is the client going away.
    const int err = SSL_get_error(ssl, n);
    const bool timed_out =
        err == SSL_ERROR_WANT_READ ||
        (err == SSL_ERROR_SYSCALL && (read_errno == EAGAIN || read_errno == EWOULDBLOCK));
    client_closed_ = !timed_out;
  }
}

void HostileReleaseServer::serve(SSL* ssl) {
  std::string pending;
  HostileRequest request;
  if (!read_request(ssl, pending, request)) return;
  const std::string length_head = fmt::format(
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
      body_bytes_);
  switch (mode_) {
    case Misbehaviour::truncate: {
      const std::string half = filler(static_cast<std::size_t>(body_bytes_ / 2));
      if (write_all(ssl, length_head + half)) sent_ = half.size();
      return;
    }
    case Misbehaviour::stall: {
      const std::string some = filler(std::min<std::size_t>(1024, body_bytes_));
      if (write_all(ssl, length_head + some)) sent_ = some.size();
      wait_for_close(ssl);
      return;
    }
    case Misbehaviour::announce_too_much:
      if (write_all(ssl, length_head)) wait_for_close(ssl);
      return;
    case Misbehaviour::chunked_too_much: {
      if (!write_all(ssl, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
      const std::string chunk = fmt::format("{:x}\r\n{}\r\n", kChunkBytes, filler(kChunkBytes));
      while (sent_ < body_bytes_ && write_all(ssl, chunk))
        sent_ += kChunkBytes;
      client_closed_ = sent_ < body_bytes_;  // the write failed: the client went away
      return;
    }
    case Misbehaviour::busy:
      write_all(ssl,
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n");
      return;
    case Misbehaviour::slow_headers:
      wait_for_close(ssl);
      return;
  }
}

}  // namespace pqbranch::test
