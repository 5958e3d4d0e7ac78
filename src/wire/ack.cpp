// POST /v1/generation/ack
// request:  {"version":1, "generation":7, "agent_spi":3237998081, "edge_spi":8192}
// response: {"version":1, "generation":7, "edge_outbound_installed":true}

#include "pqbranch/wire/ack.hpp"

#include "pqbranch/wire/protocol.hpp"

#include "json_fields.hpp"

namespace pqbranch::wire {

using detail::ObjectReader;

std::string encode(const AckRequest& request) {
  auto m = detail::new_message();
  m["generation"] = request.generation;
  m["agent_spi"] = request.agent_spi;
  m["edge_spi"] = request.edge_spi;
  return detail::to_body(m);
}

std::string encode(const AckResponse& response) {
  auto m = detail::new_message();
  m["generation"] = response.generation;
  m["edge_outbound_installed"] = response.edge_outbound_installed;
  return detail::to_body(m);
}

core::Result<AckRequest> decode_ack_request(std::string_view body) {
  return detail::decode_message<AckRequest>(body, [](ObjectReader& r) -> core::Result<AckRequest> {
    auto generation = r.uint<std::uint64_t>("generation", 1, kMaxJsonInteger);
    if (!generation) return generation.error();
    auto agent_spi = r.uint<std::uint32_t>("agent_spi", kMinSpi);
    if (!agent_spi) return agent_spi.error();
    auto edge_spi = r.uint<std::uint32_t>("edge_spi", kMinSpi);
    if (!edge_spi) return edge_spi.error();
    return AckRequest{*generation, *agent_spi, *edge_spi};
  });
}

core::Result<AckResponse> decode_ack_response(std::string_view body) {
  return detail::decode_message<AckResponse>(
      body, [](ObjectReader& r) -> core::Result<AckResponse> {
        auto generation = r.uint<std::uint64_t>("generation", 1, kMaxJsonInteger);
        if (!generation) return generation.error();
        auto installed = r.boolean("edge_outbound_installed");
        if (!installed) return installed.error();
        return AckResponse{*generation, *installed};
      });
}

}  // namespace pqbranch::wire
