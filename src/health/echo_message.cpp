#include "pqbranch/health/echo_message.hpp"

#include "pqbranch/health/errc.hpp"

namespace pqbranch::health {
namespace {

constexpr std::uint8_t kEchoRequestV4 = 8;
constexpr std::uint8_t kEchoReplyV4 = 0;
constexpr std::uint8_t kEchoRequestV6 = 128;
constexpr std::uint8_t kEchoReplyV6 = 129;

}  // namespace

std::array<std::uint8_t, kEchoMessageSize> encode_echo_request(core::Family family,
                                                               std::uint16_t sequence,
                                                               std::uint64_t token) {
  std::array<std::uint8_t, kEchoMessageSize> m{};
  m[0] = family == core::Family::v4 ? kEchoRequestV4 : kEchoRequestV6;
  m[6] = static_cast<std::uint8_t>(sequence >> 8);
  m[7] = static_cast<std::uint8_t>(sequence);
  for (std::size_t i = 0; i < 8; ++i)
    m[kEchoHeaderSize + i] = static_cast<std::uint8_t>(token >> (56 - 8 * i));
  return m;
}

core::Result<EchoReply> parse_echo_reply(core::Family family, std::span<const std::uint8_t> bytes) {
  const std::uint8_t reply = family == core::Family::v4 ? kEchoReplyV4 : kEchoReplyV6;
  if (bytes.size() < kEchoMessageSize) {
    return core::make_error(errc::not_an_echo_reply,
                            std::to_string(bytes.size()) + " bytes, too short");
  }
  if (bytes[0] != reply || bytes[1] != 0) {
    return core::make_error(errc::not_an_echo_reply, "ICMP type " + std::to_string(bytes[0]) +
                                                         " code " + std::to_string(bytes[1]));
  }
  EchoReply r;
  r.sequence = static_cast<std::uint16_t>((bytes[6] << 8) | bytes[7]);
  for (std::size_t i = 0; i < 8; ++i)
    r.token = (r.token << 8) | bytes[kEchoHeaderSize + i];
  return r;
}

}  // namespace pqbranch::health
