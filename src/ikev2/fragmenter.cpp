#include "pqbranch/ikev2/fragmenter.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"
#include "pqbranch/ikev2/skf_payload.hpp"

#include "byte_io.hpp"
#include "sk_protection.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::size_t kIpv4HeaderSize = 20;
constexpr std::size_t kIpv6HeaderSize = 40;
constexpr std::size_t kUdpHeaderSize = 8;
constexpr std::size_t kNonEspMarkerSize = 4;
constexpr std::size_t kMaxFragments = 65535;  // Total Fragments is 16 bits

}  // namespace

std::size_t max_ike_message_size(const FragmentPath& path) noexcept {
  const auto around = (path.ipv6 ? kIpv6HeaderSize : kIpv4HeaderSize) + kUdpHeaderSize +
                      (path.non_esp_marker ? kNonEspMarkerSize : 0);
  return path.max_datagram > around ? path.max_datagram - around : 0;
}

core::Result<FragmentedMessage> fragment_message(const Message& m,
                                                 std::span<const std::uint8_t> sk_e,
                                                 std::uint64_t first_iv, const FragmentPath& path) {
  if (auto ok = detail::check_sk_key(sk_e); !ok) return ok.error();
  const auto room = max_ike_message_size(path);
  const auto overhead = kHeaderSize + kSkfHeaderSize + detail::protected_size(0);
  if (room <= overhead) {
    return detail::fail(
        errc::invalid_argument,
        "fragments of " + std::to_string(path.max_datagram) + " bytes leave no room for content");
  }
  const auto piece = std::min(room, kMaxMessageSize) - overhead;
  auto chain = encode_payload_chain(m.payloads);
  if (!chain) return chain.error();
  // The same limit as the unfragmented message (seal_message): the peer reassembles it.
  const auto unfragmented =
      kHeaderSize + kGenericHeaderSize + detail::protected_size(chain->bytes.size());
  if (unfragmented > kMaxMessageSize) {
    return detail::fail(errc::too_large,
                        "encrypted message of " + std::to_string(unfragmented) + " bytes");
  }
  const auto count = std::max<std::size_t>(1, (chain->bytes.size() + piece - 1) / piece);
  if (count > kMaxFragments) {
    return detail::fail(errc::too_large, std::to_string(count) + " fragments");
  }

  FragmentedMessage result;
  result.int_auth_octets = detail::int_auth_octets(m.header, chain->first, chain->bytes);
  const std::span<const std::uint8_t> inner(chain->bytes);
  for (std::size_t i = 0; i < count; ++i) {
    const auto offset = i * piece;
    const auto content = inner.subspan(offset, std::min(piece, inner.size() - offset));
    const SkfFields fields{i == 0 ? chain->first : PayloadType::none,
                           static_cast<std::uint16_t>(i + 1), static_cast<std::uint16_t>(count)};
    auto datagram = seal_fragment(m.header, fields, content, sk_e, first_iv + i);
    if (!datagram) return datagram.error();
    result.datagrams.push_back(std::move(*datagram));
  }
  result.next_iv = first_iv + count;
  return result;
}

core::Result<std::vector<std::vector<std::uint8_t>>> fit_to_path(std::vector<std::uint8_t> sealed,
                                                                 std::span<const std::uint8_t> sk_e,
                                                                 std::uint64_t& next_iv,
                                                                 const FragmentPath& path) {
  std::vector<std::vector<std::uint8_t>> datagrams;
  if (sealed.size() <= max_ike_message_size(path)) {
    datagrams.push_back(std::move(sealed));
    return datagrams;
  }
  auto opened = open_message(sealed, sk_e);
  if (!opened) return opened.error();
  auto fragments = fragment_message(opened->message, sk_e, next_iv, path);
  if (!fragments) return fragments.error();
  next_iv = fragments->next_iv;
  return std::move(fragments->datagrams);
}

}  // namespace pqbranch::ikev2
