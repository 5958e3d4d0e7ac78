#pragma once
// The kernel's IPsec databases as pqbranch sees them. Implementations: NetlinkKernel
// (netlink_kernel.hpp, the real thing) and FakeKernel (tests/fakes, in memory, with the
// kernel's selection and expiry rules). Every call validates its parameters first and
// returns a typed error naming the operation (errc.hpp). Calls are synchronous; events are
// delivered through a file descriptor the caller watches (no Asio in this module).

#include <cstdint>
#include <string>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/events.hpp"
#include "pqbranch/xfrm/ownership.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::xfrm {

struct FlushReport {
  std::size_t sas_deleted = 0;
  std::size_t policies_deleted = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;

  // XFRM_MSG_ALLOCSPI: reserves an SPI in [min_spi, max_spi] by creating a larval SA that
  // the kernel drops after net.core.xfrm_acq_expires (30 s by default). Complete it with
  // update_sa() (add_sa() with that SPI fails with already_exists); after expiry update_sa()
  // fails with not_found: allocate again.
  virtual core::Result<std::uint32_t> allocate_spi(const SpiRequest& request) = 0;
  // XFRM_MSG_NEWSA: a new SA; already_exists if (dst, spi, proto) is taken.
  virtual core::Result<void> add_sa(const Sa& sa) = 0;
  // XFRM_MSG_UPDSA: completes a larval SA (the SA must repeat the SpiRequest's addresses,
  // reqid, mode, if_id, mark and direction), or updates an installed one's lifetimes,
  // encap (same type; how a NAT mapping change is applied), output mark and if_id. It never
  // changes keys or the selector: rotation means a new SPI.
  virtual core::Result<void> update_sa(const Sa& sa) = 0;
  virtual core::Result<void> delete_sa(const SaId& id) = 0;
  virtual core::Result<SaState> get_sa(const SaId& id) = 0;

  virtual core::Result<void> add_policy(const Policy& policy) = 0;
  // XFRM_MSG_UPDPOLICY: adds or replaces the policy with the same PolicyId.
  virtual core::Result<void> update_policy(const Policy& policy) = 0;
  virtual core::Result<void> delete_policy(const PolicyId& id) = 0;

  // Everything in the kernel (ours and foreign), each entry marked `owned`.
  virtual core::Result<std::vector<SaState>> list_sas() = 0;
  virtual core::Result<std::vector<PolicyState>> list_policies() = 0;
  // Deletes every owned SA and policy; foreign ones are untouched. Every owned entry is
  // attempted; the first failure is returned after the rest were tried.
  virtual core::Result<FlushReport> flush_owned() = 0;

  virtual core::Result<void> create_xfrm_interface(const XfrmInterface& xi) = 0;
  virtual core::Result<void> delete_xfrm_interface(const std::string& name) = 0;

  // Readable (poll/epoll/Asio) when events may be pending. Valid for the object's life.
  [[nodiscard]] virtual int event_fd() const = 0;
  // Drains the pending events without blocking; empty when none.
  virtual core::Result<std::vector<Event>> read_events() = 0;

  [[nodiscard]] virtual const Ownership& ownership() const = 0;
};

// Installs two SAs (typically the inbound and outbound halves of one generation) so that
// nothing is left half-installed: if the second add fails, the first is deleted again and
// the second's error is returned. A half whose SPI came from allocate_spi() is completed
// with update_sa() (PairOptions says which), the other with add_sa().
struct PairOptions {
  bool first_is_larval = false;
  bool second_is_larval = false;
};
core::Result<void> install_pair(Kernel& kernel, const Sa& first, const Sa& second,
                                PairOptions options = {});

// Applies a NAT mapping change (XFRM_MSG_MAPPING; RFC 3948 §3.2: the peer's translated port
// moved) to one installed ESP-in-UDP SA: the peer's port, i.e. the encapsulation's source
// port of an inbound SA or its destination port of an outbound one, becomes `peer_port`.
// Reads the SA (get_sa) and sends UPDSA with its own parameters. UPDSA of an installed SA
// never changes its key (the kernel copies only encap, lifetimes and marks from the message,
// see update_sa), so the message carries an all-zero placeholder key that is never used: the
// caller needs no key material. Errors: not_found; invalid_parameter when the SA is larval,
// has no UDP encapsulation or another direction.
core::Result<void> update_peer_port(Kernel& kernel, const SaId& id, SaDirection direction,
                                    std::uint16_t peer_port);

}  // namespace pqbranch::xfrm
