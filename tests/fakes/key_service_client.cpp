#include "fakes/key_service_client.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/err.h>

#include "pqbranch/crypto/tls_failure.hpp"

namespace pqbranch::test {
namespace {

constexpr int kTimeoutSeconds = 5;
constexpr std::size_t kMaxResponseBytes = 64 * 1024;

core::Error sys_error(const char* what) {
  return core::Error{boost::system::error_code(errno, boost::system::system_category()), what};
}

core::Error protocol_error(std::string what) {
  return core::Error{boost::system::errc::make_error_code(boost::system::errc::protocol_error),
                     std::move(what)};
}

// Case-insensitive search for a header's value in the response head.
std::optional<std::string_view> header(std::string_view head, std::string_view name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon == name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < colon; ++i) {
        same = same && std::tolower(static_cast<unsigned char>(line[i])) ==
                           std::tolower(static_cast<unsigned char>(name[i]));
      }
      if (same) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
          value.remove_prefix(1);
        return value;
      }
    }
    pos = end;
  }
  return std::nullopt;
}

}  // namespace

core::Result<xfrm::UniqueFd> KeyServiceClient::connect_tcp(std::uint16_t port) {
  // OpenSSL writes with write(2): a server that closed first (as it must, e.g. over its
  // connection limit) would kill the test process with SIGPIPE instead of failing a call.
  static const bool ignored = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)ignored;
  xfrm::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("socket");
  timeval tv{};
  tv.tv_sec = kTimeoutSeconds;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // As the agent does: no Nagle delay between the records of one flight.
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {  // NOLINT
    return sys_error("connect");
  }
  return fd;
}

core::Result<KeyServiceClient> KeyServiceClient::connect(SSL_CTX* ctx, std::uint16_t port,
                                                         SSL_SESSION* resume) {
  auto fd = connect_tcp(port);
  if (!fd) return fd.error();
  core::CHandle<SSL, SSL_free> ssl(SSL_new(ctx));
  if (!ssl) return protocol_error("SSL_new");
  SSL_set_fd(ssl.get(), fd->get());
  if (resume != nullptr) SSL_set_session(ssl.get(), resume);
  const int ret = SSL_connect(ssl.get());
  if (ret != 1) return protocol_error(crypto::describe_client_failure(ssl.get(), ret));
  return KeyServiceClient(std::move(*fd), std::move(ssl));
}

std::uint16_t KeyServiceClient::local_port() const {
  sockaddr_in self{};
  socklen_t len = sizeof self;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&self), &len) != 0) return 0;  // NOLINT
  return ntohs(self.sin_port);
}

core::Result<void> KeyServiceClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const int n = SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) return protocol_error(crypto::describe_client_failure(ssl_.get(), n));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

core::Result<std::size_t> KeyServiceClient::read_some() {
  char chunk[4096];
  const int n = SSL_read(ssl_.get(), chunk, sizeof chunk);
  if (n <= 0) {
    const int err = SSL_get_error(ssl_.get(), n);
    ERR_clear_error();
    if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL) return std::size_t{0};
    return protocol_error(fmt::format("SSL_read failed ({})", err));
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return static_cast<std::size_t>(n);
}

core::Result<HttpResponse> KeyServiceClient::read_response() {
  std::size_t head_end = 0;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (buffer_.size() > kMaxResponseBytes) return protocol_error("response head too large");
    auto n = read_some();
    if (!n) return n.error();
    if (*n == 0) return protocol_error("connection closed before a response");
  }
  const std::string head = buffer_.substr(0, head_end);
  HttpResponse r;
  if (head.size() < 12 || head.compare(0, 9, "HTTP/1.1 ") != 0) {
    return protocol_error("not an HTTP/1.1 response: " + head.substr(0, 40));
  }
  std::from_chars(head.data() + 9, head.data() + 12, r.status);
  std::size_t length = 0;
  if (auto cl = header(head, "Content-Length")) {
    std::from_chars(cl->data(), cl->data() + cl->size(), length);
  }
  if (auto conn = header(head, "Connection"); conn && *conn == "close") r.keep_alive = false;
  if (auto retry = header(head, "Retry-After")) r.retry_after = std::string(*retry);
  const std::size_t body_start = head_end + 4;
  while (buffer_.size() < body_start + length) {
    auto n = read_some();
    if (!n) return n.error();
    if (*n == 0) return protocol_error("connection closed inside a body");
  }
  r.body = buffer_.substr(body_start, length);
  buffer_.erase(0, body_start + length);
  return r;
}

core::Result<HttpResponse> KeyServiceClient::request(std::string_view method,
                                                     std::string_view target,
                                                     std::string_view body) {
  std::string text = fmt::format("{} {} HTTP/1.1\r\nHost: edge.test\r\n", method, target);
  if (!body.empty() || method == "POST") {
    text += fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", body.size());
  }
  text += "\r\n";
  text += body;
  if (auto r = send(text); !r) return r.error();
  return read_response();
}

bool KeyServiceClient::wait_closed() {
  for (;;) {
    char byte = 0;
    const int n = SSL_read(ssl_.get(), &byte, 1);
    if (n > 0) continue;  // data: keep draining
    const int err = SSL_get_error(ssl_.get(), n);
    ERR_clear_error();
    // The receive timeout surfaces as WANT_READ (the socket BIO retries on EAGAIN); a
    // close_notify, an EOF without one or a reset all mean the server closed.
    return err != SSL_ERROR_WANT_READ;
  }
}

}  // namespace pqbranch::test
