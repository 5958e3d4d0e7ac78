#pragma once
// The real kernel: XFRM over a NETLINK_XFRM socket (requests built by
// netlink_messages.hpp), xfrm interfaces over NETLINK_ROUTE (libnl-route), events on a
// second NETLINK_XFRM socket subscribed to the expire, acquire and mapping groups.
// Needs CAP_NET_ADMIN in the network namespace the object is created in.

#include <memory>

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace pqbranch::xfrm {

class NetlinkKernel final : public Kernel {
 public:
  // Opens the sockets of the calling thread's network namespace.
  static core::Result<std::unique_ptr<NetlinkKernel>> create(const Ownership& ownership);
  ~NetlinkKernel() override;
  NetlinkKernel(const NetlinkKernel&) = delete;
  NetlinkKernel& operator=(const NetlinkKernel&) = delete;

  core::Result<std::uint32_t> allocate_spi(const SpiRequest& request) override;
  core::Result<void> add_sa(const Sa& sa) override;
  core::Result<void> update_sa(const Sa& sa) override;
  core::Result<void> delete_sa(const SaId& id) override;
  core::Result<SaState> get_sa(const SaId& id) override;
  core::Result<void> add_policy(const Policy& policy) override;
  core::Result<void> update_policy(const Policy& policy) override;
  core::Result<void> delete_policy(const PolicyId& id) override;
  core::Result<std::vector<SaState>> list_sas() override;
  core::Result<std::vector<PolicyState>> list_policies() override;
  core::Result<FlushReport> flush_owned() override;
  core::Result<void> create_xfrm_interface(const XfrmInterface& xi) override;
  core::Result<void> delete_xfrm_interface(const std::string& name) override;
  [[nodiscard]] int event_fd() const override;
  core::Result<std::vector<Event>> read_events() override;
  [[nodiscard]] const Ownership& ownership() const override;

 private:
  struct Impl;
  explicit NetlinkKernel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pqbranch::xfrm
