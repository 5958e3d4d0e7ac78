#include "openssl_error.hpp"

#include <array>

#include <openssl/err.h>

namespace pqbranch::crypto::detail {

std::string drain_openssl_errors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  for (unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags); e != 0;
       e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
    // The data string often names the object at fault (a group, a file, a key type).
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      out += " (";
      out += data;
      out += ")";
    }
  }
  return out;
}

core::Error openssl_error(errc code, std::string_view what) {
  std::string detail(what);
  const std::string queue = drain_openssl_errors();
  if (!queue.empty()) detail += " [openssl: " + queue + "]";
  return core::make_error(code, std::move(detail));
}

ErrorQueueScope::~ErrorQueueScope() {
  ERR_clear_error();
}

}  // namespace pqbranch::crypto::detail
