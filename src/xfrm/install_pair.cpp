#include <fmt/format.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace pqbranch::xfrm {

core::Result<void> install_pair(Kernel& kernel, const Sa& first, const Sa& second,
                                PairOptions options) {
  const auto install = [&](const Sa& sa, bool larval) {
    return larval ? kernel.update_sa(sa) : kernel.add_sa(sa);
  };
  if (auto r = install(first, options.first_is_larval); !r) return r;
  auto r = install(second, options.second_is_larval);
  if (r) return r;
  // Roll back the first half so nothing is left half-installed.
  if (auto undo = kernel.delete_sa(first.id()); !undo) {
    core::Error e = r.error();
    e.detail += fmt::format("; rollback failed, {} may remain: {}", to_string(first.id()),
                            undo.error().message());
    return e;
  }
  return r;
}

}  // namespace pqbranch::xfrm
