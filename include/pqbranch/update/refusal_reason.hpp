#pragma once
// The short, stable name of why an update step did not happen, for the label of the metric
// "update_refused_total{reason=...}" and the status: the update::errc's enumerator name
// ("hash_mismatch"), or "other" for an error of another domain.

#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/update/errc.hpp"

namespace pqbranch::update {

[[nodiscard]] std::string_view reason_label(errc e) noexcept;
[[nodiscard]] std::string_view reason_label(const core::Error& e) noexcept;

}  // namespace pqbranch::update
