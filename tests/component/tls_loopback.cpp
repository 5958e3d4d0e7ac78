#include "tls_loopback.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

namespace pqbranch::test {
namespace {

constexpr int kTimeoutSeconds = 5;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void set_timeouts(int fd) {
  timeval tv{};
  tv.tv_sec = kTimeoutSeconds;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void run_exports(SSL* ssl, const TlsEnd& end, EndOutcome& out) {
  for (const auto& e : end.exports) {
    auto key = crypto::export_keying_material(ssl, e.label, e.context, e.length);
    if (key) out.exported.push_back(std::move(*key));
  }
}

// After a good handshake: policy, exporters. False if the policy refused the connection.
bool after_handshake(SSL* ssl, const TlsEnd& end, EndOutcome& out) {
  out.handshake_ok = true;
  auto info = crypto::enforce_policy(ssl, end.policy, *end.metrics);
  if (!info) {
    out.policy_error = info.error();
    return false;
  }
  out.info = std::move(*info);
  run_exports(ssl, end, out);
  return true;
}

void serve(int listener, const TlsEnd& end, EndOutcome& out) {
  sockaddr_in peer{};
  socklen_t peer_len = sizeof peer;
  const Fd conn(::accept(listener, reinterpret_cast<sockaddr*>(&peer), &peer_len));  // NOLINT
  if (conn.fd < 0) {
    out.refusal = crypto::HandshakeRefusal{crypto::RefusalReason::other, "accept failed"};
    return;
  }
  set_timeouts(conn.fd);
  const std::string peer_text = fmt::format("127.0.0.1:{}", ntohs(peer.sin_port));
  const crypto::Ssl ssl(SSL_new(end.ctx));
  SSL_set_fd(ssl.get(), conn.fd);
  const int ret = SSL_accept(ssl.get());
  if (ret != 1) {
    out.first_error_reason = crypto::classify_server_error(ERR_peek_error()).reason;
    out.refusal = crypto::classify_server_failure(ssl.get(), ret);
    crypto::report_server_refusal(*out.refusal, peer_text, *end.metrics);
    return;
  }
  if (after_handshake(ssl.get(), end, out)) {
    char byte = 'S';
    char reply = 0;
    out.data_ok =
        SSL_write(ssl.get(), &byte, 1) == 1 && SSL_read(ssl.get(), &reply, 1) == 1 && reply == 'C';
  }
  SSL_shutdown(ssl.get());
}

void connect_client(std::uint16_t port, const TlsEnd& end, SSL_SESSION* resume,
                    LoopbackOutcome& result) {
  EndOutcome& out = result.client;
  const Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  set_timeouts(sock.fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT
    out.failure = "connect failed";
    return;
  }
  const crypto::Ssl ssl(SSL_new(end.ctx));
  SSL_set_fd(ssl.get(), sock.fd);
  if (!end.server_name.empty()) (void)crypto::set_peer_name(ssl.get(), end.server_name);
  if (resume != nullptr) SSL_set_session(ssl.get(), resume);
  const int ret = SSL_connect(ssl.get());
  if (ret != 1) {
    out.first_error_text = crypto::describe_client_error(ssl.get(), ERR_peek_error());
    out.failure = crypto::describe_client_failure(ssl.get(), ret);
    return;
  }
  if (!after_handshake(ssl.get(), end, out)) {
    SSL_shutdown(ssl.get());
    return;
  }
  // In TLS 1.3 the server judges our certificate after SSL_connect returned: a refusal
  // arrives as an alert on this first read.
  char byte = 0;
  const int r = SSL_read(ssl.get(), &byte, 1);
  if (r != 1) {
    out.first_error_text = crypto::describe_client_error(ssl.get(), ERR_peek_error());
    out.failure = crypto::describe_client_failure(ssl.get(), r);
    return;
  }
  const char reply = 'C';
  out.data_ok = byte == 'S' && SSL_write(ssl.get(), &reply, 1) == 1;
  result.session.reset(SSL_get1_session(ssl.get()));
  SSL_shutdown(ssl.get());
}

}  // namespace

LoopbackOutcome run_tls_loopback(const TlsEnd& server, const TlsEnd& client, SSL_SESSION* resume) {
  // A peer that closes first must not kill the test process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  LoopbackOutcome result;
  const Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||  // NOLINT
      ::listen(listener.fd, 1) != 0 ||
      ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {  // NOLINT
    result.client.failure = "cannot listen on loopback";
    return result;
  }
  set_timeouts(listener.fd);  // accept() honours SO_RCVTIMEO
  std::thread server_thread([&] { serve(listener.fd, server, result.server); });
  connect_client(ntohs(addr.sin_port), client, resume, result);
  server_thread.join();
  return result;
}

}  // namespace pqbranch::test
