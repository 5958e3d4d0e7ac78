#pragma once
// A misbehaving front for FakeIkeResponder, for tests of the initiator against a hostile
// peer: each request goes to the fake, which answers correctly, and the answer is then
// withheld, duplicated, replaced by an earlier one, cut, padded or altered as the plan says
// (altered protected answers are sealed again with the fake's keys, so only the intended
// fault is wrong). A request seen before is answered from a cache (RFC 7296 §2.1: a
// retransmitted request gets the same response), never handled twice by the fake. No I/O.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/message.hpp"

#include "fakes/fake_ike_responder.hpp"

namespace pqbranch::test {

class HostileIkeResponder {
 public:
  enum class Misbehaviour {
    none,
    silent,                  // no answer
    duplicated,              // the answer twice
    replay_earlier,          // instead of the answer, every earlier answer of this IKE SA
    oversized,               // padded to the largest UDP datagram (65507 bytes)
    header_only,             // the IKE header alone (its length field unchanged)
    cut_inside_payload,      // cut inside the first payload, header length fixed to match
    length_beyond_datagram,  // the header's length field 100 bytes larger than the datagram
    bad_payload_length,      // the first payload's length reaches past the datagram
    wrong_message_id,        // one more than the request's
    response_flag_clear,     // R flag clear: reads as a request
    initiator_flag_set,      // I flag set: reads as the original initiator's
    wrong_spi_i,
    wrong_spi_r,
    bad_icv,  // the last byte of the ICV flipped (protected answers only)
    edit,     // the answer's payloads changed by Plan::edit or Plan::edit_raw
  };

  // A payload of an unprotected answer as bytes (for faults the codec refuses to encode).
  struct RawPayload {
    std::uint8_t type = 0;
    bool critical = false;
    std::vector<std::uint8_t> body;
  };

  struct Plan {
    Misbehaviour misbehaviour = Misbehaviour::none;
    ikev2::ExchangeType exchange = ikev2::ExchangeType::ike_sa_init;  // whose answers
    bool always = false;  // every answer of that exchange; else the first only
    // Misbehaviour::edit: the payloads (inside SK when protected), encoded and sealed again;
    // `fake` tells what it negotiated (e.g. the initiator's ESP SPI).
    std::function<void(std::vector<ikev2::Payload>&, const FakeIkeResponder& fake)> edit;
    // Misbehaviour::edit on an unprotected answer (IKE_SA_INIT): the raw payload chain.
    std::function<void(std::vector<RawPayload>&)> edit_raw;
  };

  HostileIkeResponder() = default;
  explicit HostileIkeResponder(Plan plan) : plan_(std::move(plan)) {}

  // The datagrams to send for `request` to `fake`: none, one or more. An error when the
  // fake refuses the request or the fault cannot be made.
  core::Result<std::vector<std::vector<std::uint8_t>>> answer(
      FakeIkeResponder& fake, std::span<const std::uint8_t> request);

  // How many answers were spoiled so far.
  [[nodiscard]] std::size_t misbehaved() const noexcept { return misbehaved_; }
  // The correct answers the fake gave on the IKE SA `spi_i`, in order.
  [[nodiscard]] std::vector<std::vector<std::uint8_t>> answers(const ikev2::Spi& spi_i) const;

 private:
  core::Result<std::vector<std::vector<std::uint8_t>>> spoil(
      const FakeIkeResponder& fake, std::span<const std::uint8_t> sk_er,
      const std::vector<std::uint8_t>& genuine, const ikev2::Spi& spi_i);
  core::Result<std::vector<std::uint8_t>> rewrite(
      std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> sk_er,
      const std::function<void(ikev2::Message&)>& change);

  struct Cached {
    std::vector<std::uint8_t> answer;
    core::SecureBytes sk_er;  // what it was sealed with
  };

  Plan plan_;
  std::size_t misbehaved_ = 0;
  std::uint64_t iv_ = std::uint64_t{1} << 40;          // apart from the fake's own IVs
  std::map<std::vector<std::uint8_t>, Cached> cache_;  // by request
  std::map<ikev2::Spi, std::vector<std::vector<std::uint8_t>>> history_;
};

}  // namespace pqbranch::test
