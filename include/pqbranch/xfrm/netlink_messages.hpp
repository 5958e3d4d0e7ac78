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

// Parsers take one complete netlink message (header included, nlmsg_len bytes) and never
// trust it: short or inconsistent input gives errc::malformed_reply. Key attributes are
// skipped, never copied.
core::Result<SaState> parse_sa(std::span<const std::uint8_t> message, const Ownership& o);
core::Result<PolicyState> parse_policy(std::span<const std::uint8_t> message, const Ownership& o);
// EXPIRE, ACQUIRE and MAPPING; nullopt for other message types.
core::Result<std::optional<Event>> parse_event(std::span<const std::uint8_t> message,
                                               const Ownership& o);

}  // namespace pqbranch::xfrm
