#include "pqbranch/core/secure_bytes.hpp"

#include <algorithm>
#include <new>
#include <stdexcept>
#include <utility>

#include <openssl/crypto.h>

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
  OPENSSL_cleanse(p, size);
  g_allocator.deallocate(p, size);
}

}  // namespace

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
  if (other.size() != size_) return false;
  return size_ == 0 || CRYPTO_memcmp(data_, other.data(), size_) == 0;
}

void SecureBytes::clear() noexcept {
  wipe_and_free(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace pqbranch::core
