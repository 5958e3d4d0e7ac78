#pragma once
// Socket plumbing shared by the test tools: an owning file descriptor and address parsing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>

namespace pqbranch::tools {

// Owns a file descriptor from the moment it is created; closes it once.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&&) = delete;

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }

 private:
  int fd_;
};

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;
  [[nodiscard]] int family() const noexcept { return storage.ss_family; }
  [[nodiscard]] const sockaddr* get() const noexcept {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
};

// A numeric IPv4 or IPv6 address and a port; nullopt if the address does not parse.
std::optional<SockAddr> make_sockaddr(const std::string& address, std::uint16_t port);

// "what: strerror(errno)", for messages after a failed system call.
std::string errno_text(const char* what);

// A whole decimal number in 1..max (a command-line value).
bool parse_number(std::string_view text, std::uint32_t max, std::uint32_t& out);

}  // namespace pqbranch::tools
