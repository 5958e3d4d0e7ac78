// The CLI's side of the control socket (status_server.hpp): plain blocking calls with one
// deadline over connect, send and read, so the commands need no io_context.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pqbranch/app/status_server.hpp"
#include "pqbranch/core/unique_fd.hpp"

#include "system_error.hpp"

namespace pqbranch::app {
namespace {

constexpr std::size_t kMaxStatusBytes = std::size_t{1024} * 1024;

// Waits for `events` on `fd` until `deadline`; errors: ETIMEDOUT or poll's.
core::Result<void> wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd, events, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready > 0) return {};
    if (ready < 0 && errno == EINTR) continue;
    return detail::system_error(ready == 0 ? ETIMEDOUT : errno, "poll");
  }
}

// Connects, sends `request` and reads until the server closes (at most `limit` bytes).
core::Result<std::string> exchange(const std::filesystem::path& path, std::string_view request,
                                   std::size_t limit, std::chrono::milliseconds timeout) {
  const std::string p = path.string();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (p.size() >= sizeof(addr.sun_path)) return detail::system_error(ENAMETOOLONG, p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  const core::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return detail::system_error(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {  // NOLINT
    return detail::system_error(errno, "connect to " + p + " (is the agent running?)");
  }
  while (!request.empty()) {
    if (auto r = wait_for(fd.get(), POLLOUT, deadline); !r) return core::prefixed(r.error(), p);
    const ssize_t n = ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return detail::system_error(errno, "write to " + p);
    request.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    if (auto r = wait_for(fd.get(), POLLIN, deadline); !r) return core::prefixed(r.error(), p);
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return detail::system_error(errno, "read from " + p);
    if (n == 0) return out;
    out.append(buf.data(), static_cast<std::size_t>(n));
    if (out.size() > limit) return detail::system_error(EFBIG, "answer from " + p);
  }
}

}  // namespace

core::Result<std::string> fetch_status(const std::filesystem::path& path,
                                       std::chrono::milliseconds timeout) {
  return exchange(path, "status\n", kMaxStatusBytes, timeout);
}

core::Result<std::string> send_operator_command(const std::filesystem::path& path,
                                                std::string_view line,
                                                std::chrono::milliseconds timeout) {
  auto reply = exchange(path, std::string(line) + "\n", kMaxRequestBytes * 4, timeout);
  if (reply && reply->ends_with('\n')) reply->pop_back();
  return reply;
}

}  // namespace pqbranch::app
