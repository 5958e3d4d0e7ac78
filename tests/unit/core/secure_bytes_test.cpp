#include "pqbranch/core/secure_bytes.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstring>
#include <ostream>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "fakes/log_capture.hpp"

namespace pqbranch::core {
namespace {

// An arena that never returns memory to the system, so a test can look at what a
// SecureBytes left behind after it was destroyed.
struct Arena {
  static inline std::array<std::uint8_t, 4096> bytes{};
  static inline std::size_t used = 0;
  static inline std::size_t freed = 0;
  static void* allocate(std::size_t n) {
    void* p = bytes.data() + used;
    used += n;
    return p;
  }
  static void deallocate(void* /*p*/, std::size_t n) { freed += n; }
};

class ArenaScope {
 public:
  ArenaScope() : previous_(set_secure_allocator({Arena::allocate, Arena::deallocate})) {
    Arena::used = Arena::freed = 0;
    Arena::bytes.fill(0xEE);
  }
  ~ArenaScope() { set_secure_allocator(previous_); }
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  SecureAllocator previous_;
};

const std::array<std::uint8_t, 8> kKey = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67};

bool all_zero(std::size_t from, std::size_t n) {
  return std::all_of(Arena::bytes.begin() + static_cast<std::ptrdiff_t>(from),
                     Arena::bytes.begin() + static_cast<std::ptrdiff_t>(from + n),
                     [](std::uint8_t b) { return b == 0; });
}

TEST(SecureBytes, WipesMemoryBeforeReturningIt) {
  const ArenaScope arena;
  {
    const SecureBytes key(kKey);
    ASSERT_EQ(0, std::memcmp(Arena::bytes.data(), kKey.data(), kKey.size()));
  }
  EXPECT_EQ(Arena::freed, kKey.size());
  EXPECT_TRUE(all_zero(0, kKey.size()));
}

TEST(SecureBytes, MoveLeavesSourceEmptyAndAssignmentWipesTheOldValue) {
  const ArenaScope arena;
  SecureBytes a(kKey);
  SecureBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_TRUE(b.equals(kKey));

  SecureBytes c(std::array<std::uint8_t, 4>{1, 2, 3, 4});
  const std::size_t c_offset = kKey.size();
  c = std::move(b);
  EXPECT_TRUE(all_zero(c_offset, 4));  // c's old bytes were wiped when it was overwritten
  EXPECT_TRUE(c.equals(kKey));
}

TEST(SecureBytes, EqualsIsExactAndCloneIsIndependent) {
  const SecureBytes a(kKey);
  SecureBytes b = a.clone();
  EXPECT_TRUE(a.equals(b.span()));
  b.data()[0] ^= 1;
  EXPECT_FALSE(a.equals(b.span()));
  EXPECT_FALSE(a.equals(std::span<const std::uint8_t>(kKey).first(4)));
  EXPECT_THROW((void)a.subspan(4, 5), std::out_of_range);
  EXPECT_EQ(a.subspan(4, 4)[0], 0x01);
}

template <class T>
concept Streamable = requires(std::ostream& os, const T& t) { os << t; };

TEST(SecureBytes, CannotBeStreamedAndFormatsAsRedaction) {
  static_assert(!Streamable<SecureBytes>, "key material must not have operator<<");
  const SecureBytes key(kKey);
  const std::string text = fmt::format("key={}", key);
  EXPECT_EQ(text, "key=[redacted 8 bytes]");

  const test::LogCapture capture;
  spdlog::info("installing SA with key {}", key);
  spdlog::debug("debug key {}", key);
  EXPECT_TRUE(capture.contains("[redacted 8 bytes]"));
  EXPECT_FALSE(capture.contains_key_bytes(kKey));
}

}  // namespace
}  // namespace pqbranch::core
