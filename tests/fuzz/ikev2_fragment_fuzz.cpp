// libFuzzer target for RFC 7383 fragments: each input is a sequence of datagrams, each one a
// 2-byte big-endian length and that many bytes (the last one cut at the end of the input),
// given to parse_fragment / open_fragment and to one FragmentReassembler with a fixed SK_e
// (the seeds' fragments were sealed under it) and a time that advances 1 s per datagram, so
// the timeout is reached too. Beyond "no crash, no sanitizer report": the reassembler never
// holds more than its limits allow, and a reassembled message re-encodes to the same payloads.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "pqbranch/ikev2/fragment_reassembler.hpp"
#include "pqbranch/ikev2/message.hpp"
#include "pqbranch/ikev2/skf_payload.hpp"

namespace {

using namespace pqbranch::ikev2;

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr ReassemblyLimits kLimits{
    .max_fragments = 16, .max_bytes = 8192, .timeout = std::chrono::seconds{8}};

void check_reassembled(const OpenedMessage& m) {
  auto encoded = encode_payload_chain(m.message.payloads);
  check(encoded.has_value());
  auto again = parse_payload_chain(encoded->first, encoded->bytes);
  check(again.has_value() && *again == m.message.payloads);
  check(m.message.header.next_payload == PayloadType::sk);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::uint8_t> kSkE(kSkKeySize, 0x5a);
  std::span<const std::uint8_t> input(data, size);
  FragmentReassembler reassembler(kLimits);
  FragmentReassembler::TimePoint now{std::chrono::hours{1}};
  while (input.size() >= 2) {
    const std::size_t length = (std::size_t{input[0]} << 8U) | input[1];
    input = input.subspan(2);
    const auto datagram = input.first(std::min(length, input.size()));
    input = input.subspan(datagram.size());

    if (auto view = parse_fragment(datagram)) {
      check(view->fields.number >= 1 && view->fields.number <= view->fields.total);
      (void)open_fragment(*view, kSkE);
    }
    if (auto step = reassembler.add(datagram, kSkE, now)) {
      check(step->message.has_value() == (step->outcome == FragmentOutcome::complete));
      if (step->message) check_reassembled(*step->message);
    }
    check(reassembler.bytes_held() <= 2 * kLimits.max_bytes);
    now += std::chrono::seconds{1};
  }
  return 0;
}
