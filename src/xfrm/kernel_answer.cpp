// The kernel's ACK or error answer to a request, with its extended-ACK explanation.
#include <climits>
#include <string>

#include <linux/netlink.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"

#include "nl_reader.hpp"

namespace pqbranch::xfrm {
namespace {

core::Error bad_answer(const std::string& what) {
  return core::make_error(errc::malformed_reply, "kernel answer: " + what);
}

// NLMSGERR_ATTR_MSG up to its NUL, printable ASCII only (it goes into log lines), capped.
std::string explanation(const detail::NlMessageView& view, const nlmsgerr& err) {
  if ((view.header.nlmsg_flags & NLM_F_ACK_TLVS) == 0) return {};
  // With NLM_F_CAPPED the echoed request is its header only; otherwise it is whole.
  std::size_t header_len = sizeof(nlmsgerr);
  if ((view.header.nlmsg_flags & NLM_F_CAPPED) == 0) header_len = sizeof(int) + err.msg.nlmsg_len;
  const auto attrs = detail::Attributes::parse(view.payload, header_len);
  if (!attrs) return {};
  const auto msg = attrs->get(NLMSGERR_ATTR_MSG);
  if (!msg) return {};
  std::string text;
  for (const std::uint8_t c : *msg) {
    if (c == '\0' || text.size() == KernelAnswer::kMaxExplanation) break;
    text.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  return text;
}

}  // namespace

core::Result<KernelAnswer> parse_kernel_answer(std::span<const std::uint8_t> message) {
  const auto view = detail::view_message(message);
  if (!view) return bad_answer("bad netlink header");
  if (view->header.nlmsg_type != NLMSG_ERROR) {
    return bad_answer("message type " + std::to_string(view->header.nlmsg_type));
  }
  const auto err = detail::read_struct<nlmsgerr>(view->payload);
  if (!err) return bad_answer("short error message");
  // The kernel sends 0 or a negative errno; anything else is no answer we can read.
  if (err->error > 0 || err->error == INT_MIN) {
    return bad_answer("error value " + std::to_string(err->error));
  }
  KernelAnswer answer;
  answer.error = -err->error;
  if (answer.error != 0) answer.explanation = explanation(*view, *err);
  return answer;
}

}  // namespace pqbranch::xfrm
