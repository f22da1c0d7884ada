// GoogleTest helpers for absl::Status, since Debian 12's Abseil ships no
// status matchers.
//
//   EXPECT_OK(store.Append(entry));
//   ASSERT_OK_AND_ASSIGN(Hash root, tree.Root());
//   EXPECT_THAT(ParseTilePath("tile/0/01"),
//               StatusIs(absl::StatusCode::kInvalidArgument));
#ifndef VITRINE_COMMON_STATUS_MATCHERS_H_
#define VITRINE_COMMON_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vitrine::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches a Status or StatusOr whose code is `code`.
MATCHER_P(StatusIs, code,
          std::string(negation ? "does not have" : "has") + " code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& status = ::vitrine::testing::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code;
}

// Matches a Status or StatusOr whose code is `code` and whose message
// contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           std::string(negation ? "does not have" : "has") + " code " +
               absl::StatusCodeToString(code) + " and a message containing \"" +
               std::string(substring) + "\"") {
  const absl::Status& status = ::vitrine::testing::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         std::string(status.message()).find(substring) != std::string::npos;
}

}  // namespace vitrine::testing

#define EXPECT_OK(expr) EXPECT_TRUE((expr).ok()) << ::vitrine::testing::GetStatus(expr)
#define ASSERT_OK(expr) ASSERT_TRUE((expr).ok()) << ::vitrine::testing::GetStatus(expr)

#define VITRINE_MATCHERS_CONCAT_INNER_(a, b) a##b
#define VITRINE_MATCHERS_CONCAT_(a, b) VITRINE_MATCHERS_CONCAT_INNER_(a, b)

// Asserts that `rexpr` (a StatusOr) is OK and moves its value into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                        \
  ASSERT_OK_AND_ASSIGN_IMPL_(                                                   \
      VITRINE_MATCHERS_CONCAT_(vitrine_statusor_, __LINE__), lhs, rexpr)

#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr)  \
  auto statusor = (rexpr);                                \
  ASSERT_TRUE(statusor.ok()) << statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // VITRINE_COMMON_STATUS_MATCHERS_H_
