#pragma once
// For tests that run pqbranch's programs as processes (tests/netns): start one with its
// output in a log file, read the log, count what it says, and poll for what a separate
// process gives no other signal of.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pqbranch::test {

// Starts `args` (args[0] is the program's path) in the calling thread's network
// namespace, stdout and stderr into `log` (created 0600, truncated); -1 if it could not.
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log);

// The whole file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

// Occurrences of `needle` in `text`, overlapping ones included.
std::size_t count(const std::string& text, const std::string& needle);

// Calls `done` every 50 ms until it returns true (true) or `limit` passes (false).
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(15));

}  // namespace pqbranch::test
