#pragma once
// Observations the InitiatorMachine tests share (initiator_machine_test.cpp,
// initiator_fragmentation_test.cpp, initiator_child_rekey_test.cpp, ...).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fakes/initiator_harness.hpp"

namespace pqbranch::ikev2::machine_test {

// The SAs in the kernel that are not larval.
inline std::vector<xfrm::SaState> installed(test::FakeKernel& k) {
  std::vector<xfrm::SaState> out;
  for (auto& sa : k.sas()) {
    if (!sa.larval) out.push_back(sa);
  }
  return out;
}

// The datagram without the non-ESP marker of the NAT-T socket.
inline std::span<const std::uint8_t> ike_bytes(const SendDatagram& d) {
  std::span<const std::uint8_t> b = d.bytes;
  return d.socket == IkeSocket::natt ? b.subspan(4) : b;
}

// The position of the first kernel log line of `op` naming `spi`; -1 when there is none.
inline std::ptrdiff_t log_index(test::FakeKernel& k, test::FakeKernel::Op op, std::uint32_t spi) {
  const auto& log = k.log();
  const auto needle = fmt::format("spi 0x{:08x}", spi);
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log[i].op == op && log[i].line.find(needle) != std::string::npos) {
      return static_cast<std::ptrdiff_t>(i);
    }
  }
  return -1;
}

// How many requests of `exchange` the machine sent (retransmissions included).
inline std::size_t requests_sent(test::InitiatorHarness& h, ExchangeType exchange) {
  std::size_t n = 0;
  for (const auto& s : h.sent()) {
    const auto header = parse_header(ike_bytes(s.datagram));
    if (header && header->exchange == exchange && !header->response()) ++n;
  }
  return n;
}

// Our requests of `exchange` sent on the IKE SA whose initiator SPI is `spi_i`.
inline std::size_t requests_on(const test::InitiatorHarness& h, ExchangeType exchange,
                               const Spi& spi_i) {
  std::size_t n = 0;
  for (const auto& s : h.sent()) {
    const auto header = parse_header(ike_bytes(s.datagram));
    if (header && header->exchange == exchange && !header->response() && header->spi_i == spi_i) {
      ++n;
    }
  }
  return n;
}

// A 32-byte nonce starting with `head` (the rest 0x55): rekey collision tests choose them.
inline std::vector<std::uint8_t> nonce_starting_with(std::initializer_list<std::uint8_t> head) {
  std::vector<std::uint8_t> n(32, 0x55);
  std::ranges::copy(head, n.begin());
  return n;
}

// Crossing rekeys (RFC 7296 §2.8) with the four nonces chosen: which exchange holds the lowest
// decides which new SA survives.
struct NonceCrossing {
  std::string name;
  bool addke = false;  // an IKE_FOLLOWUP_KE (ML-KEM) after each CREATE_CHILD_SA
  // Our exchange: our Ni, its Nr; the responder's exchange: its Ni, our Nr.
  std::vector<std::uint8_t> our_ni, its_nr, its_ni, our_nr;
  bool ours_survives = false;
};

inline void PrintTo(const NonceCrossing& c, std::ostream* os) {
  *os << c.name;
}

// The lowest nonce in each of the four places, without and with an IKE_FOLLOWUP_KE.
inline std::vector<NonceCrossing> nonce_crossings() {
  const auto n = [](std::uint8_t head) { return nonce_starting_with({head}); };
  std::vector<NonceCrossing> out;
  for (const bool addke : {false, true}) {
    const std::string ke = addke ? "WithFollowupKe" : "WithoutAddke";
    out.push_back({"OurNiLowest" + ke, addke, n(0x10), n(0x90), n(0x80), n(0x70), false});
    out.push_back({"ItsNrInOursLowest" + ke, addke, n(0x90), n(0x10), n(0x80), n(0x70), false});
    out.push_back({"ItsNiLowest" + ke, addke, n(0x90), n(0x80), n(0x10), n(0x70), true});
    out.push_back({"OurNrInTheirsLowest" + ke, addke, n(0x90), n(0x80), n(0x70), n(0x10), true});
  }
  return out;
}

inline bool established(test::InitiatorHarness& h, std::uint64_t n = 1,
                        core::Clock::duration limit = std::chrono::minutes(1)) {
  return h.run_until([&] { return h.machine().status().established >= n; }, limit);
}

}  // namespace pqbranch::ikev2::machine_test
