#include "session_tickets.hpp"

#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/random.hpp"

#include "openssl_error.hpp"

namespace pqbranch::crypto {

std::string_view to_string(ResumptionRefusal r) noexcept {
  switch (r) {
    case ResumptionRefusal::too_old:
      return "too_old";
    case ResumptionRefusal::no_auth_time:
      return "no_auth_time";
    case ResumptionRefusal::certificate_expired:
      return "certificate_expired";
    case ResumptionRefusal::unknown_key:
      return "unknown_key";
  }
  return "unknown";
}

namespace detail {
namespace {

// Ticket application data: a version byte, then the full handshake's time as big-endian
// seconds since the epoch.
constexpr std::uint8_t kAuthTimeVersion = 1;
constexpr std::size_t kAuthTimeSize = 9;

// A server may run handshakes on several threads at once (the edge's worker threads), and
// the ring changes as keys are made and retired: the callbacks hold `ring_mutex` while they
// use it (and the key it hands out).
struct TicketState {
  TicketState(ResumptionPolicy p, TicketKeyRing r) : policy(std::move(p)), ring(std::move(r)) {}
  ResumptionPolicy policy;
  std::mutex ring_mutex;
  TicketKeyRing ring;
};

int state_index() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {  // NOLINT(google-runtime-int)
        delete static_cast<TicketState*>(ptr);  // NOLINT(cppcoreguidelines-owning-memory)
      });
  return index;
}

TicketState* state_of(SSL* ssl) {
  return static_cast<TicketState*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), state_index()));
}

std::array<std::uint8_t, kAuthTimeSize> encode(std::chrono::system_clock::time_point t) {
  std::array<std::uint8_t, kAuthTimeSize> out{};
  out[0] = kAuthTimeVersion;
  auto s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  for (std::size_t i = kAuthTimeSize - 1; i > 0; --i, s >>= 8U) {
    out[i] = static_cast<std::uint8_t>(s & 0xFFU);
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> auth_time(SSL_SESSION* session) {
  void* data = nullptr;
  std::size_t len = 0;
  if (SSL_SESSION_get0_ticket_appdata(session, &data, &len) != 1 || len != kAuthTimeSize) {
    return std::nullopt;
  }
  const auto* p = static_cast<const std::uint8_t*>(data);
  if (p[0] != kAuthTimeVersion) return std::nullopt;
  std::uint64_t s = 0;
  for (std::size_t i = 1; i < kAuthTimeSize; ++i)
    s = (s << 8U) | p[i];
  return std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(s)));
}

// New tickets: a full handshake stamps its own time; a resumed session keeps the time it
// carries (OpenSSL copies the application data into the renewed session), so resuming
// never extends the original authentication.
int on_generate(SSL* ssl, void* arg) {
  auto* state = static_cast<TicketState*>(arg);
  SSL_SESSION* session = SSL_get0_session(ssl);
  if (session == nullptr) return 0;
  if (SSL_session_reused(ssl) == 1) return auth_time(session) ? 1 : 0;
  const auto stamp = encode(state->policy.clock());
  return SSL_SESSION_set1_ticket_appdata(session, stamp.data(), stamp.size());
}

std::optional<ResumptionRefusal> judge(const TicketState& state, SSL_SESSION* session) {
  const auto when = auth_time(session);
  if (!when) return ResumptionRefusal::no_auth_time;
  const auto now = state.policy.clock();
  if (now - *when >= state.policy.max_age || *when > now) return ResumptionRefusal::too_old;
  X509* peer = SSL_SESSION_get0_peer(session);
  if (peer == nullptr) return ResumptionRefusal::certificate_expired;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  // X509_cmp_time: -1 when notAfter is before t (expired), 0 on error.
  if (X509_cmp_time(X509_get0_notAfter(peer), &t) <= 0) {
    return ResumptionRefusal::certificate_expired;
  }
  return std::nullopt;
}

void refuse(const TicketState& state, ResumptionRefusal why) {
  spdlog::info("TLS: resumption refused ({}): full handshake required", to_string(why));
  if (state.policy.on_refused) state.policy.on_refused(why);
}

SSL_TICKET_RETURN on_decrypt(SSL* /*ssl*/, SSL_SESSION* session, const unsigned char* /*name*/,
                             size_t /*name_len*/, SSL_TICKET_STATUS status, void* arg) {
  auto* state = static_cast<TicketState*>(arg);
  switch (status) {
    case SSL_TICKET_SUCCESS:
    case SSL_TICKET_SUCCESS_RENEW:
      if (const auto why = judge(*state, session)) {
        refuse(*state, *why);
        return SSL_TICKET_RETURN_IGNORE_RENEW;
      }
      // Always renew: the client's next ticket is sealed under the current key and carries
      // the same original authentication time.
      return SSL_TICKET_RETURN_USE_RENEW;
    case SSL_TICKET_NO_DECRYPT:
    case SSL_TICKET_EMPTY:
      return SSL_TICKET_RETURN_IGNORE_RENEW;
    default:
      return SSL_TICKET_RETURN_ABORT;
  }
}

bool set_mac_key(EVP_MAC_CTX* mac, const TicketKey& key) {
  std::array<char, 7> digest{"SHA256"};
  auto* mac_key = const_cast<std::uint8_t*>(key.mac_key.data());  // NOLINT: OSSL_PARAM is not const
  const std::array<OSSL_PARAM, 3> params{
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, mac_key, key.mac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
      OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(mac, params.data()) == 1;
}

// Seals (enc = 1) under the ring's current key; opens (enc = 0) with the named key: 1 when
// it is current, 2 when older (OpenSSL then issues a ticket under the current key), 0 when
// the key is gone (no resumption: full handshake), -1 on an internal failure.
int on_ticket_key(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                  EVP_MAC_CTX* mac, int enc) {
  TicketState* state = state_of(ssl);
  if (state == nullptr) return -1;
  const EVP_CIPHER* aes = EVP_aes_256_cbc();
  const std::scoped_lock lock(state->ring_mutex);
  if (enc == 1) {
    auto key = state->ring.current();
    if (!key) return -1;
    const TicketKey& k = **key;
    std::memcpy(name, k.name.data(), k.name.size());
    const auto iv_len = static_cast<std::size_t>(EVP_CIPHER_get_iv_length(aes));
    if (auto ok = random_fill({iv, iv_len}); !ok) return -1;
    if (EVP_EncryptInit_ex(cipher, aes, nullptr, k.cipher_key.data(), iv) != 1) return -1;
    return set_mac_key(mac, k) ? 1 : -1;
  }
  const auto found = state->ring.find({name, TicketKey{}.name.size()});
  if (!found) {
    refuse(*state, ResumptionRefusal::unknown_key);
    return 0;
  }
  if (!set_mac_key(mac, *found->key) ||
      EVP_DecryptInit_ex(cipher, aes, nullptr, found->key->cipher_key.data(), iv) != 1) {
    return -1;
  }
  return found->is_current ? 1 : 2;
}

}  // namespace

core::Result<void> install_session_tickets(SSL_CTX* ctx, const ResumptionPolicy& policy) {
  auto ring = TicketKeyRing::create(policy.clock, policy.ticket_key_rotation, policy.max_age);
  if (!ring) return ring.error();
  auto state = std::make_unique<TicketState>(policy, std::move(*ring));
  if (SSL_CTX_set_ex_data(ctx, state_index(), state.get()) != 1) {
    return openssl_error(errc::backend, "storing the session ticket state");
  }
  TicketState* s = state.release();  // owned by the context from here (freed with it)
  if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket_key) != 1 ||
      SSL_CTX_set_session_ticket_cb(ctx, on_generate, on_decrypt, s) != 1) {
    return openssl_error(errc::backend, "installing the session ticket callbacks");
  }
  return {};
}

}  // namespace detail
}  // namespace pqbranch::crypto
