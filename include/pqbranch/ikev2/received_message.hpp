#pragma once
// A protected message as the exchange tasks receive it: one datagram whose last payload is
// SK, opened with the peer's key when a task asks for it, or a message the
// FragmentReassembler already put together from SKF fragments and authenticated (RFC 7383
// §2.6). The tasks treat both alike; the reassembled message's header is the fragments'.

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/header.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

namespace pqbranch::ikev2 {

class ReceivedMessage {
 public:
  // Implicit: a datagram is the common case, and the tasks' callers pass one.
  ReceivedMessage(std::span<const std::uint8_t> datagram) noexcept : datagram_(datagram) {}
  ReceivedMessage(const std::vector<std::uint8_t>& datagram) noexcept : datagram_(datagram) {}
  // `reassembled` must outlive this object.
  explicit ReceivedMessage(const OpenedMessage& reassembled) noexcept
      : reassembled_(&reassembled) {}

  // The IKE header (as received; Next Payload SK for a reassembled message).
  [[nodiscard]] core::Result<Header> header() const;
  // The datagram opened with `sk_e` (open_message), or a copy of the reassembled message
  // (authenticated when its fragments were).
  [[nodiscard]] core::Result<OpenedMessage> open(std::span<const std::uint8_t> sk_e) const;
  [[nodiscard]] bool reassembled() const noexcept { return reassembled_ != nullptr; }
  // The datagram as received; empty for a reassembled message (fragments never carry
  // IKE_SA_INIT, the one plaintext exchange).
  [[nodiscard]] std::span<const std::uint8_t> datagram() const noexcept { return datagram_; }

 private:
  std::span<const std::uint8_t> datagram_;
  const OpenedMessage* reassembled_ = nullptr;
};

}  // namespace pqbranch::ikev2
