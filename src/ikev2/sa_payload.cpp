#include "pqbranch/ikev2/sa_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {
namespace {

// RFC 7296 §3.3.1 / §3.3.2: Last Substruc values.
constexpr std::uint8_t kLast = 0;
constexpr std::uint8_t kMoreProposals = 2;
constexpr std::uint8_t kMoreTransforms = 3;
constexpr std::size_t kProposalFixed = 8;
constexpr std::size_t kTransformFixed = 8;
constexpr std::uint16_t kAttributeFormatTv = 0x8000;

std::string where(std::size_t proposal, std::size_t transform = 0) {
  std::string s = "SA proposal " + std::to_string(proposal + 1);
  if (transform != 0) s += " transform " + std::to_string(transform);
  return s;
}

core::Result<Transform> parse_transform(std::span<const std::uint8_t> body, const std::string& at) {
  detail::Reader r(body, "transform");
  Transform t;
  auto type = r.u8();
  auto reserved = r.u8();
  auto id = r.u16();
  if (!type || !reserved || !id) return detail::fail(errc::truncated, at);
  t.type = static_cast<TransformType>(*type);
  t.id = *id;
  while (r.remaining() > 0) {
    auto attr_type = r.u16();
    auto value = r.u16();
    if (!attr_type || !value) return detail::fail(errc::truncated, at + " attribute");
    if ((*attr_type & kAttributeFormatTv) == 0) {
      // TLV form: skip the value; no TLV attribute is defined for IKEv2 (§3.3.5).
      if (!r.bytes(*value)) return detail::fail(errc::bad_length, at + " attribute length");
      t.unknown_attribute = true;
      continue;
    }
    const auto kind = static_cast<std::uint16_t>(*attr_type & ~kAttributeFormatTv);
    if (kind == kAttributeKeyLength) {
      if (t.key_length) return detail::fail(errc::bad_value, at + ": Key Length twice");
      t.key_length = *value;
    } else {
      t.unknown_attribute = true;
    }
  }
  return t;
}

core::Result<Proposal> parse_proposal(std::span<const std::uint8_t> body, std::size_t index) {
  const auto at = where(index);
  detail::Reader r(body, "proposal");
  auto number = r.u8();
  auto protocol = r.u8();
  auto spi_size = r.u8();
  auto count = r.u8();
  if (!number || !protocol || !spi_size || !count) return detail::fail(errc::truncated, at);
  Proposal p;
  p.number = *number;
  p.protocol = static_cast<ProtocolId>(*protocol);
  auto spi = r.bytes(*spi_size);
  if (!spi) return detail::fail(errc::bad_length, at + ": SPI size beyond the proposal");
  p.spi.assign(spi->begin(), spi->end());
  if (*count > kMaxTransformsPerProposal) {
    return detail::fail(errc::too_large, at + ": " + std::to_string(*count) + " transforms");
  }
  std::uint8_t last = kMoreTransforms;
  while (r.remaining() > 0) {
    const auto n = p.transforms.size() + 1;
    if (last != kMoreTransforms || n > *count) {
      return detail::fail(errc::bad_count, where(index, n) + ": beyond Num Transforms or Last");
    }
    auto head = r.bytes(4);
    if (!head) return detail::fail(errc::truncated, where(index, n));
    last = (*head)[0];
    const auto length = detail::get16(*head, 2);
    if (last != kLast && last != kMoreTransforms) {
      return detail::fail(errc::bad_value,
                          where(index, n) + ": Last Substruc " + std::to_string(last));
    }
    if (length < kTransformFixed) {
      return detail::fail(errc::bad_length, where(index, n) + ": length " + std::to_string(length));
    }
    auto rest = r.bytes(length - 4U);
    if (!rest) return detail::fail(errc::bad_length, where(index, n) + ": beyond the proposal");
    auto t = parse_transform(*rest, where(index, n));
    if (!t) return t.error();
    p.transforms.push_back(*t);
  }
  if (p.transforms.size() != *count || last != kLast) {
    return detail::fail(errc::bad_count, at + ": Num Transforms " + std::to_string(*count) +
                                             ", found " + std::to_string(p.transforms.size()));
  }
  return p;
}

}  // namespace

core::Result<void> verify(const SaPayload& sa) {
  if (sa.proposals.empty()) return detail::fail(errc::bad_count, "SA without proposals");
  if (sa.proposals.size() > kMaxProposals) {
    return detail::fail(errc::too_large, std::to_string(sa.proposals.size()) + " proposals");
  }
  for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
    const auto& p = sa.proposals[i];
    const auto at = where(i);
    // §3.3.1: proposals are numbered 1, 2, ... in a request; a response carries the one
    // chosen proposal with its number, so only "non-zero, each next one greater" holds for both.
    if (p.number == 0 || (i > 0 && p.number != sa.proposals[i - 1].number + 1)) {
      return detail::fail(errc::bad_value, at + ": Proposal Num " + std::to_string(p.number));
    }
    switch (p.protocol) {
      case ProtocolId::ike:
        if (!p.spi.empty() && p.spi.size() != 8) {
          return detail::fail(errc::bad_length,
                              at + ": IKE SPI size " + std::to_string(p.spi.size()));
        }
        break;
      case ProtocolId::ah:
      case ProtocolId::esp:
        if (p.spi.size() != 4) {
          return detail::fail(errc::bad_length,
                              at + ": ESP/AH SPI size " + std::to_string(p.spi.size()));
        }
        break;
      default:
        return detail::fail(errc::bad_value,
                            at + ": Protocol ID " + std::to_string(static_cast<int>(p.protocol)));
    }
    if (p.transforms.empty()) return detail::fail(errc::bad_count, at + ": no transforms");
    if (p.transforms.size() > kMaxTransformsPerProposal) {
      return detail::fail(errc::too_large,
                          at + ": " + std::to_string(p.transforms.size()) + " transforms");
    }
    for (const auto& t : p.transforms) {
      if (t.type == TransformType{0})
        return detail::fail(errc::bad_value, at + ": transform type 0");
    }
  }
  return {};
}

void append_body(const SaPayload& sa, std::vector<std::uint8_t>& out) {
  for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
    const auto& p = sa.proposals[i];
    const auto start = out.size();
    detail::put8(out, i + 1 == sa.proposals.size() ? kLast : kMoreProposals);
    detail::put8(out, 0);
    detail::put16(out, 0);  // patched below
    detail::put8(out, p.number);
    detail::put8(out, static_cast<std::uint8_t>(p.protocol));
    detail::put8(out, static_cast<std::uint8_t>(p.spi.size()));
    detail::put8(out, static_cast<std::uint8_t>(p.transforms.size()));
    detail::put_bytes(out, p.spi);
    for (std::size_t j = 0; j < p.transforms.size(); ++j) {
      const auto& t = p.transforms[j];
      detail::put8(out, j + 1 == p.transforms.size() ? kLast : kMoreTransforms);
      detail::put8(out, 0);
      detail::put16(out, t.key_length ? kTransformFixed + 4 : kTransformFixed);
      detail::put8(out, static_cast<std::uint8_t>(t.type));
      detail::put8(out, 0);
      detail::put16(out, t.id);
      if (t.key_length) {
        detail::put16(out, kAttributeFormatTv | kAttributeKeyLength);
        detail::put16(out, *t.key_length);
      }
    }
    detail::patch16(out, start + 2, static_cast<std::uint16_t>(out.size() - start));
  }
}

core::Result<SaPayload> parse_sa_payload(std::span<const std::uint8_t> body) {
  SaPayload sa;
  detail::Reader r(body, "SA payload");
  std::uint8_t last = kMoreProposals;
  while (r.remaining() > 0) {
    const auto index = sa.proposals.size();
    if (last != kMoreProposals) {
      return detail::fail(errc::bad_count, where(index) + ": after the last proposal");
    }
    if (index == kMaxProposals) {
      return detail::fail(errc::too_large,
                          "more than " + std::to_string(kMaxProposals) + " proposals");
    }
    auto head = r.bytes(4);
    if (!head) return detail::fail(errc::truncated, where(index));
    last = (*head)[0];
    const auto length = detail::get16(*head, 2);
    if (last != kLast && last != kMoreProposals) {
      return detail::fail(errc::bad_value,
                          where(index) + ": Last Substruc " + std::to_string(last));
    }
    if (length < kProposalFixed) {
      return detail::fail(errc::bad_length, where(index) + ": length " + std::to_string(length));
    }
    auto rest = r.bytes(length - 4U);
    if (!rest) return detail::fail(errc::bad_length, where(index) + ": beyond the SA payload");
    auto p = parse_proposal(*rest, index);
    if (!p) return p.error();
    sa.proposals.push_back(std::move(*p));
  }
  if (last != kLast) return detail::fail(errc::bad_count, "SA payload: last proposal missing");
  if (auto ok = verify(sa); !ok) return ok.error();
  return sa;
}

const Transform* find_transform(const Proposal& p, TransformType type) noexcept {
  for (const auto& t : p.transforms) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

}  // namespace pqbranch::ikev2
