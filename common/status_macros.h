// Status propagation macros, since Debian 12's Abseil (20220623) predates
// ABSL_RETURN_IF_ERROR and friends.
//
//   absl::StatusOr<Hash> ReadRoot(Store& store) {
//     VITRINE_RETURN_IF_ERROR(store.Check());
//     VITRINE_ASSIGN_OR_RETURN(std::string bytes, store.Get("root"));
//     return Hash::FromBytes(bytes);
//   }
#ifndef VITRINE_COMMON_STATUS_MACROS_H_
#define VITRINE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function when it is not OK.
#define VITRINE_RETURN_IF_ERROR(expr)                   \
  do {                                                  \
    ::absl::Status vitrine_status_ = (expr);            \
    if (!vitrine_status_.ok()) return vitrine_status_;  \
  } while (0)

#define VITRINE_STATUS_CONCAT_INNER_(a, b) a##b
#define VITRINE_STATUS_CONCAT_(a, b) VITRINE_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (a StatusOr); returns its status when not OK, otherwise
// moves its value into `lhs`, which may be a declaration.
#define VITRINE_ASSIGN_OR_RETURN(lhs, rexpr)                                  \
  VITRINE_ASSIGN_OR_RETURN_IMPL_(                                             \
      VITRINE_STATUS_CONCAT_(vitrine_statusor_, __LINE__), lhs, rexpr)

#define VITRINE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return statusor.status();              \
  lhs = std::move(statusor).value()

#endif  // VITRINE_COMMON_STATUS_MACROS_H_
