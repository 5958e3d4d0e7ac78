#pragma once
// Counters and gauges for the status CLI and the metrics endpoint: named, labelled,
// lock-free to update, rendered in the Prometheus text format.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace pqbranch::core {

class Metrics {
 public:
  // A counter or gauge; the reference stays valid for the registry's lifetime.
  std::atomic<std::int64_t>& get(const std::string& name, const std::string& labels = {});
  void add(const std::string& name, std::int64_t delta = 1, const std::string& labels = {}) {
    get(name, labels).fetch_add(delta, std::memory_order_relaxed);
  }
  void set(const std::string& name, std::int64_t value, const std::string& labels = {}) {
    get(name, labels).store(value, std::memory_order_relaxed);
  }
  [[nodiscard]] std::int64_t value(const std::string& name, const std::string& labels = {}) const;
  // `name{labels} value` lines, sorted; `prefix` before each name (the metrics endpoint's
  // `pqbranch_`).
  [[nodiscard]] std::string render(std::string_view prefix = {}) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<std::atomic<std::int64_t>>> values_;
};

}  // namespace pqbranch::core
