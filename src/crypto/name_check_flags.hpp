#pragma once
// How a certificate must name its peer, for TLS (the verifier's host check) and for IKEv2
// identities (Certificate::names_*) alike: only by subjectAltName (RFC 6125 §6.4.4; RFC 4945
// §3.1.x matches IDs against SANs), never through the subject CN or emailAddress, and
// without partial wildcards ("w*.example").

#include <openssl/x509v3.h>

namespace pqbranch::crypto::detail {

inline constexpr unsigned int kSubjectAltNameOnly =
    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;

}  // namespace pqbranch::crypto::detail
