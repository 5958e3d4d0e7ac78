#pragma once
// The agent's control socket: a UNIX stream socket (mode 0600, in a directory created 0700
// when missing). Each connection sends one request line and gets one answer, then is
// closed: "status" -> the status JSON; "update ..." (operator_command.hpp) -> one line,
// "ok: <text>" or "error: <text>". The CLI side, fetch_status and send_operator_command,
// needs no Asio.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pqbranch/app/operator_command.hpp"
#include "pqbranch/core/error.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::app {

// Bounds that keep a stuck or hostile local client from holding the agent: a request line
// (its '\n' included), the time a connection may take from accept to answer, and the
// connections served at once (more are closed at once).
inline constexpr std::size_t kMaxRequestBytes = 256;
inline constexpr std::chrono::seconds kClientDeadline{2};
inline constexpr std::size_t kMaxClients = 8;

class StatusServer {
 public:
  using Provider = std::function<std::string()>;
  // Performs an operator command; the text (or the error's message) is the reply's.
  using CommandHandler = std::function<core::Result<std::string>(const OperatorCommand&)>;

  // Replaces a stale socket file at `path` (one no process listens on); refuses to replace
  // anything that is not a socket. An empty `handler` answers every update command with
  // "error: updates are not configured".
  static core::Result<std::unique_ptr<StatusServer>> create(boost::asio::io_context& io,
                                                            const std::filesystem::path& path,
                                                            Provider provider,
                                                            CommandHandler handler = {});
  ~StatusServer();  // stops accepting and removes the socket file
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

 private:
  struct Impl;
  explicit StatusServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Sends "status" and reads the whole answer (at most 1 MiB) within `timeout`.
core::Result<std::string> fetch_status(const std::filesystem::path& path,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Sends `line` (an operator command, without '\n') and returns the reply line without its
// '\n' ("ok: ..." or "error: ..."); errors are the socket's.
core::Result<std::string> send_operator_command(
    const std::filesystem::path& path, std::string_view line,
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace pqbranch::app
