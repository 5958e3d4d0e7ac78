#pragma once
// The agent's status socket: a UNIX stream socket (mode 0600, in a directory created 0700
// when missing) that answers every connection with one JSON document and closes it. The
// CLI side, fetch_status, needs no Asio.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "pqbranch/core/error.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::app {

class StatusServer {
 public:
  using Provider = std::function<std::string()>;

  // Replaces a stale socket file at `path` (one no process listens on); refuses to replace
  // anything that is not a socket.
  static core::Result<std::unique_ptr<StatusServer>> create(boost::asio::io_context& io,
                                                            const std::filesystem::path& path,
                                                            Provider provider);
  ~StatusServer();  // stops accepting and removes the socket file
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

 private:
  struct Impl;
  explicit StatusServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Connects to the socket and reads the whole answer (at most 1 MiB) within `timeout`.
core::Result<std::string> fetch_status(const std::filesystem::path& path,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace pqbranch::app
