#include "pqbranch/crypto/tls_failure.hpp"

#include <array>
#include <cerrno>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

namespace pqbranch::crypto {
namespace {

// A received alert is queued as reason SSL_AD_REASON_OFFSET + its code (ssl/ssl_err.c).
constexpr int kAlertCodes = 256;

std::string reason_text(unsigned long e) {
  // A failed read or write is queued as a system error carrying errno (e.g. EPIPE when the
  // peer closed while the server was still sending its session tickets).
  if (ERR_SYSTEM_ERROR(e)) {
    return "connection error: " +
           std::error_code(static_cast<int>(ERR_GET_REASON(e)), std::generic_category()).message();
  }
  const char* r = ERR_reason_error_string(e);
  if (r != nullptr) return r;
  return fmt::format("error {:#x}", e);
}

// The alert description, or -1 if `e` is not a received alert.
int received_alert(unsigned long e) {
  if (ERR_GET_LIB(e) != ERR_LIB_SSL) return -1;
  const int r = ERR_GET_REASON(e);
  if (r < SSL_AD_REASON_OFFSET || r >= SSL_AD_REASON_OFFSET + kAlertCodes) return -1;
  return r - SSL_AD_REASON_OFFSET;
}

bool is_bad_certificate_alert(int alert) {
  switch (alert) {
    case SSL_AD_BAD_CERTIFICATE:
    case SSL_AD_UNSUPPORTED_CERTIFICATE:
    case SSL_AD_CERTIFICATE_REVOKED:
    case SSL_AD_CERTIFICATE_EXPIRED:
    case SSL_AD_CERTIFICATE_UNKNOWN:
    case SSL_AD_UNKNOWN_CA:
    case SSL_AD_ACCESS_DENIED:
    case SSL_AD_DECRYPT_ERROR:  // a CertificateVerify that did not verify
      return true;
    default:
      return false;
  }
}

// What OpenSSL's verification found, with the usual causes spelled out for an operator.
// `required_usage` is the extendedKeyUsage this end requires of the peer.
std::string verify_text(const SSL* ssl, std::string_view required_usage) {
  if (ssl == nullptr) return {};
  const long v = SSL_get_verify_result(ssl);
  if (v == X509_V_OK) return {};
  const std::string openssl = X509_verify_cert_error_string(v);
  switch (v) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return fmt::format("it does not carry the expected edge name ({})", openssl);
    case X509_V_ERR_INVALID_PURPOSE:
      return fmt::format("its extendedKeyUsage does not allow {} ({})", required_usage, openssl);
    default:
      return openssl;
  }
}

// The codes on the queue, oldest first; the queue is left empty.
std::vector<unsigned long> drain_codes() {
  std::vector<unsigned long> codes;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error())
    codes.push_back(e);
  return codes;
}

std::string syscall_text(int saved_errno, std::string_view who) {
  if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK) {
    return fmt::format("timed out waiting for the {}", who);
  }
  if (saved_errno == 0) return fmt::format("the {} closed the connection", who);
  return std::error_code(saved_errno, std::generic_category()).message();
}

// Classifies one code; `ssl` may be null. Unknown codes give reason `other`.
HandshakeRefusal classify_code(const SSL* ssl, unsigned long e) {
  const std::string openssl = reason_text(e);
  if (ERR_GET_LIB(e) == ERR_LIB_SSL) {
    switch (ERR_GET_REASON(e)) {
      case SSL_R_NO_SUITABLE_KEY_SHARE:
      case SSL_R_NO_SHARED_GROUPS:
      case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
      case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
      case SSL_R_NO_SHARED_CIPHER:
        return {RefusalReason::no_common_group_or_sigalg,
                fmt::format("client offered no configured hybrid group or signature "
                            "algorithm ({})",
                            openssl)};
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return {RefusalReason::no_client_certificate,
                fmt::format("client sent no certificate ({})", openssl)};
      case SSL_R_CERTIFICATE_VERIFY_FAILED: {
        const std::string v = verify_text(ssl, "clientAuth");
        return {RefusalReason::bad_certificate,
                v.empty() ? fmt::format("client certificate rejected ({})", openssl)
                          : fmt::format("client certificate rejected: {}", v)};
      }
      case SSL_R_BAD_SIGNATURE:
      case SSL_R_WRONG_CERTIFICATE_TYPE:
      case SSL_R_UNKNOWN_CERTIFICATE_TYPE:
      case SSL_R_CA_MD_TOO_WEAK:
      case SSL_R_EE_KEY_TOO_SMALL:
        return {RefusalReason::bad_certificate,
                fmt::format("client certificate rejected ({})", openssl)};
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_VERSION_TOO_LOW:
      case SSL_R_VERSION_TOO_HIGH:
      case SSL_R_HTTP_REQUEST:
      case SSL_R_HTTPS_PROXY_REQUEST:
        return {RefusalReason::wrong_version,
                fmt::format("client does not speak TLS 1.3 ({})", openssl)};
      case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return {RefusalReason::other, "client closed the connection during the handshake"};
      default:
        break;
    }
    const int alert = received_alert(e);
    if (is_bad_certificate_alert(alert)) {
      return {RefusalReason::bad_certificate,
              fmt::format("client rejected our certificate: alert {} ({})", alert,
                          SSL_alert_desc_string_long(alert))};
    }
    if (alert == SSL_AD_PROTOCOL_VERSION) {
      return {RefusalReason::wrong_version, "client sent alert protocol_version"};
    }
  }
  return {RefusalReason::other, openssl};
}

// The first code that classifies as something specific, else the first code's text.
HandshakeRefusal classify_codes(const SSL* ssl, const std::vector<unsigned long>& codes) {
  for (const auto e : codes) {
    auto r = classify_code(ssl, e);
    if (r.reason != RefusalReason::other) return r;
  }
  return classify_code(ssl, codes.front());
}

std::string describe_client_code(const SSL* ssl, unsigned long e) {
  const int alert = received_alert(e);
  if (alert == SSL_AD_HANDSHAKE_FAILURE) return std::string(kEdgeRefusedHandshake);
  if (alert == SSL_AD_CERTIFICATE_REQUIRED) {
    return "edge refused: it requires a client certificate and none was sent";
  }
  if (is_bad_certificate_alert(alert)) {
    return fmt::format("edge rejected our certificate: {}", SSL_alert_desc_string_long(alert));
  }
  if (alert == SSL_AD_PROTOCOL_VERSION) return "edge refused: no common TLS version (TLS 1.3 only)";
  if (alert >= 0) {
    return fmt::format("edge refused the connection: alert {} ({})", alert,
                       SSL_alert_desc_string_long(alert));
  }
  const std::string openssl = reason_text(e);
  if (ERR_GET_LIB(e) == ERR_LIB_SSL) {
    switch (ERR_GET_REASON(e)) {
      case SSL_R_CERTIFICATE_VERIFY_FAILED: {
        const std::string v = verify_text(ssl, "serverAuth");
        return fmt::format("edge certificate rejected: {}", v.empty() ? openssl : v);
      }
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_VERSION_TOO_LOW:
      case SSL_R_VERSION_TOO_HIGH:
        return "edge does not offer TLS 1.3";
      case SSL_R_WRONG_VERSION_NUMBER:
        return "the endpoint did not answer with TLS (wrong version number)";
      case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return "edge closed the connection during the handshake";
      case SSL_R_BAD_KEY_SHARE:
      case SSL_R_WRONG_CURVE:
      case SSL_R_WRONG_SIGNATURE_TYPE:
      case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
        return fmt::format("edge chose a group or signature algorithm we do not allow ({})",
                           openssl);
      default:
        break;
    }
  }
  return fmt::format("TLS handshake with the edge failed: {}", openssl);
}

}  // namespace

std::string_view to_string(RefusalReason r) noexcept {
  switch (r) {
    case RefusalReason::no_common_group_or_sigalg:
      return "no_common_group_or_sigalg";
    case RefusalReason::no_client_certificate:
      return "no_client_certificate";
    case RefusalReason::bad_certificate:
      return "bad_certificate";
    case RefusalReason::wrong_version:
      return "wrong_version";
    case RefusalReason::other:
      return "other";
  }
  return "other";
}

HandshakeRefusal classify_server_failure(const SSL* ssl, int ret) {
  const int saved_errno = errno;
  const int kind = SSL_get_error(ssl, ret);
  const auto codes = drain_codes();
  if (!codes.empty()) return classify_codes(ssl, codes);
  if (kind == SSL_ERROR_SYSCALL) return {RefusalReason::other, syscall_text(saved_errno, "client")};
  if (kind == SSL_ERROR_ZERO_RETURN) {
    return {RefusalReason::other, "client closed the connection during the handshake"};
  }
  return {RefusalReason::other, fmt::format("handshake failed (SSL_get_error {})", kind)};
}

HandshakeRefusal classify_server_error(unsigned long openssl_error, const SSL* ssl) {
  if (openssl_error == 0) return {RefusalReason::other, "handshake failed"};
  return classify_code(ssl, openssl_error);
}

void report_server_refusal(const HandshakeRefusal& refusal, std::string_view peer,
                           core::Metrics& metrics) {
  spdlog::warn("TLS: refused handshake from {}: {}: {}", peer, to_string(refusal.reason),
               refusal.text);
  count_server_refusal(refusal, metrics);
}

void count_server_refusal(const HandshakeRefusal& refusal, core::Metrics& metrics) {
  metrics.add("tls_handshake_refused_total", 1,
              fmt::format("reason=\"{}\"", to_string(refusal.reason)));
}

std::string_view peer_certificate_refusal(const SSL* ssl) {
  if (ssl == nullptr) return "";
  switch (SSL_get_verify_result(ssl)) {
    case X509_V_OK:
      return "";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "name";
    case X509_V_ERR_INVALID_PURPOSE:
      return "purpose";
    default:
      return "chain";
  }
}

std::string describe_client_failure(const SSL* ssl, int ret) {
  const int saved_errno = errno;
  const int kind = SSL_get_error(ssl, ret);
  const auto codes = drain_codes();
  if (!codes.empty()) {
    // An alert or a verification failure says the most; look for those first.
    for (const auto e : codes) {
      if (received_alert(e) >= 0 ||
          (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED)) {
        return describe_client_code(ssl, e);
      }
    }
    return describe_client_code(ssl, codes.front());
  }
  if (kind == SSL_ERROR_SYSCALL) return syscall_text(saved_errno, "edge");
  if (kind == SSL_ERROR_ZERO_RETURN) return "edge closed the connection";
  return fmt::format("TLS with the edge failed (SSL_get_error {})", kind);
}

std::string describe_client_error(const SSL* ssl, unsigned long openssl_error) {
  if (openssl_error == 0) return "TLS handshake with the edge failed";
  return describe_client_code(ssl, openssl_error);
}

}  // namespace pqbranch::crypto
