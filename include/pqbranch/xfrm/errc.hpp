#pragma once
// Errors of the xfrm module. Kernel (netlink) errors are mapped from errno to the codes
// below; Error::detail always names the operation and carries the kernel's own text
// (errno text plus the extended-ack message when the kernel sends one), e.g.
// "add SA spi 0x00001234 dst 10.0.0.2: Function not implemented".

#include "pqbranch/core/error.hpp"

namespace pqbranch::xfrm {

enum class errc {
  invalid_parameter = 1,  // rejected by validate() before any message was built
  not_found,              // ESRCH, ENOENT: no such SA/policy/interface (larval SA expired)
  already_exists,         // EEXIST: SPI or policy already installed
  not_supported,          // ENOSYS, EOPNOTSUPP, EPROTONOSUPPORT, EAFNOSUPPORT: kernel lacks it
  permission_denied,      // EPERM, EACCES: needs CAP_NET_ADMIN
  rejected,               // EINVAL and other kernel refusals of a well-formed request
  spi_exhausted,          // ALLOCSPI found no free SPI in the range
  socket_error,           // netlink/socket setup or I/O failed (not a kernel verdict)
  malformed_reply,        // a kernel message we could not parse
  injected_fault,         // FakeKernel: a test asked this call to fail (errno in detail)
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.xfrm")

// The errc for a kernel errno (positive), e.g. EEXIST -> already_exists.
errc errc_from_errno(int err) noexcept;

// An Error for a failed kernel operation: code from errno, detail "<operation>: <strerror>"
// plus " (<extack>)" when the kernel explained itself.
core::Error kernel_error(int err, const std::string& operation, const std::string& extack = {});

}  // namespace pqbranch::xfrm

PQB_ERROR_ENUM_TRAIT(pqbranch::xfrm::errc);
