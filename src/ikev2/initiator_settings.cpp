#include "pqbranch/ikev2/initiator_settings.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "pqbranch/ikev2/exchange_errc.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::size_t kMaxPskBytes = 1024;
// A PSK is the only secret behind PSK authentication: one captured IKE_AUTH lets an
// attacker test guesses offline (RFC 7296 §2.15 asks for keys as strong as the PRF's).
// strongSwan only warns about short keys; we refuse them.
constexpr std::size_t kMinPskBytes = 16;

core::Error psk_error(const std::filesystem::path& file, const std::string& why) {
  return core::make_error(exchange_errc::credentials, "psk_file " + file.string() + ": " + why);
}

// The secret file, checked on the opened descriptor (no race between check and read):
// a regular file of mode 0600 or 0400, as private keys (crypto/keys.hpp).
core::Result<core::SecureBytes> read_psk(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return psk_error(file, std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) return psk_error(file, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return psk_error(file, "not a regular file");
  if ((st.st_mode & 077) != 0) {
    return psk_error(file, "readable or writable by group or others; chmod 600 it");
  }
  core::SecureBytes buffer(kMaxPskBytes + 1);
  std::size_t size = 0;
  while (size < buffer.size()) {
    const auto n = ::read(fd, buffer.data() + size, buffer.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return psk_error(file, std::strerror(errno));
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  if (size > kMaxPskBytes) return psk_error(file, "longer than 1024 bytes");
  while (size > 0 && (buffer.data()[size - 1] == '\n' || buffer.data()[size - 1] == '\r'))
    --size;
  if (size == 0) return psk_error(file, "empty");
  if (size < kMinPskBytes) {
    return psk_error(file, "the pre-shared key is " + std::to_string(size) + " bytes; at least " +
                               std::to_string(kMinPskBytes) +
                               " are required (a short key can be guessed offline)");
  }
  return core::SecureBytes(std::span<const std::uint8_t>(buffer.data(), size));
}

}  // namespace

IdPayload id_payload(const config::IkeIdentity& id, bool initiator) {
  IdPayload p;
  p.initiator = initiator;
  p.type = static_cast<IdType>(id.type);
  if (id.type == config::IkeIdType::ipv4_addr || id.type == config::IkeIdType::ipv6_addr) {
    if (auto address = core::IpAddress::parse(id.text)) {
      p.data.assign(address->bytes().begin(), address->bytes().end());
      return p;
    }
  }
  p.data.assign(id.text.begin(), id.text.end());
  return p;
}

core::Result<InitiatorSettings> make_initiator_settings(const config::Ikev2PeerSettings& peer) {
  InitiatorSettings s;
  s.proposals = peer.proposals;
  s.allow_classical = peer.allow_classical;
  s.esp = peer.esp_proposal;
  s.local_id = id_payload(peer.local_id, true);
  s.remote_id = id_payload(peer.remote_id, false);
  s.auth = peer.auth;
  s.local_ts = peer.local_ts;
  s.remote_ts = peer.remote_ts;
  s.force_encap = peer.nat_traversal == config::NatMode::force;
  s.fragment_size = peer.fragment_size;
  if (peer.auth == config::IkeAuth::psk) {
    auto psk = read_psk(peer.psk_file);
    if (!psk) return psk.error();
    s.psk = std::make_shared<const core::SecureBytes>(std::move(*psk));
    return s;
  }
  auto key = crypto::load_private_key(peer.private_key);
  if (!key) {
    return core::make_error(exchange_errc::credentials, "private_key " + peer.private_key.string() +
                                                            ": " + key.error().message());
  }
  auto cert = load_certificate_der(peer.certificate);
  if (!cert) return cert.error();
  auto ca = CertificateAuthority::load(peer.ca);
  if (!ca) return ca.error();
  s.ecdsa = std::make_shared<const EcdsaCredentials>(
      EcdsaCredentials{std::move(*key), std::move(*cert), std::move(*ca)});
  return s;
}

}  // namespace pqbranch::ikev2
