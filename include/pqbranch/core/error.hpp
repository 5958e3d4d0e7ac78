#pragma once
// Errors: every module has an `errc` enum and a category; a fallible call returns
// core::Result<T>, which carries the code plus a human-readable detail (the file, key,
// operation or errno text that explains it). Exceptions are for programmer errors only.

#include <string>
#include <string_view>
#include <utility>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace pqbranch::core {

struct Error {
  boost::system::error_code code;
  std::string detail;  // where and why, for logs and operators; never key material

  // "detail: code message", or the code message alone.
  [[nodiscard]] std::string message() const;
  friend bool operator==(const Error& e, const boost::system::error_code& c) { return e.code == c; }
};

// Thrown only by Result<T>::value() on an error: a programmer error.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

// Builds the error alternative of any Result<T>.
template <class Code>
Error make_error(Code code, std::string detail = {}) {
  return Error{make_error_code(code), std::move(detail)};
}

// The same error, said to have happened in `where`: "where: detail" (or "where").
Error prefixed(Error e, std::string_view where);

// A category for one module's errc enum. `Enum` needs a `describe(Enum)` found by ADL
// returning a static string.
template <class Enum>
class EnumCategory final : public boost::system::error_category {
 public:
  explicit constexpr EnumCategory(const char* name) noexcept : name_(name) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override { return describe(static_cast<Enum>(ev)); }

 private:
  const char* name_;
};

}  // namespace pqbranch::core

// Declares make_error_code for a module's errc (inside that module's namespace) and its
// category singleton. Use in a header: PQB_ERROR_ENUM(errc, "pqbranch.config")
#define PQB_ERROR_ENUM(Enum, Name)                                         \
  inline const boost::system::error_category& Enum##_category() noexcept { \
    static const ::pqbranch::core::EnumCategory<Enum> cat(Name);           \
    return cat;                                                            \
  }                                                                        \
  inline boost::system::error_code make_error_code(Enum e) noexcept {      \
    return {static_cast<int>(e), Enum##_category()};                       \
  }

#define PQB_ERROR_ENUM_TRAIT(QualifiedEnum) \
  template <>                               \
  struct boost::system::is_error_code_enum<QualifiedEnum> : std::true_type {}
