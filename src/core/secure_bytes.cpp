#include "pqbranch/core/secure_bytes.hpp"

#include <algorithm>
#include <new>
#include <stdexcept>
#include <string.h>  // explicit_bzero
#include <utility>

namespace pqbranch::core {
namespace {

void* default_allocate(std::size_t size) {
  return ::operator new(size);
}
void default_deallocate(void* p, std::size_t /*size*/) {
  ::operator delete(p);
}

// Replaced only by tests, before any SecureBytes exists: not synchronised.
SecureAllocator g_allocator{default_allocate, default_deallocate};

std::uint8_t* allocate(std::size_t size) {
  if (size == 0) return nullptr;
  auto* p = static_cast<std::uint8_t*>(g_allocator.allocate(size));
  std::fill_n(p, size, std::uint8_t{0});
  return p;
}

void wipe_and_free(std::uint8_t* p, std::size_t size) noexcept {
  if (p == nullptr) return;
  secure_wipe(p, size);
  g_allocator.deallocate(p, size);
}

}  // namespace

void secure_wipe(void* p, std::size_t size) noexcept {
  if (p != nullptr) explicit_bzero(p, size);
}

bool constant_time_equal(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  // Every byte is read whatever the others hold; volatile keeps the compiler from ending the
  // loop at the first difference.
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  }
  return diff == 0;
}

SecureAllocator set_secure_allocator(SecureAllocator a) noexcept {
  return std::exchange(g_allocator, a);
}

SecureBytes::SecureBytes(std::size_t size) : data_(allocate(size)), size_(size) {}

SecureBytes::SecureBytes(std::span<const std::uint8_t> bytes) : SecureBytes(bytes.size()) {
  std::copy(bytes.begin(), bytes.end(), data_);
}

SecureBytes::~SecureBytes() {
  clear();
}

SecureBytes::SecureBytes(SecureBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
  if (this != &other) {
    clear();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

std::span<const std::uint8_t> SecureBytes::subspan(std::size_t offset, std::size_t count) const {
  if (offset > size_ || count > size_ - offset) throw std::out_of_range("SecureBytes::subspan");
  return span().subspan(offset, count);
}

bool SecureBytes::equals(std::span<const std::uint8_t> other) const noexcept {
  return constant_time_equal(span(), other);
}

void SecureBytes::clear() noexcept {
  wipe_and_free(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace pqbranch::core
