#include "tools/udp_stream_logic.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace pqbranch::tools {

std::vector<std::uint8_t> encode_datagram(std::uint64_t seq, std::size_t size) {
  std::vector<std::uint8_t> out(std::clamp(size, kStreamHeaderSize, kStreamMaxDatagram), 0);
  std::copy(kStreamMagic.begin(), kStreamMagic.end(), out.begin());
  for (std::size_t i = 0; i < 8; ++i) {
    out[kStreamMagic.size() + i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  }
  return out;
}

std::optional<std::uint64_t> decode_datagram(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < kStreamHeaderSize ||
      !std::equal(kStreamMagic.begin(), kStreamMagic.end(), datagram.begin())) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    seq = (seq << 8) | datagram[kStreamMagic.size() + i];
  }
  return seq;
}

SequenceCounter::SequenceCounter(std::uint64_t expected)
    : expected_(expected), seen_(static_cast<std::size_t>(expected), false) {}

void SequenceCounter::record(std::uint64_t seq) {
  if (seq >= expected_) {
    ++unexpected_;
    return;
  }
  ++received_;
  if (seen_[static_cast<std::size_t>(seq)]) {
    ++duplicates_;
    return;
  }
  seen_[static_cast<std::size_t>(seq)] = true;
  ++unique_;
  if (highest_ && seq < *highest_) {
    ++reordered_;
  } else {
    highest_ = seq;
  }
}

StreamSummary SequenceCounter::summary() const {
  StreamSummary s;
  s.expected = expected_;
  s.received = received_;
  s.unique = unique_;
  s.lost = expected_ - unique_;
  s.duplicates = duplicates_;
  s.reordered = reordered_;
  s.unexpected = unexpected_;
  s.malformed = malformed_;
  return s;
}

std::uint64_t SequenceCounter::missing_so_far() const {
  return highest_ ? *highest_ + 1 - unique_ : 0;
}

std::string format_progress(const SequenceCounter& c, double seconds) {
  const StreamSummary s = c.summary();
  return fmt::format(
      "pqb-udp-stream recv progress received={} unique={} missing={} duplicates={} seconds={:.3f}",
      s.received, s.unique, c.missing_so_far(), s.duplicates, seconds);
}

std::string format_summary(const StreamSummary& s, double seconds) {
  return fmt::format(
      "pqb-udp-stream recv expected={} received={} unique={} lost={} duplicates={} "
      "reordered={} unexpected={} malformed={} seconds={:.3f}",
      s.expected, s.received, s.unique, s.lost, s.duplicates, s.reordered, s.unexpected,
      s.malformed, seconds);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view address;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    address = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    address = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (address.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6
  }
  std::uint16_t value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (address.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0) {
    return std::nullopt;
  }
  return Endpoint{std::string(address), value};
}

}  // namespace pqbranch::tools
