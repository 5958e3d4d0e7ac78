#pragma once
// The IKE header (RFC 7296 §3.1), read before anything else: the session dispatches on the
// SPIs, the exchange, the flags and the message ID before it decrypts.
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       IKE SA Initiator's SPI                  |
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       IKE SA Responder's SPI                  |
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          Message ID                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                            Length                             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kHeaderSize = 28;
// Largest message we build or accept (a UDP datagram's payload limit).
inline constexpr std::size_t kMaxMessageSize = 65535 - 8;

// An IKE SPI in network order; all-zero is "not yet known" (SPIr in IKE_SA_INIT requests).
using Spi = std::array<std::uint8_t, 8>;

struct Header {
  Spi spi_i{};
  Spi spi_r{};
  PayloadType next_payload = PayloadType::none;
  std::uint8_t major_version = 2;
  std::uint8_t minor_version = 0;
  ExchangeType exchange = ExchangeType::ike_sa_init;
  std::uint8_t flags = 0;
  std::uint32_t message_id = 0;
  std::uint32_t length = 0;  // whole message; set by the encoders

  [[nodiscard]] bool initiator() const noexcept { return (flags & kFlagInitiator) != 0; }
  [[nodiscard]] bool response() const noexcept { return (flags & kFlagResponse) != 0; }

  friend bool operator==(const Header&, const Header&) = default;
};

// Parses the first 28 bytes of `datagram`. Refuses: fewer than 28 bytes (truncated), major
// version other than 2 (bad_version, RFC 7296 §3.1: the peer answers INVALID_MAJOR_VERSION),
// a Length below 28 or different from the datagram's size (bad_length).
core::Result<Header> parse_header(std::span<const std::uint8_t> datagram);

// Appends the 28 header bytes as given (including `length`).
void append_header(const Header& h, std::vector<std::uint8_t>& out);

}  // namespace pqbranch::ikev2
