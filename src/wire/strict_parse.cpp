// The strict parse of a message body: bounds, then a first pass that refuses duplicate
// names, then Boost.JSON's own parse into the caller's arena.

#include <set>
#include <string>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include "pqbranch/wire/protocol.hpp"

#include "json_fields.hpp"

namespace pqbranch::wire::detail {
namespace {

using boost::system::error_code;
using std::size_t;

// A SAX handler (boost::json::basic_parser) that only tracks the names of each open object
// and stops at the first repeated one. Everything else is accepted as it comes.
class DuplicateNameFinder {
 public:
  static constexpr size_t max_object_size = static_cast<size_t>(-1);
  static constexpr size_t max_array_size = static_cast<size_t>(-1);
  static constexpr size_t max_key_size = static_cast<size_t>(-1);
  static constexpr size_t max_string_size = static_cast<size_t>(-1);

  bool on_document_begin(error_code& /*ec*/) { return true; }
  bool on_document_end(error_code& /*ec*/) { return true; }
  bool on_array_begin(error_code& /*ec*/) { return true; }
  bool on_array_end(size_t /*n*/, error_code& /*ec*/) { return true; }
  bool on_object_begin(error_code& /*ec*/) {
    open_objects_.emplace_back();
    return true;
  }
  bool on_object_end(size_t /*n*/, error_code& /*ec*/) {
    open_objects_.pop_back();
    return true;
  }
  bool on_string_part(boost::json::string_view /*s*/, size_t /*n*/, error_code& /*ec*/) {
    return true;
  }
  bool on_string(boost::json::string_view /*s*/, size_t /*n*/, error_code& /*ec*/) { return true; }
  bool on_key_part(boost::json::string_view s, size_t /*n*/, error_code& /*ec*/) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, size_t /*n*/, error_code& ec) {
    key_.append(s.data(), s.size());
    if (!open_objects_.back().insert(key_).second) {
      duplicate_ = key_;
      ec = make_error_code(errc::duplicate_field);
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_number_part(boost::json::string_view /*s*/, error_code& /*ec*/) { return true; }
  bool on_int64(std::int64_t /*i*/, boost::json::string_view /*s*/, error_code& /*ec*/) {
    return true;
  }
  bool on_uint64(std::uint64_t /*u*/, boost::json::string_view /*s*/, error_code& /*ec*/) {
    return true;
  }
  bool on_double(double /*d*/, boost::json::string_view /*s*/, error_code& /*ec*/) { return true; }
  bool on_bool(bool /*b*/, error_code& /*ec*/) { return true; }
  bool on_null(error_code& /*ec*/) { return true; }
  bool on_comment_part(boost::json::string_view /*s*/, error_code& /*ec*/) { return true; }
  bool on_comment(boost::json::string_view /*s*/, error_code& /*ec*/) { return true; }

  [[nodiscard]] const std::string& duplicate() const noexcept { return duplicate_; }

 private:
  std::vector<std::set<std::string, std::less<>>> open_objects_;
  std::string key_;
  std::string duplicate_;
};

boost::json::parse_options strict_options() {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  options.allow_infinity_and_nan = false;
  return options;
}

}  // namespace

core::Result<boost::json::value> parse_strict(std::string_view body,
                                              boost::json::storage_ptr storage) {
  if (body.size() > kMaxBodyBytes) {
    return core::make_error(errc::body_too_large, std::to_string(body.size()) + " bytes > " +
                                                      std::to_string(kMaxBodyBytes));
  }
  const auto options = strict_options();
  error_code ec;
  {
    boost::json::basic_parser<DuplicateNameFinder> finder(options);
    finder.write_some(false, body.data(), body.size(), ec);
    if (ec == errc::duplicate_field) {
      return core::make_error(errc::duplicate_field, detail::quoted(finder.handler().duplicate()));
    }
    if (ec) return core::make_error(errc::malformed_json, ec.message());
  }
  auto value = boost::json::parse(body, ec, std::move(storage), options);
  if (ec) return core::make_error(errc::malformed_json, ec.message());
  return value;
}

}  // namespace pqbranch::wire::detail
