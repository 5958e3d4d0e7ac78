// switch: the make-before-break rotation of one tunnel direction, repeated, while traffic
// flows. The process holds a NetlinkKernel in each namespace: the sending gateway
// (--out-ns) and the receiving one (--in-ns), as the agent and the edge would. Per round:
//   1. receiver: add the new inbound SA (new SPI, fresh key);
//   2. sender:   add the new outbound SA, then delete the old one at once (the switch);
//   3. receiver: wait until the new inbound SA has counted --packets-per-spi packets (the
//                peer is proven on the new generation, and each generation carries a
//                share of the stream), read the old inbound SA's final count, delete it.
// The old inbound SA stays until step 3, so packets encrypted under it that are still in
// flight are decrypted. --break-first 1 swaps the order of step 2 (delete, then add, once
// the sender's kernel reported an ACQUIRE: a packet met the policy without an SA and was
// dropped): the negative control, which loses at least one packet per round. Prints one summary
// line; the scenario checks that no datagram of its stream was lost or duplicated and that the
// SPIs' counts add up to the stream.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <poll.h>
#include <thread>
#include <variant>

#include <fmt/format.h>

#include "pqbranch/crypto/random.hpp"

#include "commands.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::driver {
namespace {

using Clock = std::chrono::steady_clock;

// Polls the SA's packet counter until it reaches `at_least`: the count, or nullopt (and a
// message) on a kernel error or when `limit` passes first.
std::optional<std::uint64_t> wait_for_packets(xfrm::Kernel& kernel, const xfrm::SaId& id,
                                              std::uint64_t at_least, Clock::duration limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    auto s = kernel.get_sa(id);
    if (!s) {
      kernel_failure(s.error());
      return std::nullopt;
    }
    if (s->current.packets >= at_least) return s->current.packets;
    if (Clock::now() >= deadline) {
      fmt::print(stderr, "pqb-xfrm-driver: no traffic on {} within {} ms\n", to_string(id),
                 std::chrono::duration_cast<std::chrono::milliseconds>(limit).count());
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Waits for an AcquireEvent on the kernel's event socket; false (and a message) when none
// comes within `limit`.
bool wait_for_acquire(xfrm::Kernel& kernel, Clock::duration limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    pollfd p{kernel.event_fd(), POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    auto events = kernel.read_events();
    if (!events) {
      kernel_failure(events.error());
      return false;
    }
    for (const auto& e : *events) {
      if (std::holds_alternative<xfrm::AcquireEvent>(e)) return true;
    }
  }
  fmt::print(stderr, "pqb-xfrm-driver: no ACQUIRE after deleting the outbound SA\n");
  return false;
}

}  // namespace

int cmd_switch(Options& o) {
  const std::string out_ns = o.text("out-ns");
  const std::string in_ns = o.text("in-ns");
  const auto src = o.address("src");
  const auto dst = o.address("dst");
  const auto first = static_cast<std::uint32_t>(o.number("spi"));
  const auto rounds = o.number("rounds", 100, 100'000);
  const auto next_spi = static_cast<std::uint32_t>(o.number("first-new-spi", 0x30000));
  const auto reqid = static_cast<std::uint32_t>(o.number("reqid", test::kSampleReqid));
  const auto if_id = static_cast<std::uint32_t>(o.number("if-id", 0));
  const auto per_spi = o.number("packets-per-spi", 1, 1'000'000);
  const bool break_first = o.number("break-first", 0, 1) == 1;
  const auto wait = std::chrono::milliseconds(o.number("wait-ms", 5000, 600'000));
  if (!o.ok()) return usage_error(o);

  auto sender = open_kernel_in(out_ns);
  auto receiver = open_kernel_in(in_ns);
  if (!sender || !receiver) return kFailed;

  xfrm::SaId old{dst, first};
  // The stream must already flow through the current SA before the first switch.
  if (!wait_for_packets(*receiver, old, 1, wait)) return kFailed;

  const auto start = Clock::now();
  std::uint64_t retired_packets = 0;
  std::uint64_t min_packets = UINT64_MAX;
  for (std::uint64_t round = 0; round < rounds; ++round) {
    const auto spi = static_cast<std::uint32_t>(next_spi + round);
    auto key = crypto::random_bytes(xfrm::kAeadKeyBytes);
    if (!key) return kernel_failure(key.error());
    xfrm::Sa in = tunnel_sa(src, dst, spi, xfrm::SaDirection::in, key->clone());
    xfrm::Sa out = tunnel_sa(src, dst, spi, xfrm::SaDirection::out, std::move(*key));
    in.reqid = out.reqid = reqid;
    in.if_id = out.if_id = if_id;

    if (auto r = receiver->add_sa(in); !r) return kernel_failure(r.error());
    if (break_first) {
      if (auto r = sender->delete_sa(old); !r) return kernel_failure(r.error());
      if (!wait_for_acquire(*sender, wait)) return kFailed;
    }
    if (auto r = sender->add_sa(out); !r) return kernel_failure(r.error());
    if (!break_first) {
      if (auto r = sender->delete_sa(old); !r) return kernel_failure(r.error());
    }

    if (!wait_for_packets(*receiver, out.id(), per_spi, wait)) {
      fmt::print(stderr, "pqb-xfrm-driver: switch failed in round {}\n", round + 1);
      return kFailed;
    }
    auto last = receiver->get_sa(old);
    if (!last) return kernel_failure(last.error());
    retired_packets += last->current.packets;
    min_packets = std::min(min_packets, last->current.packets);
    if (auto r = receiver->delete_sa(old); !r) return kernel_failure(r.error());
    old = out.id();
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print(
      "switch rounds={} seconds={:.3f} rounds_per_second={:.1f} first_spi=0x{:08x} "
      "last_spi=0x{:08x} retired_packets={} min_packets_per_retired_spi={}\n",
      rounds, secs, secs > 0 ? static_cast<double>(rounds) / secs : 0.0, first, old.spi,
      retired_packets, rounds == 0 ? 0 : min_packets);
  return kOk;
}

}  // namespace pqbranch::driver
