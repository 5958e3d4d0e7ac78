#include "pqbranch/core/log.hpp"

#include <sys/stat.h>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#if defined(PQB_HAVE_SYSTEMD)
#include <spdlog/sinks/systemd_sink.h>
#endif

namespace pqbranch::core {

std::shared_ptr<spdlog::logger> init_logging(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (options.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
#if defined(PQB_HAVE_SYSTEMD)
  struct stat st{};
  if (options.journald && ::stat("/run/systemd/journal/socket", &st) == 0) {
    sinks.push_back(std::make_shared<spdlog::sinks::systemd_sink_mt>(options.name));
  }
#endif
  auto logger = std::make_shared<spdlog::logger>(options.name, sinks.begin(), sinks.end());
  logger->set_level(options.level);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return logger;
}

}  // namespace pqbranch::core
