#pragma once
// Private to src/ikev2: big-endian appends and a bounds-checked reader. Every read checks the
// remaining length first, so no parser can read outside the span it was given.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/errc.hpp"

namespace pqbranch::ikev2::detail {

inline void put8(std::vector<std::uint8_t>& out, std::uint8_t v) {
  out.push_back(v);
}
inline void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8U));
  out.push_back(static_cast<std::uint8_t>(v & 0xFFU));
}
inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((v >> static_cast<unsigned>(shift)) & 0xFFU));
  }
}
// The value as its own four big-endian bytes (an SPI field).
[[nodiscard]] inline std::vector<std::uint8_t> bytes32(std::uint32_t v) {
  std::vector<std::uint8_t> out;
  put32(out, v);
  return out;
}
inline void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}
// Overwrites a 16-bit length at `offset` (already reserved).
inline void patch16(std::vector<std::uint8_t>& out, std::size_t offset, std::uint16_t v) {
  out[offset] = static_cast<std::uint8_t>(v >> 8U);
  out[offset + 1] = static_cast<std::uint8_t>(v & 0xFFU);
}

[[nodiscard]] inline std::uint16_t get16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned>(b[at]) << 8U) | b[at + 1]);
}
[[nodiscard]] inline std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
  return (static_cast<std::uint32_t>(b[at]) << 24U) |
         (static_cast<std::uint32_t>(b[at + 1]) << 16U) |
         (static_cast<std::uint32_t>(b[at + 2]) << 8U) | static_cast<std::uint32_t>(b[at + 3]);
}

// Reads fixed fields from a span; every accessor fails with errc::truncated naming `what`
// when the bytes run out.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, const char* what) noexcept
      : bytes_(bytes), what_(what) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }

  core::Result<std::uint8_t> u8() {
    if (remaining() < 1) return short_read(1);
    return bytes_[pos_++];
  }
  core::Result<std::uint16_t> u16() {
    if (remaining() < 2) return short_read(2);
    const auto v = get16(bytes_, pos_);
    pos_ += 2;
    return v;
  }
  core::Result<std::uint32_t> u32() {
    if (remaining() < 4) return short_read(4);
    const auto v = get32(bytes_, pos_);
    pos_ += 4;
    return v;
  }
  core::Result<std::span<const std::uint8_t>> bytes(std::size_t n) {
    if (remaining() < n) return short_read(n);
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::span<const std::uint8_t> rest() noexcept {
    auto s = bytes_.subspan(pos_);
    pos_ = bytes_.size();
    return s;
  }

 private:
  core::Error short_read(std::size_t n) const {
    return core::make_error(errc::truncated, std::string(what_) + ": need " + std::to_string(n) +
                                                 " more bytes, have " +
                                                 std::to_string(remaining()));
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  const char* what_;
};

// Shorthand for an error with a detail.
inline core::Error fail(errc e, std::string detail) {
  return core::make_error(e, std::move(detail));
}

}  // namespace pqbranch::ikev2::detail
