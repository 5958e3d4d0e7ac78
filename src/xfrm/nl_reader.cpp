#include "nl_reader.hpp"

namespace pqbranch::xfrm::detail {

std::optional<NlMessageView> view_message(std::span<const std::uint8_t> bytes) noexcept {
  const auto h = read_struct<nlmsghdr>(bytes);
  if (!h || h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > bytes.size()) return std::nullopt;
  return NlMessageView{*h, bytes.subspan(NLMSG_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN)};
}

std::optional<Attributes> Attributes::parse(std::span<const std::uint8_t> payload,
                                            std::size_t header_len) noexcept {
  const std::size_t start = NLMSG_ALIGN(header_len);
  if (payload.size() < header_len) return std::nullopt;
  Attributes out;
  if (start >= payload.size()) return out;
  auto rest = payload.subspan(start);
  while (rest.size() >= sizeof(nlattr)) {
    const auto a = read_struct<nlattr>(rest);
    if (!a || a->nla_len < NLA_HDRLEN || a->nla_len > rest.size()) return std::nullopt;
    const std::uint16_t type = a->nla_type & NLA_TYPE_MASK;
    if (type < kMaxType) {
      out.values_[type] = rest.subspan(NLA_HDRLEN, a->nla_len - NLA_HDRLEN);
      out.present_[type] = true;
    }
    const std::size_t step = NLA_ALIGN(a->nla_len);
    if (step >= rest.size()) break;
    rest = rest.subspan(step);
  }
  return out;
}

}  // namespace pqbranch::xfrm::detail
