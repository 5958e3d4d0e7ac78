// libFuzzer target for the IKEv2 codec: each input is one datagram for parse_message and
// open_message (with a fixed SK_e, so inputs that the seeds' SK payloads were sealed under
// reach the inner parser), and, from its second byte on, a payload chain whose first type is
// the first byte. Beyond "no crash, no sanitizer report": whatever parses must encode again,
// and what that encodes to must parse to the same payloads (the codec is canonical on what
// it accepts).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "pqbranch/ikev2/message.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

namespace {

using namespace pqbranch::ikev2;

void check(bool condition) {
  if (!condition) std::abort();
}

// Unknown transform attributes are dropped on encoding, so compare without that flag.
std::vector<Payload> normalized(std::vector<Payload> payloads) {
  for (auto& p : payloads) {
    if (auto* sa = std::get_if<SaPayload>(&p)) {
      for (auto& proposal : sa->proposals) {
        for (auto& t : proposal.transforms)
          t.unknown_attribute = false;
      }
    }
  }
  return payloads;
}

void check_chain(const std::vector<Payload>& payloads) {
  auto encoded = encode_payload_chain(payloads);
  check(encoded.has_value());
  auto again = parse_payload_chain(encoded->first, encoded->bytes);
  check(again.has_value());
  check(normalized(*again) == normalized(payloads));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::uint8_t> kSkE(kSkKeySize, 0x5a);
  const std::span<const std::uint8_t> input(data, size);
  if (auto m = parse_message(input)) check_chain(m->payloads);
  if (auto o = open_message(input, kSkE)) check_chain(o->message.payloads);
  if (!input.empty()) {
    if (auto chain = parse_payload_chain(static_cast<PayloadType>(input[0]), input.subspan(1))) {
      check_chain(*chain);
    }
  }
  return 0;
}
