#include "pqbranch/core/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#if defined(PQB_HAVE_SYSTEMD)
#include <spdlog/sinks/systemd_sink.h>
#endif

namespace pqbranch::core {
namespace {

// True when systemd connected stderr to the journal (JOURNAL_STREAM names its device and
// inode): lines written there would reach the journal a second time beside the journal sink.
[[maybe_unused]] bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");  // NOLINT(concurrency-mt-unsafe)
  if (stream == nullptr) return false;
  struct stat st{};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return std::string(stream) == std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

}  // namespace

std::shared_ptr<spdlog::logger> init_logging(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  bool console = options.console;
#if defined(PQB_HAVE_SYSTEMD)
  struct stat st{};
  if (options.journald && ::stat("/run/systemd/journal/socket", &st) == 0) {
    sinks.push_back(std::make_shared<spdlog::sinks::systemd_sink_mt>(options.name));
    console = console && !stderr_is_journal();
  }
#endif
  if (console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>(options.name, sinks.begin(), sinks.end());
  logger->set_level(options.level);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return logger;
}

}  // namespace pqbranch::core
