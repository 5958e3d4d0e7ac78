#include "pqbranch/xfrm/errc.hpp"

#include <cerrno>
#include <cstring>

namespace pqbranch::xfrm {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::invalid_parameter:
      return "invalid xfrm parameter";
    case errc::not_found:
      return "no such SA, policy or interface";
    case errc::already_exists:
      return "already exists";
    case errc::not_supported:
      return "not supported by this kernel";
    case errc::permission_denied:
      return "permission denied (CAP_NET_ADMIN needed)";
    case errc::rejected:
      return "rejected by the kernel";
    case errc::spi_exhausted:
      return "no free SPI in the range";
    case errc::socket_error:
      return "netlink socket error";
    case errc::malformed_reply:
      return "malformed kernel message";
    case errc::injected_fault:
      return "injected fault";
  }
  return "unknown xfrm error";
}

errc errc_from_errno(int err) noexcept {
  switch (err) {
    case ESRCH:
    case ENOENT:
    case ENODEV:
      return errc::not_found;
    case EEXIST:
      return errc::already_exists;
    case ENOSYS:
    case EOPNOTSUPP:
    case EPROTONOSUPPORT:
    case EAFNOSUPPORT:
      return errc::not_supported;
    case EPERM:
    case EACCES:
      return errc::permission_denied;
    default:
      return errc::rejected;
  }
}

core::Error kernel_error(int err, const std::string& operation, const std::string& extack) {
  std::string detail = operation + ": " + std::strerror(err);  // NOLINT(concurrency-mt-unsafe)
  if (!extack.empty()) detail += " (" + extack + ")";
  return core::make_error(errc_from_errno(err), std::move(detail));
}

}  // namespace pqbranch::xfrm
