#include "pqbranch/core/metrics.hpp"

namespace pqbranch::core {
namespace {
std::string key_of(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}
}  // namespace

std::atomic<std::int64_t>& Metrics::get(const std::string& name, const std::string& labels) {
  const std::lock_guard lock(mutex_);
  auto& slot = values_[key_of(name, labels)];
  if (!slot) slot = std::make_unique<std::atomic<std::int64_t>>(0);
  return *slot;
}

std::int64_t Metrics::value(const std::string& name, const std::string& labels) const {
  const std::lock_guard lock(mutex_);
  const auto it = values_.find(key_of(name, labels));
  return it == values_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

std::string Metrics::render(std::string_view prefix) const {
  const std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [key, v] : values_) {
    out.append(prefix).append(key).append(" ");
    out += std::to_string(v->load(std::memory_order_relaxed)) + "\n";
  }
  return out;
}

}  // namespace pqbranch::core
