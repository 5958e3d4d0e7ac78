// pqb-udp-stream: a sequence-numbered UDP stream for tests that must prove "no packet lost,
// none duplicated" (VM scenarios: ESP tunnels, SA switches). A test tool, not shipped.
//
//   pqb-udp-stream send --to ADDR:PORT --rate PPS --count N [--size BYTES] [--bind ADDR]
//                       [--until-signal] [--burst N]
//   pqb-udp-stream recv --port P --expect N [--timeout S] [--linger MS] [--bind ADDR] [--strict]
//                       [--progress-ms MS] [--until-signal]
//
// send paces datagrams 0..N-1 on an absolute monotonic schedule (a late datagram is sent
// at once, so the average rate holds) and gives up after twice the planned time + 10 s.
// recv prints "pqb-udp-stream recv listening port=P" once bound (a test waits for that
// line before sending), then counts until all N arrived (plus --linger ms for late
// duplicates, default 200) or until --timeout seconds (default 5) pass without a datagram.
// send --burst N wakes once per N datagrams and sends them back to back (same average
// rate, N times fewer timer wake-ups: they dominate on an emulated CPU).
// send --until-signal: SIGTERM or SIGINT ends the stream after the datagram in progress
// (datagrams 0..sent-1 went out; exit 0 unless sendto failed), for tests whose length is
// set by something else (N rotations). A receiver then checks unique == the sender's sent.
// recv --until-signal: SIGTERM or SIGINT ends the count (else only --timeout does).
// recv --progress-ms MS prints a progress line (format_progress) every MS while receiving.
// Both print one summary line. Exit: 0 ok; 1 send errors, or with --strict any loss,
// duplicate or foreign datagram; 2 usage or socket set-up error.
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <span>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "tools/net_util.hpp"
#include "tools/udp_stream_logic.hpp"

namespace pqbranch::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kUsage = 2;

struct Args {
  std::map<std::string, std::string, std::less<>> values;
  bool strict = false;
  bool until_signal = false;

  [[nodiscard]] std::optional<std::string> get(std::string_view key) const {
    const auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

std::optional<Args> parse_args(std::span<char*> argv) {
  Args args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string_view a = argv[i];
    if (a == "--strict") {
      args.strict = true;
    } else if (a == "--until-signal") {
      args.until_signal = true;
    } else if (a.starts_with("--") && i + 1 < argv.size()) {
      args.values[std::string(a.substr(2))] = argv[++i];
    } else {
      fmt::print(stderr, "pqb-udp-stream: unexpected argument '{}'\n", a);
      return std::nullopt;
    }
  }
  return args;
}

// A number in [min, max] from option `key`, or `fallback` when the option is absent.
std::optional<std::uint64_t> number(const Args& args, std::string_view key, std::uint64_t min,
                                    std::uint64_t max, std::optional<std::uint64_t> fallback) {
  const auto text = args.get(key);
  if (!text) {
    if (!fallback) fmt::print(stderr, "pqb-udp-stream: --{} is required\n", key);
    return fallback;
  }
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc{} || end != text->data() + text->size() || v < min || v > max) {
    fmt::print(stderr, "pqb-udp-stream: --{} must be a number in [{}, {}]\n", key, min, max);
    return std::nullopt;
  }
  return v;
}

std::optional<Fd> udp_socket(int family, const std::optional<std::string>& bind_address,
                             std::uint16_t port) {
  Fd fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    fmt::print(stderr, "pqb-udp-stream: {}\n", errno_text("socket"));
    return std::nullopt;
  }
  if (bind_address || port != 0) {
    const auto local =
        make_sockaddr(bind_address.value_or(family == AF_INET6 ? "::" : "0.0.0.0"), port);
    if (!local || local->family() != family) {
      fmt::print(stderr, "pqb-udp-stream: bad --bind address\n");
      return std::nullopt;
    }
    if (::bind(fd.get(), local->get(), local->length) != 0) {
      fmt::print(stderr, "pqb-udp-stream: {}\n", errno_text("bind"));
      return std::nullopt;
    }
  }
  return fd;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

volatile std::sig_atomic_t g_stop = 0;  // NOLINT: set by the signal handler
extern "C" void on_stop_signal(int /*signal*/) {
  g_stop = 1;
}

void stop_on_signals() {
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
}

int run_send(const Args& args) {
  const auto to = parse_endpoint(args.get("to").value_or(""));
  const auto rate = number(args, "rate", 1, 1'000'000, std::nullopt);
  const auto count = number(args, "count", 1, 100'000'000, std::nullopt);
  const auto size = number(args, "size", kStreamHeaderSize, kStreamMaxDatagram, 64);
  const auto burst = number(args, "burst", 1, 1000, 1);
  if (!to) fmt::print(stderr, "pqb-udp-stream: --to ADDR:PORT is required\n");
  if (!to || !rate || !count || !size || !burst) return kUsage;
  const auto dest = make_sockaddr(to->address, to->port);
  if (!dest) {
    fmt::print(stderr, "pqb-udp-stream: bad address '{}'\n", to->address);
    return kUsage;
  }
  auto fd = udp_socket(dest->family(), args.get("bind"), 0);
  if (!fd) return kUsage;
  if (args.until_signal) stop_on_signals();

  const auto period = std::chrono::nanoseconds(1'000'000'000 / *rate);
  const auto limit =
      std::chrono::duration_cast<Clock::duration>(2 * period * *count) + std::chrono::seconds(10);
  const auto start = Clock::now();
  std::uint64_t sent = 0;
  std::uint64_t errors = 0;
  std::string first_error;
  std::uint64_t seq = 0;
  for (; seq < *count && g_stop == 0; ++seq) {
    const auto due = start + period * seq;
    if (seq % *burst == 0 && Clock::now() < due) std::this_thread::sleep_until(due);
    if (Clock::now() - start > limit || g_stop != 0) break;
    const auto datagram = encode_datagram(seq, *size);
    if (::sendto(fd->get(), datagram.data(), datagram.size(), 0, dest->get(), dest->length) ==
        static_cast<ssize_t>(datagram.size())) {
      ++sent;
    } else {
      if (errors++ == 0) first_error = errno_text("sendto");
    }
  }
  const double secs = seconds_since(start);
  fmt::print("pqb-udp-stream send sent={} errors={} seconds={:.3f} rate={:.1f}{}{}\n", sent, errors,
             secs, secs > 0 ? static_cast<double>(sent) / secs : 0.0,
             first_error.empty() ? "" : " first_error=", first_error);
  return sent == (args.until_signal ? seq : *count) ? 0 : 1;
}

int run_recv(const Args& args) {
  const auto port = number(args, "port", 1, 65535, std::nullopt);
  const auto expect = number(args, "expect", 1, 100'000'000, std::nullopt);
  const auto timeout = number(args, "timeout", 1, 3600, 5);
  const auto linger = number(args, "linger", 0, 60'000, 200);
  const auto progress_ms = number(args, "progress-ms", 0, 60'000, 0);
  if (!port || !expect || !timeout || !linger || !progress_ms) return kUsage;
  const auto bind_address = args.get("bind");
  const bool v6 = bind_address && bind_address->find(':') != std::string::npos;
  auto fd = udp_socket(v6 ? AF_INET6 : AF_INET, bind_address, static_cast<std::uint16_t>(*port));
  if (!fd) return kUsage;
  // A deep queue: the guest's single emulated CPU may run the sender for a while before
  // it schedules us. (FORCE works as root; otherwise the plain call is capped by rmem_max.)
  const int rcvbuf = 8 * 1024 * 1024;
  if (::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  fmt::print("pqb-udp-stream recv listening port={}\n", *port);
  std::fflush(stdout);

  if (args.until_signal) stop_on_signals();

  SequenceCounter counter(*expect);
  const auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(*timeout);
  bool lingering = false;
  const auto progress_every = std::chrono::milliseconds(*progress_ms);
  auto next_progress = start + progress_every;
  std::array<std::uint8_t, 2048> buffer{};
  while (g_stop == 0) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    const auto until = *progress_ms > 0 ? std::min(deadline, next_progress) : deadline;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now);
    pollfd p{fd->get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
    if (ready < 0 && errno != EINTR) {
      fmt::print(stderr, "pqb-udp-stream: {}\n", errno_text("poll"));
      return kUsage;
    }
    if (*progress_ms > 0 && Clock::now() >= next_progress) {
      fmt::print("{}\n", format_progress(counter, seconds_since(start)));
      std::fflush(stdout);
      next_progress += progress_every;
    }
    if (ready <= 0) continue;
    // Drain what is queued before polling again (one poll per burst, not per datagram).
    bool any = false;
    for (ssize_t n = 0; (n = ::recv(fd->get(), buffer.data(), buffer.size(), MSG_DONTWAIT)) >= 0;) {
      any = true;
      if (const auto seq = decode_datagram(std::span(buffer.data(), static_cast<std::size_t>(n)))) {
        counter.record(*seq);
      } else {
        counter.record_malformed();
      }
    }
    if (!any) continue;
    if (!lingering) deadline = Clock::now() + std::chrono::seconds(*timeout);
    if (!lingering && counter.complete()) {
      lingering = true;
      deadline = Clock::now() + std::chrono::milliseconds(*linger);
    }
  }
  const auto summary = counter.summary();
  fmt::print("{}\n", format_summary(summary, seconds_since(start)));
  return !args.strict || summary.clean() ? 0 : 1;
}

}  // namespace
}  // namespace pqbranch::tools

int main(int argc, char** argv) {
  using namespace pqbranch::tools;
  const std::span<char*> all(argv, static_cast<std::size_t>(argc));
  if (all.size() < 2) {
    fmt::print(stderr, "usage: pqb-udp-stream send|recv [options] (see udp_stream.cpp)\n");
    return kUsage;
  }
  const std::string_view mode = all[1];
  const auto args = parse_args(all.subspan(2));
  if (!args) return kUsage;
  if (mode == "send") return run_send(*args);
  if (mode == "recv") return run_recv(*args);
  fmt::print(stderr, "pqb-udp-stream: unknown mode '{}' (send or recv)\n", mode);
  return kUsage;
}
