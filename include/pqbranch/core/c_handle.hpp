#pragma once
// RAII ownership for C library handles (OpenSSL, libnl): a handle is owned from the
// moment it is created. Usage: using SslCtx = CHandle<SSL_CTX, SSL_CTX_free>;

#include <memory>

namespace pqbranch::core {

template <auto Free>
struct CFree {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p != nullptr) Free(p);
  }
};

template <class T, auto Free>
using CHandle = std::unique_ptr<T, CFree<Free>>;

}  // namespace pqbranch::core
