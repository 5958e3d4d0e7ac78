#include "pqbranch/ikev2/auth_payload.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {
namespace {

// DER AlgorithmIdentifiers (RFC 7427 Appendix A; parameters absent for ECDSA, RFC 5758
// §3.2, and for Ed25519, RFC 8410 §3).
constexpr std::array<std::uint8_t, 12> kEcdsaSha256{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                                    0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr std::array<std::uint8_t, 12> kEcdsaSha384{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                                    0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
constexpr std::array<std::uint8_t, 7> kEd25519{0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

constexpr std::array kSchemes{SignatureScheme::ecdsa_with_sha256,
                              SignatureScheme::ecdsa_with_sha384, SignatureScheme::ed25519};

}  // namespace

std::string_view to_string(SignatureScheme s) noexcept {
  switch (s) {
    case SignatureScheme::ecdsa_with_sha256:
      return "ecdsa-with-SHA256";
    case SignatureScheme::ecdsa_with_sha384:
      return "ecdsa-with-SHA384";
    case SignatureScheme::ed25519:
      return "Ed25519";
  }
  return "unknown";
}

std::span<const std::uint8_t> algorithm_identifier(SignatureScheme s) noexcept {
  switch (s) {
    case SignatureScheme::ecdsa_with_sha256:
      return kEcdsaSha256;
    case SignatureScheme::ecdsa_with_sha384:
      return kEcdsaSha384;
    case SignatureScheme::ed25519:
      return kEd25519;
  }
  return {};
}

SignatureHash signature_hash(SignatureScheme s) noexcept {
  switch (s) {
    case SignatureScheme::ecdsa_with_sha256:
      return SignatureHash::sha2_256;
    case SignatureScheme::ecdsa_with_sha384:
      return SignatureHash::sha2_384;
    case SignatureScheme::ed25519:
      return SignatureHash::identity;  // RFC 8420 §2
  }
  return SignatureHash::sha2_256;
}

std::vector<std::uint8_t> encode_digital_signature(const DigitalSignature& s) {
  const auto alg = algorithm_identifier(s.scheme);
  std::vector<std::uint8_t> out;
  out.reserve(1 + alg.size() + s.signature.size());
  detail::put8(out, static_cast<std::uint8_t>(alg.size()));
  detail::put_bytes(out, alg);
  detail::put_bytes(out, s.signature);
  return out;
}

core::Result<DigitalSignature> parse_digital_signature(std::span<const std::uint8_t> data) {
  detail::Reader r(data, "AUTH digital signature");
  auto length = r.u8();
  if (!length) return length.error();
  auto alg = r.bytes(*length);
  if (!alg) return alg.error();
  DigitalSignature s;
  bool known = false;
  for (const auto scheme : kSchemes) {
    const auto id = algorithm_identifier(scheme);
    if (std::equal(id.begin(), id.end(), alg->begin(), alg->end())) {
      s.scheme = scheme;
      known = true;
    }
  }
  if (!known) {
    return detail::fail(errc::unsupported_algorithm,
                        "AUTH AlgorithmIdentifier of " + std::to_string(alg->size()) + " bytes");
  }
  const auto sig = r.rest();
  if (sig.empty()) return detail::fail(errc::bad_length, "AUTH digital signature: no signature");
  s.signature.assign(sig.begin(), sig.end());
  return s;
}

core::Result<void> verify(const AuthPayload& a) {
  if (a.data.empty() || a.data.size() > kMaxAuthDataSize) {
    return detail::fail(errc::bad_length,
                        "AUTH data of " + std::to_string(a.data.size()) + " bytes");
  }
  if (a.method == AuthMethod::digital_signature) {
    if (auto s = parse_digital_signature(a.data); !s) return s.error();
  }
  return {};
}

void append_body(const AuthPayload& a, std::vector<std::uint8_t>& out) {
  detail::put8(out, static_cast<std::uint8_t>(a.method));
  detail::put8(out, 0);
  detail::put16(out, 0);
  detail::put_bytes(out, a.data);
}

core::Result<AuthPayload> parse_auth_payload(std::span<const std::uint8_t> body) {
  detail::Reader r(body, "AUTH payload");
  auto method = r.u8();
  if (!method) return method.error();
  if (auto reserved = r.bytes(3); !reserved) return reserved.error();
  AuthPayload a;
  a.method = static_cast<AuthMethod>(*method);
  const auto data = r.rest();
  a.data.assign(data.begin(), data.end());
  if (auto ok = verify(a); !ok) return ok.error();
  return a;
}

}  // namespace pqbranch::ikev2
