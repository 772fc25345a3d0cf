// Error handling: every fallible function returns absl::Status / absl::StatusOr<T>.
// Messages are written for the user: what is wrong, where (file:line:col, key) and what to change.
#pragma once
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define SL_CONCAT_INNER(a, b) a##b
#define SL_CONCAT(a, b) SL_CONCAT_INNER(a, b)

#define SL_RETURN_IF_ERROR(expr)             \
  do {                                       \
    absl::Status sl_status_ = (expr);        \
    if (!sl_status_.ok()) return sl_status_; \
  } while (0)

#define SL_ASSIGN_OR_RETURN_IMPL(var, lhs, expr) \
  auto var = (expr);                             \
  if (!var.ok()) return var.status();            \
  lhs = std::move(*var)

// SL_ASSIGN_OR_RETURN(auto x, MaybeX());
#define SL_ASSIGN_OR_RETURN(lhs, expr) \
  SL_ASSIGN_OR_RETURN_IMPL(SL_CONCAT(sl_statusor_, __LINE__), lhs, expr)

namespace sl {
// Prefixes a status message with context ("while reading run.yaml: ...").
inline absl::Status annotate(const absl::Status& s, absl::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(context, ": ", s.message()));
}
}  // namespace sl
