#pragma once
// The initiator machine's side of RFC 7383 fragmentation (internal to ikev2): which path a
// request's datagrams take, and cutting a sealed request into fragments when the responder
// announced FRAGMENTATION_SUPPORTED and the request does not fit `fragment_size`.

#include <cstdint>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/fragmenter.hpp"
#include "pqbranch/ikev2/session_options.hpp"

#include "initiator_attempt.hpp"

namespace pqbranch::ikev2 {

// The path of the attempt's protected messages: `fragment_size`, the remote address's
// family, and the non-ESP marker once IKE moved to the NAT-T port.
[[nodiscard]] FragmentPath fragment_path(const SessionOptions& options, const Attempt& a);

// `sealed` (a request after IKE_SA_INIT) as the datagrams to send: unchanged unless
// fragmentation was negotiated and it does not fit (fit_to_path; IVs from a.sa.next_iv).
core::Result<std::vector<std::vector<std::uint8_t>>> request_datagrams(
    const SessionOptions& options, Attempt& a, std::vector<std::uint8_t> sealed);

}  // namespace pqbranch::ikev2
