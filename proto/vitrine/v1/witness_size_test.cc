#include "proto/vitrine/v1/witness_size.h"

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::v1 {
namespace {

using ::vitrine::testing::StatusIs;

TEST(SizeTrailerTest, ParsesOnlyCanonicalDecimal) {
  EXPECT_EQ(FormatWitnessSize(0), "0");
  EXPECT_EQ(FormatWitnessSize(18446744073709551615u), "18446744073709551615");
  ASSERT_OK_AND_ASSIGN(uint64_t max, ParseWitnessSize("18446744073709551615"));
  EXPECT_EQ(max, 18446744073709551615u);
  ASSERT_OK_AND_ASSIGN(uint64_t zero, ParseWitnessSize("0"));
  EXPECT_EQ(zero, 0u);
  for (const char* bad : {"", "-1", "+1", "01", "1 ", " 1", "0x10", "1.0",
                          "18446744073709551616", "99999999999999999999"}) {
    EXPECT_THAT(ParseWitnessSize(bad),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

}  // namespace
}  // namespace vitrine::v1
