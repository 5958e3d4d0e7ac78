#include "pqbranch/xfrm/netlink_kernel.hpp"

#include <arpa/inet.h>
#include <array>
#include <net/if.h>

#include <fmt/format.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netlink/route/link.h>
#include <netlink/route/link/xfrmi.h>
#include <spdlog/spdlog.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"
#include "pqbranch/xfrm/validate.hpp"

#include "netlink_socket.hpp"

namespace pqbranch::xfrm {

using detail::NetlinkSocket;

struct NetlinkKernel::Impl {
  Ownership ownership;
  NetlinkSocket xfrm;    // requests
  NetlinkSocket route;   // xfrm interfaces
  NetlinkSocket events;  // multicast: acquire, expire, mapping
  bool events_lost = false;
};

namespace {

template <class Build, class Arg>
core::Result<void> simple(NetlinkSocket& sock, Build build, const Arg& arg,
                          const std::string& operation) {
  auto msg = build(arg);
  if (!msg) {
    core::Error e = msg.error();
    e.detail = operation + ": " + e.detail;
    return e;
  }
  return sock.transact(*msg, operation);
}

std::string sa_op(const char* verb, const SaId& id) {
  return fmt::format("{} SA {}", verb, to_string(id));
}

std::string policy_op(const char* verb, const PolicyId& id) {
  return fmt::format("{} policy {}", verb, to_string(id));
}

}  // namespace

NetlinkKernel::NetlinkKernel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NetlinkKernel::~NetlinkKernel() = default;

core::Result<std::unique_ptr<NetlinkKernel>> NetlinkKernel::create(const Ownership& ownership) {
  if (auto r = validate(ownership); !r) return r.error();
  auto xfrm = NetlinkSocket::open(NETLINK_XFRM);
  if (!xfrm) return xfrm.error();
  auto route = NetlinkSocket::open(NETLINK_ROUTE);
  if (!route) return route.error();
  constexpr std::array<int, 3> kGroups{XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_MAPPING};
  auto events = NetlinkSocket::open(NETLINK_XFRM, kGroups);
  if (!events) return events.error();
  auto impl = std::make_unique<Impl>(
      Impl{ownership, std::move(*xfrm), std::move(*route), std::move(*events)});
  return std::unique_ptr<NetlinkKernel>(new NetlinkKernel(std::move(impl)));
}

core::Result<std::uint32_t> NetlinkKernel::allocate_spi(const SpiRequest& request) {
  const std::string op = fmt::format("allocate SPI dst {} reqid {}", request.dst, request.reqid);
  auto msg = build_allocspi(request);
  if (!msg) return core::make_error(errc::invalid_parameter, op + ": " + msg.error().detail);
  std::optional<std::uint32_t> spi;
  auto r =
      impl_->xfrm.transact(*msg, op, [&](std::span<const std::uint8_t> m) -> core::Result<void> {
        auto sa = parse_sa(m, impl_->ownership);
        if (!sa) return sa.error();
        spi = sa->spi;
        return {};
      });
  if (!r) {
    // ALLOCSPI answers ENOENT when every SPI of the range is taken.
    if (r.error().code == errc::not_found) {
      return core::make_error(errc::spi_exhausted, r.error().detail);
    }
    return r.error();
  }
  if (!spi) return core::make_error(errc::malformed_reply, op + ": no SA in the answer");
  return *spi;
}

core::Result<void> NetlinkKernel::add_sa(const Sa& sa) {
  return simple(impl_->xfrm, build_add_sa, sa, sa_op("add", sa.id()));
}

core::Result<void> NetlinkKernel::update_sa(const Sa& sa) {
  return simple(impl_->xfrm, build_update_sa, sa, sa_op("update", sa.id()));
}

core::Result<void> NetlinkKernel::delete_sa(const SaId& id) {
  return simple(impl_->xfrm, build_delete_sa, id, sa_op("delete", id));
}

core::Result<SaState> NetlinkKernel::get_sa(const SaId& id) {
  const std::string op = sa_op("get", id);
  auto msg = build_get_sa(id);
  if (!msg) return core::make_error(errc::invalid_parameter, op + ": " + msg.error().detail);
  std::optional<SaState> state;
  auto r =
      impl_->xfrm.transact(*msg, op, [&](std::span<const std::uint8_t> m) -> core::Result<void> {
        auto sa = parse_sa(m, impl_->ownership);
        if (!sa) return sa.error();
        state = std::move(*sa);
        return {};
      });
  if (!r) return r.error();
  if (!state) return core::make_error(errc::malformed_reply, op + ": no SA in the answer");
  return std::move(*state);
}

core::Result<void> NetlinkKernel::add_policy(const Policy& policy) {
  return simple(impl_->xfrm, build_add_policy, policy, policy_op("add", id_of(policy)));
}

core::Result<void> NetlinkKernel::update_policy(const Policy& policy) {
  return simple(impl_->xfrm, build_update_policy, policy, policy_op("update", id_of(policy)));
}

core::Result<void> NetlinkKernel::delete_policy(const PolicyId& id) {
  return simple(impl_->xfrm, build_delete_policy, id, policy_op("delete", id));
}

core::Result<std::vector<SaState>> NetlinkKernel::list_sas() {
  auto msg = build_dump_sas();
  if (!msg) return msg.error();
  std::vector<SaState> out;
  auto r = impl_->xfrm.transact(
      *msg, "list SAs", [&](std::span<const std::uint8_t> m) -> core::Result<void> {
        auto sa = parse_sa(m, impl_->ownership);
        // An entry we cannot read is not ours to judge: skip it, never fail the whole list.
        if (!sa) {
          spdlog::warn("xfrm: skipping an SA entry: {}", sa.error().message());
          return {};
        }
        out.push_back(std::move(*sa));
        return {};
      });
  if (!r) return r.error();
  return out;
}

core::Result<std::vector<PolicyState>> NetlinkKernel::list_policies() {
  auto msg = build_dump_policies();
  if (!msg) return msg.error();
  std::vector<PolicyState> out;
  auto r = impl_->xfrm.transact(
      *msg, "list policies", [&](std::span<const std::uint8_t> m) -> core::Result<void> {
        auto p = parse_policy(m, impl_->ownership);
        if (!p) {
          spdlog::warn("xfrm: skipping a policy entry: {}", p.error().message());
          return {};
        }
        out.push_back(std::move(*p));
        return {};
      });
  if (!r) return r.error();
  return out;
}

core::Result<FlushReport> NetlinkKernel::flush_owned() {
  // SAs first, then policies: if this stops half-way, the remaining policies without SAs
  // drop traffic (fail closed) rather than letting it leave in clear.
  FlushReport report;
  core::Result<void> first_error{};
  const auto keep_first = [&](const core::Result<void>& r) {
    // Gone already (expired meanwhile) is what we wanted.
    if (!r && r.error().code != errc::not_found && first_error) first_error = r.error();
    return r.has_value();
  };
  auto sas = list_sas();
  if (!sas) return sas.error();
  for (const SaState& sa : *sas) {
    if (sa.owned && keep_first(delete_sa(sa.id()))) ++report.sas_deleted;
  }
  auto policies = list_policies();
  if (!policies) return policies.error();
  for (const PolicyState& p : *policies) {
    if (p.owned && keep_first(delete_policy(id_of(p.policy)))) ++report.policies_deleted;
  }
  if (!first_error) return first_error.error();
  return report;
}

core::Result<void> NetlinkKernel::create_xfrm_interface(const XfrmInterface& xi) {
  const std::string op = fmt::format("create xfrm interface {} (if_id {})", xi.name, xi.if_id);
  if (auto r = validate(xi); !r) {
    return core::make_error(errc::invalid_parameter, op + ": " + r.error().detail);
  }
  std::uint32_t underlying = 0;
  if (!xi.underlying.empty()) {
    underlying = ::if_nametoindex(xi.underlying.c_str());
    if (underlying == 0) {
      return core::make_error(errc::not_found, op + ": no device " + xi.underlying);
    }
  }
  auto msg = build_create_xfrm_interface(xi, underlying);
  if (!msg) return msg.error();
  return impl_->route.transact(*msg, op);
}

core::Result<void> NetlinkKernel::delete_xfrm_interface(const std::string& name) {
  const std::string op = "delete xfrm interface " + name;
  if (name.empty() || name.size() > 15) {
    return core::make_error(errc::invalid_parameter, op + ": bad name");
  }
  // Never delete a device that is not an xfrm interface, whatever name we were given.
  rtnl_link* raw = nullptr;
  const int rc = rtnl_link_get_kernel(impl_->route.get(), 0, name.c_str(), &raw);
  const core::CHandle<rtnl_link, rtnl_link_put> link(raw);
  if (rc < 0) {
    if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {
      return core::make_error(errc::not_found, op + ": no such device");
    }
    return core::make_error(errc::socket_error, op + ": " + nl_geterror(rc));
  }
  if (rtnl_link_is_xfrmi(link.get()) == 0) {
    return core::make_error(errc::invalid_parameter, op + ": not an xfrm interface");
  }
  auto msg = build_delete_link(name);
  if (!msg) return msg.error();
  return impl_->route.transact(*msg, op);
}

int NetlinkKernel::event_fd() const {
  return impl_->events.fd();
}

core::Result<std::vector<Event>> NetlinkKernel::read_events() {
  if (impl_->events_lost) {
    impl_->events_lost = false;
    return core::make_error(errc::socket_error, "read events: kernel events were lost (ENOBUFS)");
  }
  std::vector<Event> out;
  auto r = impl_->events.drain([&](std::span<const std::uint8_t> m) -> core::Result<void> {
    auto e = parse_event(m, impl_->ownership);
    if (!e) {
      spdlog::warn("xfrm: skipping a kernel event: {}", e.error().message());
    } else if (*e) {
      out.push_back(**e);
    }
    return {};
  });
  if (!r) {
    // Deliver what was read; report the loss on the next call so the caller resyncs.
    if (out.empty()) return r.error();
    impl_->events_lost = true;
  }
  return out;
}

const Ownership& NetlinkKernel::ownership() const {
  return impl_->ownership;
}

}  // namespace pqbranch::xfrm
