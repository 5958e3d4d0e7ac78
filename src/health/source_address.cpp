#include "pqbranch/health/source_address.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ifaddrs.h>
#include <memory>
#include <netinet/in.h>
#include <optional>

#include "pqbranch/health/errc.hpp"

namespace pqbranch::health {
namespace {

std::optional<core::IpAddress> to_address(const sockaddr* sa) {
  if (sa == nullptr) return std::nullopt;
  if (sa->sa_family == AF_INET) {
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, b.size());
    return core::IpAddress::v4(b);
  }
  if (sa->sa_family == AF_INET6) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, b.size());
    return core::IpAddress::v6(b);
  }
  return std::nullopt;
}

}  // namespace

core::Result<core::IpAddress> find_source_address(const std::vector<core::IpPrefix>& prefixes,
                                                  core::Family family) {
  ifaddrs* raw = nullptr;
  if (getifaddrs(&raw) != 0) {
    return core::make_error(errc::no_source_address,
                            std::string("getifaddrs: ") + std::strerror(errno));
  }
  const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> list(raw, &freeifaddrs);
  for (const ifaddrs* i = list.get(); i != nullptr; i = i->ifa_next) {
    const auto a = to_address(i->ifa_addr);
    if (!a || a->family() != family) continue;
    if (std::ranges::any_of(prefixes, [&](const core::IpPrefix& p) { return p.contains(*a); }))
      return *a;
  }
  return core::make_error(errc::no_source_address,
                          "no interface has an address inside tunnel.local_prefixes; "
                          "set health.source");
}

}  // namespace pqbranch::health
