#pragma once
// Text from outside (a peer certificate's subject name, a field a decoder refused, a value
// in a file someone else wrote) as it may appear in a log line or an error's detail: it
// cannot start a new line, move the terminal's cursor or colour it, or fill the journal.
// The one implementation every module uses for that.

#include <cstddef>
#include <string>
#include <string_view>

namespace pqbranch::core {

inline constexpr std::size_t kMaxLoggedChars = 64;

// `text` with \n, \r and \t written as those two characters, a backslash doubled, and every
// other byte outside printable ASCII (control bytes, DEL, each byte of a UTF-8 sequence) as
// \xNN; at most `max_bytes` bytes of that (an escape is never cut in two), followed by "..."
// when something was left out. The result is printable ASCII.
[[nodiscard]] std::string log_safe(std::string_view text, std::size_t max_bytes = kMaxLoggedChars);

// Whether every byte of `text` is printable ASCII (0x20..0x7e): nothing that would split,
// forge or colour a line.
[[nodiscard]] bool is_printable_ascii(std::string_view text) noexcept;

}  // namespace pqbranch::core
