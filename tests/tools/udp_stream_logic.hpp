#pragma once
// The pure half of pqb-udp-stream (a test tool, not part of the agent): the datagram
// format, the receiver's loss/duplicate/reorder accounting and the summary line. The
// socket loop in udp_stream.cpp only feeds these, so the counting is unit-tested.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pqbranch::tools {

// Datagram: 8-byte magic, then the sequence number (u64, big endian), then zero padding.
inline constexpr std::string_view kStreamMagic = "PQBSEQ01";
inline constexpr std::size_t kStreamHeaderSize = 16;
inline constexpr std::size_t kStreamMaxDatagram = 1400;  // fits a 1500-byte MTU after ESP

// `size` is clamped to [kStreamHeaderSize, kStreamMaxDatagram].
std::vector<std::uint8_t> encode_datagram(std::uint64_t seq, std::size_t size);
// The sequence number, or nullopt for anything that is not one of our datagrams.
std::optional<std::uint64_t> decode_datagram(std::span<const std::uint8_t> datagram);

struct StreamSummary {
  std::uint64_t expected = 0;
  std::uint64_t received = 0;    // datagrams with a sequence number in [0, expected)
  std::uint64_t unique = 0;      // distinct sequence numbers in [0, expected)
  std::uint64_t lost = 0;        // expected - unique
  std::uint64_t duplicates = 0;  // repeats of a sequence number already seen
  std::uint64_t reordered = 0;   // arrived after a higher sequence number
  std::uint64_t unexpected = 0;  // sequence number >= expected
  std::uint64_t malformed = 0;   // not our format at all

  // No loss, no duplicate, nothing foreign: what --strict demands. Reordering is reported
  // but allowed (it is not an error for UDP).
  [[nodiscard]] bool clean() const {
    return lost == 0 && duplicates == 0 && unexpected == 0 && malformed == 0;
  }
};

// Counts a stream of sequence numbers 0..expected-1.
class SequenceCounter {
 public:
  explicit SequenceCounter(std::uint64_t expected);

  void record(std::uint64_t seq);
  void record_malformed() { ++malformed_; }
  // Every expected sequence number has arrived at least once.
  [[nodiscard]] bool complete() const { return unique_ == expected_; }
  [[nodiscard]] StreamSummary summary() const;
  // Sequence numbers below the highest one seen that have not arrived: the loss so far of a
  // stream still running (a reordered datagram counts until it arrives).
  [[nodiscard]] std::uint64_t missing_so_far() const;

 private:
  std::uint64_t expected_;
  std::vector<bool> seen_;
  std::uint64_t received_ = 0;
  std::uint64_t unique_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t unexpected_ = 0;
  std::uint64_t malformed_ = 0;
  std::optional<std::uint64_t> highest_;
};

// One machine-readable line: "pqb-udp-stream recv expected=N received=N ... seconds=S".
std::string format_summary(const StreamSummary& s, double seconds);
// A progress line while the stream runs: "pqb-udp-stream recv progress received=N
// unique=N missing=N duplicates=N seconds=S" (missing: SequenceCounter::missing_so_far).
std::string format_progress(const SequenceCounter& c, double seconds);

struct Endpoint {
  std::string address;  // IPv4 dotted quad or IPv6 (given as [addr]:port)
  std::uint16_t port = 0;
};
// "192.0.2.1:5001" or "[2001:db8::1]:5001"; nullopt when malformed or port 0.
std::optional<Endpoint> parse_endpoint(std::string_view text);

}  // namespace pqbranch::tools
