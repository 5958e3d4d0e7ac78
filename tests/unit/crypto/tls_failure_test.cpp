#include "pqbranch/crypto/tls_failure.hpp"

#include <cerrno>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fakes/log_capture.hpp"

namespace pqbranch::crypto {
namespace {

unsigned long ssl_reason(int reason) {
  return ERR_PACK(ERR_LIB_SSL, 0, reason);
}
unsigned long alert(int description) {
  return ssl_reason(SSL_AD_REASON_OFFSET + description);
}

TEST(ServerRefusal, ClassifiesOpenSslReasons) {
  EXPECT_EQ(classify_server_error(ssl_reason(SSL_R_NO_SUITABLE_KEY_SHARE)).reason,
            RefusalReason::no_common_group_or_sigalg);
  EXPECT_EQ(classify_server_error(ssl_reason(SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS)).reason,
            RefusalReason::no_common_group_or_sigalg);
  EXPECT_EQ(classify_server_error(ssl_reason(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)).reason,
            RefusalReason::no_client_certificate);
  EXPECT_EQ(classify_server_error(ssl_reason(SSL_R_CERTIFICATE_VERIFY_FAILED)).reason,
            RefusalReason::bad_certificate);
  EXPECT_EQ(classify_server_error(alert(SSL_AD_UNKNOWN_CA)).reason, RefusalReason::bad_certificate);
  EXPECT_EQ(classify_server_error(ssl_reason(SSL_R_UNSUPPORTED_PROTOCOL)).reason,
            RefusalReason::wrong_version);
  EXPECT_EQ(classify_server_error(ssl_reason(SSL_R_HTTP_REQUEST)).reason,
            RefusalReason::wrong_version);
  EXPECT_EQ(classify_server_error(ssl_reason(SSL_R_UNEXPECTED_EOF_WHILE_READING)).reason,
            RefusalReason::other);
  EXPECT_EQ(classify_server_error(0).reason, RefusalReason::other);
  // A system error carries errno: the client closed while we still wrote.
  const auto pipe = classify_server_error(static_cast<unsigned long>(ERR_SYSTEM_FLAG) | EPIPE);
  EXPECT_EQ(pipe.reason, RefusalReason::other);
  EXPECT_EQ(pipe.text, "connection error: Broken pipe");
}

TEST(ServerRefusal, ReportLogsAndCountsByReason) {
  const test::LogCapture log;
  core::Metrics metrics;
  report_server_refusal({RefusalReason::no_client_certificate, "client sent no certificate"},
                        "192.0.2.7:40112", metrics);
  report_server_refusal({RefusalReason::no_client_certificate, "again"}, "192.0.2.7:40113",
                        metrics);
  EXPECT_EQ(metrics.value("tls_handshake_refused_total", "reason=\"no_client_certificate\""), 2);
  EXPECT_EQ(metrics.value("tls_handshake_refused_total", "reason=\"bad_certificate\""), 0);
  EXPECT_TRUE(log.contains("192.0.2.7:40112"));
  EXPECT_TRUE(log.contains("no_client_certificate: client sent no certificate"));
}

TEST(ClientFailure, AlertsBecomeClearMessages) {
  EXPECT_EQ(describe_client_error(nullptr, alert(SSL_AD_HANDSHAKE_FAILURE)),
            "edge refused: no common hybrid group or signature algorithm");
  EXPECT_EQ(describe_client_error(nullptr, alert(SSL_AD_CERTIFICATE_REQUIRED)),
            "edge refused: it requires a client certificate and none was sent");
  EXPECT_EQ(describe_client_error(nullptr, alert(SSL_AD_UNKNOWN_CA)),
            "edge rejected our certificate: unknown CA");
  EXPECT_EQ(describe_client_error(nullptr, alert(SSL_AD_PROTOCOL_VERSION)),
            "edge refused: no common TLS version (TLS 1.3 only)");
  EXPECT_EQ(describe_client_error(nullptr, ssl_reason(SSL_R_WRONG_VERSION_NUMBER)),
            "the endpoint did not answer with TLS (wrong version number)");
  EXPECT_EQ(describe_client_error(nullptr, alert(SSL_AD_INTERNAL_ERROR)),
            "edge refused the connection: alert 80 (internal error)");
}

TEST(RefusalReason, MetricLabels) {
  EXPECT_EQ(to_string(RefusalReason::no_common_group_or_sigalg), "no_common_group_or_sigalg");
  EXPECT_EQ(to_string(RefusalReason::no_client_certificate), "no_client_certificate");
  EXPECT_EQ(to_string(RefusalReason::bad_certificate), "bad_certificate");
  EXPECT_EQ(to_string(RefusalReason::wrong_version), "wrong_version");
  EXPECT_EQ(to_string(RefusalReason::other), "other");
}

}  // namespace
}  // namespace pqbranch::crypto
