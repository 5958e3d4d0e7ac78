#include "pqbranch/ikev2/payload.hpp"

#include <type_traits>

namespace pqbranch::ikev2 {

PayloadType payload_type(const Payload& p) noexcept {
  return std::visit(
      [](const auto& v) -> PayloadType {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, SaPayload>) return PayloadType::sa;
        if constexpr (std::is_same_v<T, KePayload>) return PayloadType::ke;
        if constexpr (std::is_same_v<T, IdPayload>) {
          return v.initiator ? PayloadType::id_i : PayloadType::id_r;
        }
        if constexpr (std::is_same_v<T, CertPayload>) return PayloadType::cert;
        if constexpr (std::is_same_v<T, CertReqPayload>) return PayloadType::certreq;
        if constexpr (std::is_same_v<T, AuthPayload>) return PayloadType::auth;
        if constexpr (std::is_same_v<T, NoncePayload>) return PayloadType::nonce;
        if constexpr (std::is_same_v<T, NotifyPayload>) return PayloadType::notify;
        if constexpr (std::is_same_v<T, DeletePayload>) return PayloadType::del;
        if constexpr (std::is_same_v<T, VendorIdPayload>) return PayloadType::vendor_id;
        if constexpr (std::is_same_v<T, TsPayload>) {
          return v.initiator ? PayloadType::ts_i : PayloadType::ts_r;
        }
        return PayloadType::none;
      },
      p);
}

const IdPayload* find_id(const std::vector<Payload>& payloads, bool initiator) noexcept {
  for (const auto& p : payloads) {
    if (const auto* id = std::get_if<IdPayload>(&p); id != nullptr && id->initiator == initiator) {
      return id;
    }
  }
  return nullptr;
}

const TsPayload* find_ts(const std::vector<Payload>& payloads, bool initiator) noexcept {
  for (const auto& p : payloads) {
    if (const auto* ts = std::get_if<TsPayload>(&p); ts != nullptr && ts->initiator == initiator) {
      return ts;
    }
  }
  return nullptr;
}

const NotifyPayload* find_notify(const std::vector<Payload>& payloads, NotifyType type) noexcept {
  for (const auto& p : payloads) {
    if (const auto* n = std::get_if<NotifyPayload>(&p); n != nullptr && n->type == type) return n;
  }
  return nullptr;
}

bool announces_fragmentation(const std::vector<Payload>& payloads) noexcept {
  return find_notify(payloads, NotifyType::fragmentation_supported) != nullptr;
}

std::vector<const KePayload*> find_all_ke(const std::vector<Payload>& payloads) {
  std::vector<const KePayload*> out;
  for (const auto& p : payloads) {
    if (const auto* ke = std::get_if<KePayload>(&p)) out.push_back(ke);
  }
  return out;
}

}  // namespace pqbranch::ikev2
