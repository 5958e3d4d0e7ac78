#include "pqbranch/crypto/certificate_name.hpp"

namespace pqbranch::crypto {

std::string common_name(const X509* certificate) {
  if (certificate == nullptr) return {};
  const X509_NAME* subject = X509_get_subject_name(certificate);
  const int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));  // NOLINT
  OPENSSL_free(utf8);
  return cn;
}

std::string local_common_name(const SSL* ssl) {
  return ssl == nullptr ? std::string{} : common_name(SSL_get_certificate(ssl));
}

}  // namespace pqbranch::crypto
