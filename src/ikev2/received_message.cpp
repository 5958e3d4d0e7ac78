#include "pqbranch/ikev2/received_message.hpp"

namespace pqbranch::ikev2 {

core::Result<Header> ReceivedMessage::header() const {
  if (reassembled_ != nullptr) return reassembled_->message.header;
  return parse_header(datagram_);
}

core::Result<OpenedMessage> ReceivedMessage::open(std::span<const std::uint8_t> sk_e) const {
  if (reassembled_ != nullptr) return *reassembled_;
  return open_message(datagram_, sk_e);
}

}  // namespace pqbranch::ikev2
