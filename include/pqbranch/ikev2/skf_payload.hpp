#pragma once
// The Encrypted Fragment payload SKF (RFC 7383 §2.5): one piece of an SK payload's inner
// payloads, protected on its own exactly like SK (sk_payload.hpp: AES-GCM-16-256, its own IV
// and ICV). The AAD is the fragment message from the first byte of the IKE header to the last
// byte of Total Fragments. Splitting and joining whole messages: fragmenter.hpp,
// fragment_reassembler.hpp.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Fragment Number        |        Total Fragments        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Initialization Vector                     |
// |                            (8 octets)                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                      Encrypted content                        ~
// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |               |  Pad Length   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                 Integrity Checksum Data (16 octets)           ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Next Payload: in fragment 1 the type of the first inner payload, in every other fragment 0.
// Fragment Number: 1..Total Fragments. Total Fragments: at least 1. The IKE header is the
// original message's, with Next Payload SKF and its own Length. We send no payloads before SKF
// and refuse fragments that have some (RFC 7383 §2.5.3 allows them; no exchange we take part
// in puts plaintext payloads beside SK).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/header.hpp"

namespace pqbranch::ikev2 {

// Generic header, Fragment Number and Total Fragments: the end of the AAD.
inline constexpr std::size_t kSkfHeaderSize = 8;

struct SkfFields {
  PayloadType next_payload = PayloadType::none;  // fragment 1: the first inner payload's type
  std::uint16_t number = 1;
  std::uint16_t total = 1;

  friend bool operator==(const SkfFields&, const SkfFields&) = default;
};

// errc::bad_value for Fragment Number 0 or above Total Fragments, Total Fragments 0, or a
// Next Payload other than 0 after fragment 1.
core::Result<void> verify(const SkfFields& f);

// One fragment message: `h` with Next Payload SKF and the Length of this datagram, then the
// SKF payload with `f` and `content` (a piece of the inner payload chain) sealed under `sk_e`
// with IV `iv` (never repeated under one key). errc::too_large beyond kMaxMessageSize.
core::Result<std::vector<std::uint8_t>> seal_fragment(const Header& h, const SkfFields& f,
                                                      std::span<const std::uint8_t> content,
                                                      std::span<const std::uint8_t> sk_e,
                                                      std::uint64_t iv);

// A fragment message parsed but not decrypted: what a receiver checks before it spends an AEAD
// operation (RFC 7383 §2.6). Refuses a malformed header or chain, a message whose payloads are
// not exactly one SKF (missing_encrypted_payload without SKF, bad_value with payloads before
// it), a body too short for IV, Pad Length and ICV (truncated), and fields verify() refuses.
struct FragmentView {
  Header header;
  SkfFields fields;
  std::span<const std::uint8_t> aad;             // IKE header ‖ SKF header
  std::span<const std::uint8_t> protected_body;  // IV ‖ ciphertext ‖ ICV
};
core::Result<FragmentView> parse_fragment(std::span<const std::uint8_t> datagram);

// Checks the ICV with `sk_e` (the peer's SK_er or SK_ei) and returns the content; nothing is
// released when it does not verify (errc::integrity_check_failed). The view's spans must still
// point into the datagram.
struct OpenedFragment {
  Header header;
  SkfFields fields;
  core::SecureBytes content;  // a piece of the inner payload chain
};
core::Result<OpenedFragment> open_fragment(const FragmentView& view,
                                           std::span<const std::uint8_t> sk_e);

}  // namespace pqbranch::ikev2
