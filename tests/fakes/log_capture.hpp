#pragma once
// Captures what is logged through spdlog's default logger while it lives, so tests can
// assert on log lines and check that no key bytes ever reach a log.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <spdlog/logger.h>

namespace pqbranch::test {

class LogCapture {
 public:
  LogCapture();   // replaces the default logger at level trace
  ~LogCapture();  // restores the previous one
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  [[nodiscard]] std::vector<std::string> lines() const;
  [[nodiscard]] bool contains(const std::string& needle) const;
  // True if `key` appears in any line as lower- or upper-case hex, or as raw bytes.
  [[nodiscard]] bool contains_key_bytes(std::span<const std::uint8_t> key) const;

 private:
  struct Sink;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace pqbranch::test
