#include "fakes/log_capture.hpp"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace pqbranch::test {

struct LogCapture::Sink final : spdlog::sinks::base_sink<std::mutex> {
  std::vector<std::string> lines;
  std::vector<std::string> snapshot() {
    const std::lock_guard lock(mutex_);
    return lines;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    lines.emplace_back(buf.data(), buf.size());
  }
  void flush_() override {}
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>("capture", sink_);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
}

std::vector<std::string> LogCapture::lines() const {
  return sink_->snapshot();
}

bool LogCapture::contains(const std::string& needle) const {
  const auto all = lines();
  return std::any_of(all.begin(), all.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

bool LogCapture::contains_key_bytes(std::span<const std::uint8_t> key) const {
  std::string lower;
  std::string upper;
  for (const auto b : key) {
    lower += fmt::format("{:02x}", b);
    upper += fmt::format("{:02X}", b);
  }
  const std::string raw(key.begin(), key.end());
  return contains(lower) || contains(upper) || (!raw.empty() && contains(raw));
}

}  // namespace pqbranch::test
