#include "pqbranch/crypto/tls_context.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/keys.hpp"

#include "file_io.hpp"
#include "name_check_flags.hpp"
#include "openssl_error.hpp"
#include "session_tickets.hpp"

namespace pqbranch::crypto {
namespace {

using X509Handle = core::CHandle<X509, X509_free>;
using Bio = core::CHandle<BIO, BIO_free_all>;

// Enough for CA → intermediate → leaf with room to spare; bounds chain-building work.
constexpr int kVerifyDepth = 4;
constexpr const char* kCipherSuites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
// Server sessions are only resumed by a client of the same service.
constexpr std::string_view kSessionIdContext = "pqbranch-keysvc";

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

template <std::size_t N>
const std::string_view* find_group(const std::array<std::string_view, N>& list,
                                   std::string_view name) {
  const auto* it = std::find_if(list.begin(), list.end(),
                                [&](std::string_view g) { return same_group(g, name); });
  return it == list.end() ? nullptr : it;
}

std::string join(const std::vector<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ":"));
}

core::Result<void> validate_sigalgs(const std::vector<std::string>& sigalgs) {
  if (sigalgs.empty()) {
    return core::make_error(errc::bad_signature_algorithm, "signature algorithm list is empty");
  }
  for (const auto& s : sigalgs) {
    if (!contains(kAllowedSignatureAlgorithms, s)) {
      return core::make_error(
          errc::bad_signature_algorithm,
          fmt::format("'{}' (allowed: {})", s, fmt::join(kAllowedSignatureAlgorithms, ", ")));
    }
  }
  return {};
}

// All PEM certificates in a file, in order; at least one.
core::Result<std::vector<X509Handle>> read_certificates(const std::filesystem::path& file,
                                                        std::string_view what) {
  auto bytes = detail::read_file(file, what, detail::FileKind::certificate);
  if (!bytes) return bytes.error();
  if (bytes->size() > INT_MAX) return core::make_error(errc::file_unreadable, "file too large");
  const Bio bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  if (!bio) return detail::openssl_error(errc::backend, "BIO_new_mem_buf");
  std::vector<X509Handle> certs;
  for (;;) {
    X509Handle cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    certs.push_back(std::move(cert));
  }
  // Running out of PEM blocks ends the loop with PEM_R_NO_START_LINE; anything else is a
  // corrupt certificate.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = certs.empty() ? false
                                       : (ERR_GET_LIB(last) == ERR_LIB_PEM &&
                                          ERR_GET_REASON(last) == PEM_R_NO_START_LINE);
  if (!clean_end) {
    return detail::openssl_error(
        errc::bad_certificate,
        fmt::format("{} {}: {}", what, file.string(),
                    certs.empty() ? "no PEM certificate" : "unreadable PEM certificate"));
  }
  // OpenSSL caches a certificate's extension data (key identifiers, usages, the SHA-1
  // fingerprint) on first use, under the certificate's lock; later readers skip the lock
  // through an atomic flag. Filled now, before a context shares these certificates with the
  // edge's worker threads, so that no handshake writes to them (and ThreadSanitizer, which
  // cannot see libcrypto's atomics, has no lazy write to report).
  for (const auto& cert : certs)
    (void)X509_check_purpose(cert.get(), -1, 0);
  detail::drain_openssl_errors();
  return certs;
}

core::Result<void> load_trust(SSL_CTX* ctx, const std::filesystem::path& ca_file, bool server) {
  auto cas = read_certificates(ca_file, "CA file");
  if (!cas) return cas.error();
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (const auto& ca : *cas) {
    if (X509_STORE_add_cert(store, ca.get()) != 1) {
      return detail::openssl_error(errc::bad_certificate, "CA file " + ca_file.string());
    }
    // The server names its acceptable CAs in the CertificateRequest (RFC 8446 §4.2.4).
    if (server && SSL_CTX_add_client_CA(ctx, ca.get()) != 1) {
      return detail::openssl_error(errc::bad_certificate, "CA file " + ca_file.string());
    }
  }
  return {};
}

core::Result<void> load_identity(SSL_CTX* ctx, const TlsOptions& o) {
  auto chain = read_certificates(o.certificate_file, "certificate file");
  if (!chain) return chain.error();
  if (SSL_CTX_use_certificate(ctx, chain->front().get()) != 1) {
    return detail::openssl_error(errc::bad_certificate,
                                 "certificate file " + o.certificate_file.string());
  }
  for (std::size_t i = 1; i < chain->size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, (*chain)[i].get()) != 1) {
      return detail::openssl_error(errc::bad_certificate,
                                   "certificate file " + o.certificate_file.string());
    }
  }
  auto key = load_private_key(o.private_key_file);
  if (!key) return key.error();
  if (SSL_CTX_use_PrivateKey(ctx, key->native()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return detail::openssl_error(
        errc::bad_certificate,
        fmt::format("certificate file {} does not match key file {}", o.certificate_file.string(),
                    o.private_key_file.string()));
  }
  return {};
}

// The certificate must carry `name`: an IP literal as an iPAddress SAN, anything else as a
// dNSName SAN (RFC 6125 §6.4.4: not the subject CN; no partial wildcards). Setting one kind
// clears the other, so a name set per connection replaces the context's.
core::Result<void> expect_name(X509_VERIFY_PARAM* param, const std::string& name) {
  const auto fail = [&] {
    return detail::openssl_error(errc::invalid_argument, fmt::format("peer name '{}'", name));
  };
  if (name.empty()) return fail();
  if (core::IpAddress::parse(name)) {
    if (X509_VERIFY_PARAM_set1_host(param, nullptr, 0) != 1 ||
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
      return fail();
    }
    return {};
  }
  X509_VERIFY_PARAM_set_hostflags(param, detail::kSubjectAltNameOnly);
  if (X509_VERIFY_PARAM_set1_ip(param, nullptr, 0) != 1 ||
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) != 1) {
    return fail();
  }
  return {};
}

core::Result<SslCtx> make_context(const TlsOptions& o, bool server) {
  const detail::ErrorQueueScope scope;
  if (auto ok = validate(o.group_policy); !ok) return ok.error();
  if (auto ok = validate_sigalgs(o.signature_algorithms); !ok) return ok.error();

  SslCtx ctx(SSL_CTX_new_ex(nullptr, nullptr, server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) return detail::openssl_error(errc::backend, "SSL_CTX_new");
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1) {
    return detail::openssl_error(errc::backend, "setting TLS 1.3 only");
  }
  const std::string groups = join(o.group_policy.groups);
  if (SSL_CTX_set1_groups_list(c, groups.c_str()) != 1) {
    return detail::openssl_error(errc::bad_group,
                                 fmt::format("group list '{}' not supported", groups));
  }
  const std::string sigalgs = join(o.signature_algorithms);
  if (SSL_CTX_set1_sigalgs_list(c, sigalgs.c_str()) != 1 ||
      SSL_CTX_set1_client_sigalgs_list(c, sigalgs.c_str()) != 1) {
    return detail::openssl_error(errc::bad_signature_algorithm,
                                 fmt::format("signature algorithms '{}' not supported", sigalgs));
  }
  if (SSL_CTX_set_ciphersuites(c, kCipherSuites) != 1) {
    return detail::openssl_error(errc::backend, "setting TLS 1.3 cipher suites");
  }
  // Resumption only as psk_dhe_ke, never psk_ke; no 0-RTT (see the header).
  SSL_CTX_clear_options(c, SSL_OP_ALLOW_NO_DHE_KEX | SSL_OP_PREFER_NO_DHE_KEX);
  if (SSL_CTX_set_max_early_data(c, 0) != 1 || SSL_CTX_set_recv_max_early_data(c, 0) != 1) {
    return detail::openssl_error(errc::backend, "disabling early data");
  }
  SSL_CTX_set_verify_depth(c, kVerifyDepth);

  if (auto ok = load_trust(c, o.ca_file, server); !ok) return ok.error();
  const bool has_identity = !o.certificate_file.empty() || !o.private_key_file.empty();
  if (server || has_identity) {
    if (auto ok = load_identity(c, o); !ok) return ok.error();
  }

  if (server) {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    if (SSL_CTX_set_purpose(c, X509_PURPOSE_SSL_CLIENT) != 1 ||
        SSL_CTX_set_session_id_context(
            c, reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),  // NOLINT
            static_cast<unsigned>(kSessionIdContext.size())) != 1) {
      return detail::openssl_error(errc::backend, "server verification settings");
    }
    if (auto ok = detail::install_session_tickets(c, o.resumption); !ok) return ok.error();
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_set_purpose(c, X509_PURPOSE_SSL_SERVER) != 1) {
      return detail::openssl_error(errc::backend, "client verification settings");
    }
    if (!o.peer_name.empty()) {
      if (auto ok = expect_name(SSL_CTX_get0_param(c), o.peer_name); !ok) return ok.error();
    }
  }
  return ctx;
}

}  // namespace

bool same_group(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_hybrid_group(std::string_view name) noexcept {
  return find_group(kHybridGroups, name) != nullptr;
}

bool is_classical_group(std::string_view name) noexcept {
  return find_group(kClassicalGroups, name) != nullptr;
}

std::string canonical_group_name(std::string_view name) {
  if (const auto* g = find_group(kHybridGroups, name)) return std::string(*g);
  if (const auto* g = find_group(kClassicalGroups, name)) return std::string(*g);
  return std::string(name);
}

core::Result<void> validate(const GroupPolicy& policy) {
  if (policy.groups.empty()) return core::make_error(errc::bad_group, "group list is empty");
  std::set<std::string> seen;
  for (const auto& g : policy.groups) {
    if (!seen.insert(canonical_group_name(g)).second) {
      return core::make_error(errc::bad_group, fmt::format("'{}' listed twice", g));
    }
    if (is_hybrid_group(g)) continue;
    if (is_classical_group(g)) {
      if (policy.allow_classical) continue;
      return core::make_error(errc::classical_not_allowed,
                              fmt::format("'{}' is a classical group", g));
    }
    return core::make_error(errc::bad_group, fmt::format("'{}' (hybrid groups: {})", g,
                                                         fmt::join(kHybridGroups, ", ")));
  }
  return {};
}

core::Result<SslCtx> make_client_context(const TlsOptions& options) {
  return make_context(options, false);
}

core::Result<SslCtx> make_server_context(const TlsOptions& options) {
  return make_context(options, true);
}

core::Result<void> set_peer_name(SSL* ssl, std::string_view name) {
  const detail::ErrorQueueScope scope;
  const std::string n(name);
  if (auto ok = expect_name(SSL_get0_param(ssl), n); !ok) return ok.error();
  if (!core::IpAddress::parse(n) && SSL_set_tlsext_host_name(ssl, n.c_str()) != 1) {
    return detail::openssl_error(errc::invalid_argument, fmt::format("server name '{}'", n));
  }
  return {};
}

}  // namespace pqbranch::crypto
