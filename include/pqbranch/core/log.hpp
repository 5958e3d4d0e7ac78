#pragma once
// Logging on spdlog: console (stderr) and, where a journal socket exists, journald.
// Key material cannot reach a log line: SecureBytes formats as a redaction
// (secure_bytes.hpp), and the key-bearing types of other modules do the same.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace pqbranch::core {

struct LogOptions {
  std::string name = "pqbranch";
  spdlog::level::level_enum level = spdlog::level::info;
  bool console = true;
  bool journald = true;  // only where /run/systemd/journal/socket exists
};

// Installs the default logger and returns it.
std::shared_ptr<spdlog::logger> init_logging(const LogOptions& options);

}  // namespace pqbranch::core
