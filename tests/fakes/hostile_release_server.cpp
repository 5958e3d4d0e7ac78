#include "fakes/hostile_release_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/err.h>

namespace pqbranch::test {
namespace {

constexpr int kTimeoutSeconds = 5;
constexpr std::size_t kMaxHeadBytes = 8192;
constexpr std::size_t kChunkBytes = 16 * 1024;

core::Error sys_error(const char* what) {
  return core::Error{boost::system::error_code(errno, boost::system::system_category()), what};
}

void set_timeouts(int fd) {
  timeval tv{};
  tv.tv_sec = kTimeoutSeconds;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string filler(std::size_t n) {
  return std::string(n, 'x');
}

}  // namespace

core::Result<std::unique_ptr<HostileReleaseServer>> HostileReleaseServer::start(
    SSL_CTX* ctx, Misbehaviour m, std::uint64_t body_bytes) {
  std::signal(SIGPIPE, SIG_IGN);  // a write to a client that left must fail, not kill us
  xfrm::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("socket");
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) {  // NOLINT
    return sys_error("bind");
  }
  if (::listen(fd.get(), 4) != 0) return sys_error("listen");
  socklen_t len = sizeof at;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&at), &len);  // NOLINT
  return std::unique_ptr<HostileReleaseServer>(
      new HostileReleaseServer(ctx, m, body_bytes, std::move(fd), ntohs(at.sin_port)));
}

HostileReleaseServer::HostileReleaseServer(SSL_CTX* ctx, Misbehaviour m, std::uint64_t body_bytes,
                                           xfrm::UniqueFd fd, std::uint16_t port)
    : ctx_(ctx), mode_(m), body_bytes_(body_bytes), listener_(std::move(fd)), port_(port) {
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
  while (!stopping_) {
    xfrm::UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) return;
    set_timeouts(conn.get());
    SSL* ssl = SSL_new(ctx_);
    if (ssl == nullptr) return;
    SSL_set_fd(ssl, conn.get());
    if (SSL_accept(ssl) == 1) serve(ssl);
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
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos) {
    char buf[1024];
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0 || head.size() > kMaxHeadBytes) return;
    head.append(buf, static_cast<std::size_t>(n));
  }
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
