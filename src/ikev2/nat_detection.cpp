#include "pqbranch/ikev2/nat_detection.hpp"

#include <algorithm>

#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<NatHash> nat_detection_hash(const Spi& spi_i, const Spi& spi_r,
                                         const core::IpAddress& address, std::uint16_t port) {
  std::vector<std::uint8_t> data;
  detail::put_bytes(data, spi_i);
  detail::put_bytes(data, spi_r);
  detail::put_bytes(data, address.bytes());
  detail::put16(data, port);
  auto digest = crypto::sha1_digest(data);
  if (!digest) return detail::fail(errc::crypto_failure, digest.error().message());
  return *digest;
}

core::Result<NotifyPayload> make_nat_detection(NotifyType type, const Spi& spi_i, const Spi& spi_r,
                                               const core::IpAddress& address, std::uint16_t port) {
  if (type != NotifyType::nat_detection_source_ip &&
      type != NotifyType::nat_detection_destination_ip) {
    return detail::fail(errc::invalid_argument, "not a NAT_DETECTION_* type");
  }
  auto hash = nat_detection_hash(spi_i, spi_r, address, port);
  if (!hash) return hash.error();
  return make_notify(type, std::vector<std::uint8_t>(hash->begin(), hash->end()));
}

core::Result<bool> nat_detection_matches(const NotifyPayload& n, const Spi& spi_i, const Spi& spi_r,
                                         const core::IpAddress& address, std::uint16_t port) {
  if (n.data.size() != NatHash{}.size()) {
    return detail::fail(errc::bad_length,
                        "NAT detection data of " + std::to_string(n.data.size()) + " bytes");
  }
  auto hash = nat_detection_hash(spi_i, spi_r, address, port);
  if (!hash) return hash.error();
  return std::equal(hash->begin(), hash->end(), n.data.begin());
}

}  // namespace pqbranch::ikev2
