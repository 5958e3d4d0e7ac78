#pragma once
// Netlink messages as the kernel sends them, for parser tests and the fuzz seed corpus:
// a header, a fixed struct, aligned attributes; and our own requests retyped as dump
// entries (the kernel dumps SAs and policies in the layout of NEWSA/NEWPOLICY).

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "pqbranch/xfrm/netlink_messages.hpp"

#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::test {

class NetlinkWriter {
 public:
  template <class T>
  NetlinkWriter(std::uint16_t type, const T& fixed) {
    bytes_.resize(NLMSG_HDRLEN);
    append(&fixed, sizeof(fixed));
    header().nlmsg_type = type;
  }
  template <class T>
  NetlinkWriter& attr(std::uint16_t type, const T& value) {
    nlattr a{static_cast<std::uint16_t>(NLA_HDRLEN + sizeof(T)), type};
    append(&a, sizeof(a));
    append(&value, sizeof(value));
    return *this;
  }
  // An attribute of bytes (a text attribute: its characters and the NUL).
  NetlinkWriter& attr_bytes(std::uint16_t type, std::span<const std::uint8_t> value) {
    nlattr a{static_cast<std::uint16_t>(NLA_HDRLEN + value.size()), type};
    append(&a, sizeof(a));
    append(value.data(), value.size());
    return *this;
  }
  NetlinkWriter& attr_text(std::uint16_t type, std::string_view text) {
    std::vector<std::uint8_t> b(text.begin(), text.end());
    b.push_back(0);
    return attr_bytes(type, b);
  }
  // Bytes after the fixed struct (an error's echoed request).
  NetlinkWriter& raw(std::span<const std::uint8_t> b) {
    append(b.data(), b.size());
    return *this;
  }
  NetlinkWriter& flags(std::uint16_t f) {
    header().nlmsg_flags = f;
    return *this;
  }
  std::vector<std::uint8_t> bytes() {
    header().nlmsg_len = static_cast<std::uint32_t>(bytes_.size());
    return bytes_;
  }

 private:
  nlmsghdr& header() { return *reinterpret_cast<nlmsghdr*>(bytes_.data()); }
  void append(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()));
  }
  std::vector<std::uint8_t> bytes_;
};

// A request's bytes with the message type a dump entry or event would carry.
inline std::vector<std::uint8_t> as_dump_entry(const xfrm::NetlinkMessage& m, std::uint16_t type) {
  std::vector<std::uint8_t> b(m.bytes().begin(), m.bytes().end());
  reinterpret_cast<nlmsghdr*>(b.data())->nlmsg_type = type;
  return b;
}

inline xfrm_address_t kernel_address(const char* text) {
  xfrm_address_t k{};
  const auto a = addr(text);
  std::memcpy(&k, a.bytes().data(), a.bytes().size());
  return k;
}

}  // namespace pqbranch::test
