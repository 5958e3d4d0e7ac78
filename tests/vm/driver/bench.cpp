// bench: SA pairs installed and deleted per second through NetlinkKernel, against
// `ip -batch` running the same `ip xfrm state add/delete` lines, in the same namespace and
// run, alternating (netlink, ip, netlink, ip, ...) so that neither gets a warmer kernel.
// Both install the same SAs (checked: the kernel lists the same set after either), so
// the comparison is of the user-space paths around the kernel's own per-SA work.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "commands.hpp"
#include "fakes/hex.hpp"
#include "fakes/test_netns.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::driver {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string ip_add_line(const xfrm::Sa& sa) {
  const bool out = sa.direction == xfrm::SaDirection::out;
  // What build_add_sa sends: ESN, AF_UNSPEC (no selector), window 0 outbound, the direction.
  return fmt::format(
      "xfrm state add src {} dst {} proto esp spi 0x{:08x} reqid {} mode tunnel replay-window {} "
      "flag esn af-unspec aead rfc4106(gcm(aes)) 0x{} 128 dir {}\n",
      sa.src, sa.dst, sa.spi, sa.reqid, out ? 0 : sa.replay_window,
      test::to_hex(sa.aead_key.span()), out ? "out" : "in");
}

std::string ip_delete_line(const xfrm::Sa& sa) {
  return fmt::format("xfrm state delete src {} dst {} proto esp spi 0x{:08x}\n", sa.src, sa.dst,
                     sa.spi);
}

// What distinguishes the installed SAs: a set to compare the two methods' results.
std::set<std::string> installed(xfrm::Kernel& kernel) {
  std::set<std::string> out;
  auto sas = kernel.list_sas();
  if (!sas) return out;
  for (const auto& s : *sas) {
    out.insert(fmt::format("{} {} 0x{:08x} {} {} esn={} window={} {} {}", s.src, s.dst, s.spi,
                           s.direction ? xfrm::to_string(*s.direction) : "none", s.reqid,
                           int{s.esn}, s.replay_window, s.algorithm, xfrm::to_string(s.mode)));
  }
  return out;
}

struct Timing {
  double add = 0;
  double remove = 0;
};

}  // namespace

int cmd_bench(Options& o) {
  const auto pairs = o.number("pairs", 500, 30'000);
  const auto repeat = o.number("repeat", 2, 20);
  const std::string work = o.text("work-dir", "/tmp");
  if (!o.ok()) return usage_error(o);
  if (pairs == 0 || repeat == 0) {
    fmt::print(stderr, "pqb-xfrm-driver: bench needs --pairs and --repeat of at least 1\n");
    return kUsage;
  }
  auto kernel = open_kernel();
  if (!kernel) return kFailed;

  std::vector<xfrm::Sa> sas;
  for (std::uint32_t i = 0; i < pairs; ++i) {
    const auto seed = static_cast<std::uint8_t>(i);
    sas.push_back(test::sample_sa(xfrm::SaDirection::out, 0x100000 + i, seed));
    sas.push_back(test::sample_sa(xfrm::SaDirection::in, 0x200000 + i, seed + 1));
  }
  const std::string add_file = work + "/pqb-bench-add.batch";
  const std::string delete_file = work + "/pqb-bench-delete.batch";
  {
    std::ofstream add(add_file);
    std::ofstream del(delete_file);
    for (const auto& sa : sas) {
      add << ip_add_line(sa);
      del << ip_delete_line(sa);
    }
  }

  // The first AES-GCM SA loads the crypto modules (seconds under emulation): not timed.
  if (auto r = kernel->add_sa(sas[0]); !r) return kernel_failure(r.error());
  if (auto r = kernel->delete_sa(sas[0].id()); !r) return kernel_failure(r.error());

  std::set<std::string> reference;
  const auto check = [&](const char* method, const char* phase) {
    const auto now = installed(*kernel);
    const bool after_add = std::string_view(phase) == "add";
    if (after_add && reference.empty()) reference = now;
    const bool good = after_add ? (now.size() == sas.size() && now == reference) : now.empty();
    if (!good) {
      fmt::print(stderr,
                 "pqb-xfrm-driver: bench: after {} {} the kernel holds {} SAs, expected {}{}\n",
                 method, phase, now.size(), after_add ? sas.size() : 0,
                 after_add ? " (the same set after either method)" : "");
    }
    return good;
  };
  Timing netlink;
  Timing ip;
  std::vector<double> ratios;  // per run: netlink's rate over ip -batch's
  for (std::uint64_t run = 1; run <= repeat; ++run) {
    auto t = Clock::now();
    for (const auto& sa : sas) {
      if (auto r = kernel->add_sa(sa); !r) return kernel_failure(r.error());
    }
    const double nl_add = seconds_since(t);
    if (!check("netlink", "add")) return kFailed;
    t = Clock::now();
    for (const auto& sa : sas) {
      if (auto r = kernel->delete_sa(sa.id()); !r) return kernel_failure(r.error());
    }
    const double nl_delete = seconds_since(t);
    if (!check("netlink", "delete")) return kFailed;

    t = Clock::now();
    const auto added = test::run_command("ip -batch " + add_file);
    const double ip_add = seconds_since(t);
    if (added.status != 0 || !check("ip -batch", "add")) {
      fmt::print(stderr, "ip -batch: {}\n", added.output.substr(0, 2000));
      return kFailed;
    }
    t = Clock::now();
    const auto deleted = test::run_command("ip -batch " + delete_file);
    const double ip_delete = seconds_since(t);
    if (deleted.status != 0 || !check("ip -batch", "delete")) {
      fmt::print(stderr, "ip -batch: {}\n", deleted.output.substr(0, 2000));
      return kFailed;
    }
    const double ratio = (ip_add + ip_delete) / (nl_add + nl_delete);
    ratios.push_back(ratio);
    fmt::print(
        "bench run={} pairs={} netlink_add_s={:.3f} netlink_delete_s={:.3f} ip_add_s={:.3f} "
        "ip_delete_s={:.3f} ratio={:.2f}\n",
        run, pairs, nl_add, nl_delete, ip_add, ip_delete, ratio);
    netlink.add += nl_add;
    netlink.remove += nl_delete;
    ip.add += ip_add;
    ip.remove += ip_delete;
  }
  const auto total_pairs = static_cast<double>(pairs * repeat);
  const double nl_rate = total_pairs / (netlink.add + netlink.remove);
  const double ip_rate = total_pairs / (ip.add + ip.remove);
  // The median run's ratio as well: a busy host slows single runs of either method.
  std::sort(ratios.begin(), ratios.end());
  fmt::print(
      "bench result pairs={} repeat={} netlink_pairs_per_second={:.1f} "
      "ip_batch_pairs_per_second={:.1f} ratio={:.2f} median_run_ratio={:.2f}\n",
      pairs, repeat, nl_rate, ip_rate, nl_rate / ip_rate, ratios[ratios.size() / 2]);
  std::remove(add_file.c_str());
  std::remove(delete_file.c_str());
  return kOk;
}

}  // namespace pqbranch::driver
