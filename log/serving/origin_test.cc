#include "log/serving/origin.h"

#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::serving {
namespace {

using ::vitrine::testing::StatusIs;

TEST(CheckOrigin, EmptyOrOwnIsServed) {
  EXPECT_OK(CheckOrigin("", "example.com/log"));
  EXPECT_OK(CheckOrigin("example.com/log", "example.com/log"));
}

TEST(CheckOrigin, AnotherIsNotFoundNamingBoth) {
  const absl::Status other = CheckOrigin("example.com/other", "example.com/log");
  EXPECT_THAT(other, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(other.message(),
            "no log \"example.com/other\" here: this log is \"example.com/log\"");
  // A prefix or a case change is another log: origins compare as bytes.
  EXPECT_THAT(CheckOrigin("example.com/lo", "example.com/log"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(CheckOrigin("Example.com/log", "example.com/log"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(CheckOrigin, TheCallersBytesAreEscapedAndCut) {
  const absl::Status status =
      CheckOrigin("a\nALARM: b" + std::string(1000, 'x'), "example.com/log");
  EXPECT_EQ(status.message().find('\n'), absl::string_view::npos);
  EXPECT_NE(status.message().find("a\\x0aALARM: b"), absl::string_view::npos);
  EXPECT_NE(status.message().find("more bytes)"), absl::string_view::npos);
}

}  // namespace
}  // namespace vitrine::serving
