#pragma once
// XFRM netlink messages, built apart from sending (as libnl's *_build_*_request do) so
// that tests check the bytes attribute by attribute without a kernel; and the parsers for
// what the kernel sends back (dump entries, multicast events). Layouts: <linux/xfrm.h>.
//
// Every request is built on a libnl nl_msg of fixed capacity (never reallocated, so key
// bytes are never left behind in a freed buffer) and wiped before it is freed.
// Attributes libnl-xfrm 3.7 cannot express (XFRMA_IF_ID, XFRMA_SA_DIR, XFRMA_SET_MARK,
// ALLOCSPI) are written here like all the others.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/events.hpp"
#include "pqbranch/xfrm/ownership.hpp"
#include "pqbranch/xfrm/types.hpp"

struct nl_msg;

namespace pqbranch::xfrm {

// Wipes the message's bytes, then nlmsg_free.
void free_wiped(nl_msg* msg) noexcept;

// One netlink request, owned from creation.
class NetlinkMessage {
 public:
  explicit NetlinkMessage(nl_msg* msg) noexcept : msg_(msg) {}
  [[nodiscard]] nl_msg* get() const noexcept { return msg_.get(); }
  // The whole message: struct nlmsghdr, family header, attributes (nlmsg_len bytes).
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept;
  [[nodiscard]] std::uint16_t type() const noexcept;
  [[nodiscard]] std::uint16_t flags() const noexcept;

 private:
  core::CHandle<nl_msg, free_wiped> msg_;
};

// Each builder validates its parameters first (errc::invalid_parameter).
core::Result<NetlinkMessage> build_add_sa(const Sa& sa);     // XFRM_MSG_NEWSA
core::Result<NetlinkMessage> build_update_sa(const Sa& sa);  // XFRM_MSG_UPDSA
core::Result<NetlinkMessage> build_allocspi(const SpiRequest& request);
core::Result<NetlinkMessage> build_delete_sa(const SaId& id);       // XFRM_MSG_DELSA
core::Result<NetlinkMessage> build_get_sa(const SaId& id);          // XFRM_MSG_GETSA
core::Result<NetlinkMessage> build_add_policy(const Policy& p);     // XFRM_MSG_NEWPOLICY
core::Result<NetlinkMessage> build_update_policy(const Policy& p);  // XFRM_MSG_UPDPOLICY
core::Result<NetlinkMessage> build_delete_policy(const PolicyId& id);
core::Result<NetlinkMessage> build_dump_sas();       // GETSA with NLM_F_DUMP
core::Result<NetlinkMessage> build_dump_policies();  // GETPOLICY with NLM_F_DUMP

// NETLINK_ROUTE messages built by libnl-route: RTM_NEWLINK of kind "xfrm" with
// IFLA_XFRM_IF_ID and IFLA_XFRM_LINK (underlying_ifindex; 0 = none), and RTM_DELLINK.
core::Result<NetlinkMessage> build_create_xfrm_interface(const XfrmInterface& xi,
                                                         std::uint32_t underlying_ifindex);
core::Result<NetlinkMessage> build_delete_link(const std::string& name);

// Parsers take one complete netlink message (header included, nlmsg_len bytes) and never
// trust it: short or inconsistent input gives errc::malformed_reply. Key attributes are
// skipped, never copied.
core::Result<SaState> parse_sa(std::span<const std::uint8_t> message, const Ownership& o);
core::Result<PolicyState> parse_policy(std::span<const std::uint8_t> message, const Ownership& o);
// EXPIRE, ACQUIRE and MAPPING; nullopt for other message types.
core::Result<std::optional<Event>> parse_event(std::span<const std::uint8_t> message,
                                               const Ownership& o);

// The kernel's answer to a request (NLMSG_ERROR, on any netlink protocol): error 0 is an ACK,
// otherwise the errno, with the kernel's explanation when it gave one (extended ACK,
// NLMSGERR_ATTR_MSG; its printable ASCII only, at most kMaxExplanation characters).
struct KernelAnswer {
  static constexpr std::size_t kMaxExplanation = 256;
  int error = 0;
  std::string explanation;
};
// malformed_reply for another message type, a short message or an error that is no errno.
core::Result<KernelAnswer> parse_kernel_answer(std::span<const std::uint8_t> message);

}  // namespace pqbranch::xfrm
