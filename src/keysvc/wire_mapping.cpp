#include "pqbranch/keysvc/wire_mapping.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <utility>

#include "pqbranch/wire/protocol.hpp"

namespace pqbranch::keysvc {

static_assert(rotation::kMaxGeneration == wire::kMaxJsonInteger,
              "a generation is a wire integer (I-JSON): the edge must never issue a larger one");

namespace {

constexpr std::array<std::pair<rotation::RefusalCode, wire::ErrorCode>, 11> kCodes{{
    {rotation::RefusalCode::bad_request, wire::ErrorCode::bad_request},
    {rotation::RefusalCode::busy, wire::ErrorCode::busy},
    {rotation::RefusalCode::internal_error, wire::ErrorCode::internal},
    {rotation::RefusalCode::unsupported_version, wire::ErrorCode::unsupported_version},
    {rotation::RefusalCode::unknown_site, wire::ErrorCode::unknown_site},
    {rotation::RefusalCode::not_found, wire::ErrorCode::not_found},
    {rotation::RefusalCode::method_not_allowed, wire::ErrorCode::method_not_allowed},
    {rotation::RefusalCode::spi_conflict, wire::ErrorCode::spi_conflict},
    {rotation::RefusalCode::generation_mismatch, wire::ErrorCode::generation_mismatch},
    {rotation::RefusalCode::nat_hello_missing, wire::ErrorCode::nat_hello_missing},
    {rotation::RefusalCode::payload_too_large, wire::ErrorCode::payload_too_large},
}};

// wire carries 0 for "no byte limit"; the kernel's spelling is XFRM_INF.
std::uint64_t bytes_to_wire(std::uint64_t limit) {
  return limit == xfrm::kNoLimit ? 0 : limit;
}
std::uint64_t bytes_from_wire(std::uint64_t limit) {
  return limit == 0 ? xfrm::kNoLimit : limit;
}

std::uint64_t seconds_to_wire(std::chrono::seconds s) {
  return s.count() < 0 ? 0 : static_cast<std::uint64_t>(s.count());
}

wire::Lifetime lifetime_to_wire(const xfrm::Lifetime& lt) {
  return {.soft_seconds = seconds_to_wire(lt.soft_add),
          .hard_seconds = seconds_to_wire(lt.hard_add),
          .soft_bytes = bytes_to_wire(lt.soft_bytes),
          .hard_bytes = bytes_to_wire(lt.hard_bytes)};
}

xfrm::Lifetime lifetime_from_wire(const wire::Lifetime& lt) {
  xfrm::Lifetime out;
  // Both are at most 2^53 - 1 (the wire decoder's bound), well inside chrono::seconds.
  out.soft_add = std::chrono::seconds(static_cast<std::int64_t>(lt.soft_seconds));
  out.hard_add = std::chrono::seconds(static_cast<std::int64_t>(lt.hard_seconds));
  out.soft_bytes = bytes_from_wire(lt.soft_bytes);
  out.hard_bytes = bytes_from_wire(lt.hard_bytes);
  return out;
}

}  // namespace

wire::GenerationRequest to_wire(const rotation::GenerationRequest& request,
                                std::string_view agent_version,
                                const wire::Capabilities& capabilities) {
  wire::GenerationRequest w;
  w.agent_version = std::string(agent_version);
  w.current_generation = request.current_generation;
  w.agent_spi = request.agent_spi;
  if (request.nat_source_port) w.nat = wire::NatRequest{*request.nat_source_port};
  w.capabilities = capabilities;
  return w;
}

rotation::GenerationRequest from_wire(const wire::GenerationRequest& request) {
  rotation::GenerationRequest r;
  r.current_generation = request.current_generation;
  r.agent_spi = request.agent_spi;
  if (request.nat) r.nat_source_port = request.nat->source_port;
  return r;
}

wire::GenerationResponse to_wire(const rotation::GenerationOffer& offer,
                                 std::uint32_t replay_window) {
  wire::GenerationResponse w;
  w.generation = offer.generation;
  w.edge_generation = offer.edge_generation;
  w.agent_spi = offer.agent_spi;
  w.edge_spi = offer.edge_spi;
  w.lifetime = lifetime_to_wire(offer.lifetime);
  const rotation::TunnelParams& t = offer.tunnel;
  w.tunnel.mode = t.if_id != 0 ? wire::TunnelMode::route : wire::TunnelMode::policy;
  w.tunnel.agent_outer = t.agent_address;
  w.tunnel.edge_outer = t.edge_address;
  if (t.if_id != 0) w.tunnel.if_id = t.if_id;
  for (const xfrm::Selector& s : t.selectors)
    w.tunnel.selectors.push_back({s.src, s.dst});
  if (offer.encap) {
    w.tunnel.encap =
        wire::Encap{.agent_port = offer.encap->dst_port, .edge_port = offer.encap->src_port};
  }
  w.replay_window = replay_window;
  return w;
}

rotation::GenerationOffer from_wire(const wire::GenerationResponse& response) {
  rotation::GenerationOffer o;
  o.generation = response.generation;
  o.edge_generation = response.edge_generation;
  o.agent_spi = response.agent_spi;
  o.edge_spi = response.edge_spi;
  o.lifetime = lifetime_from_wire(response.lifetime);
  const wire::Tunnel& t = response.tunnel;
  o.tunnel.agent_address = t.agent_outer;
  o.tunnel.edge_address = t.edge_outer;
  o.tunnel.if_id = t.mode == wire::TunnelMode::route ? t.if_id.value_or(0) : 0;
  for (const wire::Selector& s : t.selectors) {
    xfrm::Selector x;
    x.src = s.agent;
    x.dst = s.edge;
    o.tunnel.selectors.push_back(x);
  }
  if (t.encap) {
    xfrm::Encap e;
    e.src_port = t.encap->edge_port;
    e.dst_port = t.encap->agent_port;
    o.encap = e;
  }
  return o;
}

wire::AckRequest to_wire(const rotation::GenerationAck& ack) {
  return {ack.generation, ack.agent_spi, ack.edge_spi};
}

rotation::GenerationAck from_wire(const wire::AckRequest& ack) {
  return {ack.generation, ack.agent_spi, ack.edge_spi};
}

wire::ErrorCode to_wire(rotation::RefusalCode code) noexcept {
  for (const auto& [r, w] : kCodes) {
    if (r == code) return w;
  }
  return wire::ErrorCode::internal;
}

rotation::RefusalCode from_wire(wire::ErrorCode code) noexcept {
  for (const auto& [r, w] : kCodes) {
    if (w == code) return r;
  }
  return rotation::RefusalCode::internal_error;
}

unsigned http_status(rotation::RefusalCode code) noexcept {
  return wire::http_status(to_wire(code));
}

wire::ErrorResponse to_wire(const rotation::Refusal& refusal) {
  return {to_wire(refusal.code), wire::error_message(refusal.detail)};
}

rotation::Refusal from_wire(const wire::ErrorResponse& error) {
  return {from_wire(error.code), error.message};
}

std::string encode_request(const rotation::GenerationRequest& request,
                           std::string_view agent_version, const wire::Capabilities& capabilities) {
  return wire::encode(to_wire(request, agent_version, capabilities));
}

std::string encode_offer(const rotation::GenerationOffer& offer, std::uint32_t replay_window) {
  return wire::encode(to_wire(offer, replay_window));
}

std::string encode_ack(const rotation::GenerationAck& ack) {
  return wire::encode(to_wire(ack));
}

std::string encode_refusal(const rotation::Refusal& refusal) {
  return wire::encode(to_wire(refusal));
}

core::Result<rotation::GenerationRequest> decode_request(std::string_view body) {
  auto w = wire::decode_generation_request(body);
  if (!w) return w.error();
  return from_wire(*w);
}

core::Result<rotation::GenerationOffer> decode_offer(std::string_view body) {
  auto w = wire::decode_generation_response(body);
  if (!w) return w.error();
  return from_wire(*w);
}

core::Result<rotation::GenerationAck> decode_ack(std::string_view body) {
  auto w = wire::decode_ack_request(body);
  if (!w) return w.error();
  return from_wire(*w);
}

core::Result<rotation::Refusal> decode_refusal(std::string_view body) {
  auto w = wire::decode_error_response(body);
  if (!w) return w.error();
  return from_wire(*w);
}

}  // namespace pqbranch::keysvc
