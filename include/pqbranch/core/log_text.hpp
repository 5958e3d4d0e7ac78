#pragma once
// Text from outside (a peer certificate's subject name, before it is known to be a configured
// site) as it may appear in a log line: it cannot start a new line, move the terminal's
// cursor or colour it, or fill the journal.

#include <cstddef>
#include <string>
#include <string_view>

namespace pqbranch::core {

inline constexpr std::size_t kMaxLoggedChars = 64;

// `text` with \n, \r and \t written as those two characters, a backslash doubled, and every
// other byte outside printable ASCII (control bytes, DEL, each byte of a UTF-8 sequence) as
// \xNN; only its first `max_bytes` bytes, followed by "..." when there were more.
[[nodiscard]] std::string log_safe(std::string_view text, std::size_t max_bytes = kMaxLoggedChars);

}  // namespace pqbranch::core
