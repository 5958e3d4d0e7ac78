#pragma once
// The subject CN of a certificate as UTF-8: the site id of the key service. The edge reads
// it from the peer's certificate (HandshakeInfo::peer_common_name), the agent from its own;
// both through common_name(), so the two ends always agree on the bytes.

#include <string>

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace pqbranch::crypto {

// Empty when there is no CN (or it cannot be converted to UTF-8).
[[nodiscard]] std::string common_name(const X509* certificate);
// The CN of the certificate this end presents on `ssl` (SSL_get_certificate).
[[nodiscard]] std::string local_common_name(const SSL* ssl);

}  // namespace pqbranch::crypto
