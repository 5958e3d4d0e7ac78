#pragma once
// Small helpers of pqb-keysvc-bench: its command line ("--name value" and flags), the
// process's private memory from /proc, and percentiles.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pqbranch::bench {

class Args {
 public:
  // argv after the subcommand; `flags` take no value. nullopt: an unknown or incomplete
  // option (reported on stderr).
  static std::optional<Args> parse(const std::vector<std::string_view>& argv,
                                   const std::vector<std::string_view>& options,
                                   const std::vector<std::string_view>& flags);
  [[nodiscard]] std::string get(std::string_view name, std::string_view fallback = {}) const;
  [[nodiscard]] std::uint64_t number(std::string_view name, std::uint64_t fallback) const;
  [[nodiscard]] bool flag(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// Private_Clean and Private_Dirty of /proc/<pid>/smaps_rollup, in KiB ("self" for this
// process), its whole Rss, and the resident pages of its own executable file: pages count
// as private only while no other process maps them, and the bench's edge runs the same
// binary, so exe_rss_kib is what the figure would gain if nothing shared it. nullopt if
// unreadable.
struct PrivateMemory {
  std::uint64_t clean_kib = 0;
  std::uint64_t dirty_kib = 0;
  std::uint64_t rss_kib = 0;
  std::uint64_t exe_rss_kib = 0;
};
std::optional<PrivateMemory> private_memory(const std::string& pid = "self");

// The p-th percentile (0..100) by the nearest-rank method; 0 for no samples.
std::chrono::microseconds percentile(std::vector<std::chrono::microseconds> samples, double p);

}  // namespace pqbranch::bench
