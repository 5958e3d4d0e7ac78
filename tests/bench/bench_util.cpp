#include "bench_util.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace pqbranch::bench {

std::optional<Args> Args::parse(const std::vector<std::string_view>& argv,
                                const std::vector<std::string_view>& options,
                                const std::vector<std::string_view>& flags) {
  Args args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string_view a = argv[i];
    const bool is_flag =
        a.starts_with("--") && std::ranges::find(flags, a.substr(2)) != flags.end();
    const bool is_option =
        a.starts_with("--") && std::ranges::find(options, a.substr(2)) != options.end();
    if (is_flag) {
      args.values_[std::string(a.substr(2))] = "1";
    } else if (is_option && i + 1 < argv.size()) {
      args.values_[std::string(a.substr(2))] = std::string(argv[++i]);
    } else {
      std::cerr << "unknown or incomplete option: " << a << "\n";
      return std::nullopt;
    }
  }
  return args;
}

std::string Args::get(std::string_view name, std::string_view fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

std::uint64_t Args::number(std::string_view name, std::uint64_t fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::uint64_t v = fallback;
  const std::string& s = it->second;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool Args::flag(std::string_view name) const {
  return values_.contains(name);
}

std::optional<PrivateMemory> private_memory(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/smaps_rollup");
  if (!in) return std::nullopt;
  PrivateMemory m;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "Private_Clean:") m.clean_kib = kib;
    if (key == "Private_Dirty:") m.dirty_kib = kib;
    if (key == "Rss:") m.rss_kib = kib;
  }
  // /proc/<pid>/smaps: a mapping's header line ends with its path; Rss follows it.
  std::error_code ec;
  const std::string exe = std::filesystem::read_symlink("/proc/" + pid + "/exe", ec).string();
  std::ifstream maps("/proc/" + pid + "/smaps");
  bool in_exe = false;
  while (!exe.empty() && std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kib = 0;
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) != 0 &&
        line.find('-') < line.find(' ')) {
      in_exe = line.ends_with(exe);
    } else if (in_exe && (fields >> key >> kib) && key == "Rss:") {
      m.exe_rss_kib += kib;
    }
  }
  return m;
}

std::chrono::microseconds percentile(std::vector<std::chrono::microseconds> samples, double p) {
  if (samples.empty()) return std::chrono::microseconds{0};
  std::ranges::sort(samples);
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

}  // namespace pqbranch::bench
