#pragma once
// One parsed payload of any type we understand, and lookups over a message's payloads.

#include <variant>
#include <vector>

#include "pqbranch/ikev2/auth_payload.hpp"
#include "pqbranch/ikev2/cert_payload.hpp"
#include "pqbranch/ikev2/certreq_payload.hpp"
#include "pqbranch/ikev2/constants.hpp"
#include "pqbranch/ikev2/delete_payload.hpp"
#include "pqbranch/ikev2/id_payload.hpp"
#include "pqbranch/ikev2/ke_payload.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"
#include "pqbranch/ikev2/notify_payload.hpp"
#include "pqbranch/ikev2/sa_payload.hpp"
#include "pqbranch/ikev2/ts_payload.hpp"
#include "pqbranch/ikev2/vendor_id_payload.hpp"

namespace pqbranch::ikev2 {

using Payload =
    std::variant<SaPayload, KePayload, IdPayload, CertPayload, CertReqPayload, AuthPayload,
                 NoncePayload, NotifyPayload, DeletePayload, VendorIdPayload, TsPayload>;

// The Next Payload number of a payload (IDi/IDr and TSi/TSr from their `initiator` flag).
[[nodiscard]] PayloadType payload_type(const Payload& p) noexcept;

// The first payload of type T, or nullptr.
template <class T>
[[nodiscard]] const T* find_payload(const std::vector<Payload>& payloads) noexcept {
  for (const auto& p : payloads) {
    if (const T* t = std::get_if<T>(&p)) return t;
  }
  return nullptr;
}

// The ID or TS payload of one side, or nullptr.
[[nodiscard]] const IdPayload* find_id(const std::vector<Payload>& payloads,
                                       bool initiator) noexcept;
[[nodiscard]] const TsPayload* find_ts(const std::vector<Payload>& payloads,
                                       bool initiator) noexcept;

// The first notification of `type`, or nullptr.
[[nodiscard]] const NotifyPayload* find_notify(const std::vector<Payload>& payloads,
                                               NotifyType type) noexcept;

// RFC 7383 §2.3: the message announces FRAGMENTATION_SUPPORTED (an IKE_SA_INIT request or
// response), so messages of the IKE SA may be sent in SKF fragments.
[[nodiscard]] bool announces_fragmentation(const std::vector<Payload>& payloads) noexcept;

// All KE payloads in order (IKE_SA_INIT has one; RFC 9370 allows one per IKE_INTERMEDIATE).
[[nodiscard]] std::vector<const KePayload*> find_all_ke(const std::vector<Payload>& payloads);

}  // namespace pqbranch::ikev2
