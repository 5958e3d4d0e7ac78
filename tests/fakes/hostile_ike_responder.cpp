#include "fakes/hostile_ike_responder.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

namespace pqbranch::test {
namespace {

using ikev2::kHeaderSize;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kLargestUdpPayload = 65507;  // IPv4: 65535 - 20 - 8
constexpr std::size_t kLengthOffset = 24;          // of the IKE header's Length
constexpr std::size_t kNextPayloadOffset = 16;
constexpr std::size_t kGenericHeader = 4;

core::Error hostile_error(const std::string& why) {
  return core::make_error(ikev2::errc::bad_value, "hostile responder: " + why);
}

void put16(Bytes& b, std::size_t at, std::size_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

void put32(Bytes& b, std::size_t at, std::size_t v) {
  put16(b, at, v >> 16);
  put16(b, at + 2, v & 0xffff);
}

std::size_t first_payload_length(const Bytes& b) {
  return (std::size_t{b[kHeaderSize + 2]} << 8) | b[kHeaderSize + 3];
}

core::Result<std::vector<HostileIkeResponder::RawPayload>> split(const Bytes& m) {
  std::vector<HostileIkeResponder::RawPayload> out;
  std::uint8_t next = m[kNextPayloadOffset];
  std::size_t at = kHeaderSize;
  while (next != 0) {
    if (at + kGenericHeader > m.size()) return hostile_error("payload chain cut");
    const std::size_t length = (std::size_t{m[at + 2]} << 8) | m[at + 3];
    if (length < kGenericHeader || at + length > m.size()) return hostile_error("payload length");
    out.push_back({next, (m[at + 1] & 0x80U) != 0,
                   Bytes(m.begin() + static_cast<std::ptrdiff_t>(at + kGenericHeader),
                         m.begin() + static_cast<std::ptrdiff_t>(at + length))});
    next = m[at];
    at += length;
  }
  return out;
}

Bytes join(const Bytes& original, const std::vector<HostileIkeResponder::RawPayload>& payloads) {
  Bytes out(original.begin(), original.begin() + kHeaderSize);
  out[kNextPayloadOffset] = payloads.empty() ? std::uint8_t{0} : payloads.front().type;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const auto& p = payloads[i];
    const std::size_t at = out.size();
    out.resize(at + kGenericHeader);
    out[at] = i + 1 < payloads.size() ? payloads[i + 1].type : std::uint8_t{0};
    out[at + 1] = p.critical ? std::uint8_t{0x80} : std::uint8_t{0};
    put16(out, at + 2, kGenericHeader + p.body.size());
    out.insert(out.end(), p.body.begin(), p.body.end());
  }
  put32(out, kLengthOffset, out.size());
  return out;
}

}  // namespace

std::vector<Bytes> HostileIkeResponder::answers(const ikev2::Spi& spi_i) const {
  const auto it = history_.find(spi_i);
  return it == history_.end() ? std::vector<Bytes>{} : it->second;
}

core::Result<std::vector<Bytes>> HostileIkeResponder::answer(
    FakeIkeResponder& fake, std::span<const std::uint8_t> request) {
  auto header = ikev2::parse_header(request);
  if (!header) return header.error();
  Bytes key(request.begin(), request.end());
  auto cached = cache_.find(key);
  if (cached == cache_.end()) {
    // The keys the answer is sealed with (IKE_INTERMEDIATE changes them after sealing).
    Cached entry{{}, fake.keys().sk_er.clone()};
    auto genuine = fake.handle(request);
    if (!genuine) return genuine.error();
    entry.answer = std::move(*genuine);
    history_[header->spi_i].push_back(entry.answer);
    cached = cache_.emplace(std::move(key), std::move(entry)).first;
  }
  const auto& [genuine, sk_er] = cached->second;
  const bool spoiled = plan_.misbehaviour != Misbehaviour::none &&
                       header->exchange == plan_.exchange && (plan_.always || misbehaved_ == 0);
  if (!spoiled) return std::vector<Bytes>{genuine};
  ++misbehaved_;
  return spoil(fake, sk_er.span(), genuine, header->spi_i);
}

core::Result<Bytes> HostileIkeResponder::rewrite(
    std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> sk_er,
    const std::function<void(ikev2::Message&)>& change) {
  auto header = ikev2::parse_header(bytes);
  if (!header) return header.error();
  if (header->exchange == ikev2::ExchangeType::ike_sa_init) {
    auto m = ikev2::parse_message(bytes);
    if (!m) return m.error();
    change(*m);
    return ikev2::encode_message(*m);
  }
  auto opened = ikev2::open_message(bytes, sk_er);
  if (!opened) return opened.error();
  change(opened->message);
  auto sealed = ikev2::seal_message(opened->message, sk_er, iv_++);
  if (!sealed) return sealed.error();
  return std::move(sealed->bytes);
}

core::Result<std::vector<Bytes>> HostileIkeResponder::spoil(const FakeIkeResponder& fake,
                                                            std::span<const std::uint8_t> sk_er,
                                                            const Bytes& genuine,
                                                            const ikev2::Spi& spi_i) {
  const auto one = [](core::Result<Bytes> r) -> core::Result<std::vector<Bytes>> {
    if (!r) return r.error();
    return std::vector<Bytes>{std::move(*r)};
  };
  const auto header = [&](const std::function<void(ikev2::Header&)>& change) {
    return one(rewrite(genuine, sk_er, [&](ikev2::Message& m) { change(m.header); }));
  };
  const bool unprotected =
      genuine[18] == static_cast<std::uint8_t>(ikev2::ExchangeType::ike_sa_init);
  Bytes b = genuine;
  switch (plan_.misbehaviour) {
    case Misbehaviour::none:
      return std::vector<Bytes>{b};
    case Misbehaviour::silent:
      return std::vector<Bytes>{};
    case Misbehaviour::duplicated:
      return std::vector<Bytes>{b, b};
    case Misbehaviour::replay_earlier: {
      const auto& all = history_[spi_i];
      const auto at = std::ranges::find(all, genuine);
      if (at == all.begin()) return hostile_error("no earlier answer to replay");
      return std::vector<Bytes>(all.begin(), at);
    }
    case Misbehaviour::oversized:
      b.resize(kLargestUdpPayload, 0);
      return std::vector<Bytes>{b};
    case Misbehaviour::header_only:
      b.resize(kHeaderSize);
      return std::vector<Bytes>{b};
    case Misbehaviour::cut_inside_payload: {
      const std::size_t cut = kHeaderSize + (first_payload_length(b) / 2);
      b.resize(cut);
      put32(b, kLengthOffset, cut);
      return std::vector<Bytes>{b};
    }
    case Misbehaviour::length_beyond_datagram:
      put32(b, kLengthOffset, b.size() + 100);
      return std::vector<Bytes>{b};
    case Misbehaviour::bad_payload_length:
      put16(b, kHeaderSize + 2, std::min<std::size_t>(b.size() - kHeaderSize + 8, 0xffff));
      return std::vector<Bytes>{b};
    case Misbehaviour::wrong_message_id:
      return header([](ikev2::Header& h) { ++h.message_id; });
    case Misbehaviour::response_flag_clear:
      return header([](ikev2::Header& h) {
        h.flags = static_cast<std::uint8_t>(h.flags & ~ikev2::kFlagResponse);
      });
    case Misbehaviour::initiator_flag_set:
      return header([](ikev2::Header& h) { h.flags |= ikev2::kFlagInitiator; });
    case Misbehaviour::wrong_spi_i:
      return header([](ikev2::Header& h) { h.spi_i[0] ^= 0xffU; });
    case Misbehaviour::wrong_spi_r:
      return header([](ikev2::Header& h) { h.spi_r[0] ^= 0xffU; });
    case Misbehaviour::bad_icv:
      if (unprotected) return hostile_error("IKE_SA_INIT has no ICV");
      b.back() ^= 0x80U;
      return std::vector<Bytes>{b};
    case Misbehaviour::edit:
      if (unprotected && plan_.edit_raw) {
        auto raw = split(b);
        if (!raw) return raw.error();
        plan_.edit_raw(*raw);
        return std::vector<Bytes>{join(b, *raw)};
      }
      if (!plan_.edit) return hostile_error("edit without an editor");
      return one(rewrite(genuine, sk_er, [&](ikev2::Message& m) { plan_.edit(m.payloads, fake); }));
  }
  return hostile_error("unknown misbehaviour");
}

}  // namespace pqbranch::test
