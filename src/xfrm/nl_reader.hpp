#pragma once
// Bounds-checked reading of netlink messages received from the kernel: a message's fixed
// header struct and its attributes. Never trusts a length. Internal to the xfrm module.

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include <linux/netlink.h>

namespace pqbranch::xfrm::detail {

// One netlink message: header + payload of nlmsg_len bytes (checked).
struct NlMessageView {
  nlmsghdr header{};
  std::span<const std::uint8_t> payload;  // after the header, nlmsg_len - NLMSG_HDRLEN bytes
};
std::optional<NlMessageView> view_message(std::span<const std::uint8_t> bytes) noexcept;

// Copies a struct from the start of `bytes` (nullopt if too short).
template <class T>
std::optional<T> read_struct(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < sizeof(T)) return std::nullopt;
  T t{};
  std::memcpy(&t, bytes.data(), sizeof(T));
  return t;
}

// Attributes following a fixed header of `header_len` bytes (NLMSG_ALIGNed), indexed by
// type; the last occurrence wins. Types above kMaxType are ignored. ok=false when an
// attribute's length is inconsistent.
class Attributes {
 public:
  static constexpr std::size_t kMaxType = 64;
  static std::optional<Attributes> parse(std::span<const std::uint8_t> payload,
                                         std::size_t header_len) noexcept;
  [[nodiscard]] std::optional<std::span<const std::uint8_t>> get(
      std::uint16_t type) const noexcept {
    if (type >= kMaxType || !present_[type]) return std::nullopt;
    return values_[type];
  }
  template <class T>
  [[nodiscard]] std::optional<T> get_as(std::uint16_t type) const noexcept {
    const auto v = get(type);
    if (!v) return std::nullopt;
    return read_struct<T>(*v);
  }

 private:
  std::array<std::span<const std::uint8_t>, kMaxType> values_{};
  std::array<bool, kMaxType> present_{};
};

}  // namespace pqbranch::xfrm::detail
