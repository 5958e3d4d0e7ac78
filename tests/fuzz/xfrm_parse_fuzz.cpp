// libFuzzer target for the parsers of what the kernel sends over NETLINK_XFRM (parse_sa,
// parse_policy, parse_event) and of its answers to requests (parse_kernel_answer): each
// input is one netlink message and goes to all four, the first three under policy-mode and
// route-mode ownership. Beyond "no crash, no sanitizer report", what parses must be
// self-consistent: `owned` agrees with owns(), a larval SA has no algorithm, an event's
// `owned` is false for reqids outside the range, and an answer's errno is positive (0 for an
// ACK, which has no explanation) with an explanation of printable ASCII within the cap.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "pqbranch/xfrm/netlink_messages.hpp"
#include "pqbranch/xfrm/ownership.hpp"

namespace {

using namespace pqbranch::xfrm;

Ownership route_mode() {
  Ownership o;
  o.if_id = 0x10;
  return o;
}

void check(bool condition) {
  if (!condition) std::abort();
}

void parse_all(std::span<const std::uint8_t> message, const Ownership& o) {
  if (const auto sa = parse_sa(message, o)) {
    check(sa->owned == owns(o, *sa));
    check(!sa->larval || sa->algorithm.empty());
  }
  if (const auto p = parse_policy(message, o)) {
    check(p->owned == owns(o, p->policy));
  }
  if (const auto e = parse_event(message, o); e && e->has_value()) {
    std::visit([&](const auto& event) { check(!event.owned || owns_reqid(o, event.reqid)); }, **e);
  }
}

void parse_answer(std::span<const std::uint8_t> message) {
  const auto answer = parse_kernel_answer(message);
  if (!answer) return;
  check(answer->error >= 0);
  check(answer->error != 0 || answer->explanation.empty());
  check(answer->explanation.size() <= KernelAnswer::kMaxExplanation);
  check(answer->explanation.size() <= message.size());
  for (const char c : answer->explanation)
    check(c >= 0x20 && c < 0x7F);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Ownership policy = {};
  static const Ownership route = route_mode();
  const std::span<const std::uint8_t> message(data, size);
  parse_all(message, policy);
  parse_all(message, route);
  parse_answer(message);
  return 0;
}
