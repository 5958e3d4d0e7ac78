#pragma once
// Key material lives only in SecureBytes: wiped (explicit_bzero) when freed or overwritten,
// move-only, and never printable: there is no operator<<, and formatting it through fmt or
// spdlog prints a redaction instead of the bytes.

#include <cstddef>
#include <cstdint>
#include <span>

#include <fmt/format.h>

namespace pqbranch::core {

// Overwrites `size` bytes at `p` with zeros in a way the compiler may not elide
// (explicit_bzero): for buffers that held key material outside a SecureBytes.
void secure_wipe(void* p, std::size_t size) noexcept;

// True when both spans have the same length and the same bytes, in time that does not depend
// on where they differ: for MACs and other secret-derived values.
[[nodiscard]] bool constant_time_equal(std::span<const std::uint8_t> a,
                                       std::span<const std::uint8_t> b) noexcept;

class SecureBytes {
 public:
  SecureBytes() noexcept = default;
  explicit SecureBytes(std::size_t size);                     // zero-filled
  explicit SecureBytes(std::span<const std::uint8_t> bytes);  // copies
  ~SecureBytes();

  SecureBytes(SecureBytes&& other) noexcept;
  SecureBytes& operator=(SecureBytes&& other) noexcept;
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;

  // An explicit copy: key material is never duplicated by accident.
  [[nodiscard]] SecureBytes clone() const { return SecureBytes(span()); }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::uint8_t* data() noexcept { return data_; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return data_; }
  [[nodiscard]] std::span<std::uint8_t> span() noexcept { return {data_, size_}; }
  [[nodiscard]] std::span<const std::uint8_t> span() const noexcept { return {data_, size_}; }
  // Bytes [offset, offset + count) as a view; count must fit.
  [[nodiscard]] std::span<const std::uint8_t> subspan(std::size_t offset, std::size_t count) const;

  // Constant-time comparison.
  [[nodiscard]] bool equals(std::span<const std::uint8_t> other) const noexcept;

  void clear() noexcept;  // wipes and frees

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Where SecureBytes gets its memory. Tests replace it to prove the bytes are wiped
// before the memory is returned; production uses operator new/delete.
struct SecureAllocator {
  void* (*allocate)(std::size_t size);
  void (*deallocate)(void* p, std::size_t size);
};
// Installs `a` and returns the previous allocator.
SecureAllocator set_secure_allocator(SecureAllocator a) noexcept;

}  // namespace pqbranch::core

// Formatting key material prints a redaction, never the bytes.
template <>
struct fmt::formatter<pqbranch::core::SecureBytes> : fmt::formatter<fmt::string_view> {
  template <class Ctx>
  auto format(const pqbranch::core::SecureBytes& b, Ctx& ctx) const {
    return fmt::format_to(ctx.out(), "[redacted {} bytes]", b.size());
  }
};
