#include "log/serving/internal/api_params.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"

namespace vitrine::serving::internal {
namespace {

using ::vitrine::testing::StatusIs;

TEST(ApiParamsTest, ParseQueryTakesOnlyWhatIsAllowedOnce) {
  ASSERT_OK_AND_ASSIGN(QueryParams params,
                       ParseQuery("/p?b=2&a=1", {"a", "b"}));
  EXPECT_EQ(params, (QueryParams{{"a", "1"}, {"b", "2"}}));
  ASSERT_OK_AND_ASSIGN(params, ParseQuery("/p", {"a"}));
  EXPECT_TRUE(params.empty());
  ASSERT_OK_AND_ASSIGN(params, ParseQuery("/p?", {}));
  EXPECT_TRUE(params.empty());
  EXPECT_THAT(ParseQuery("/p?a=1&a=1", {"a"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "query parameter a is given twice"));
  EXPECT_THAT(ParseQuery("/p?A=1", {"a"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown query parameter \"A\""));
  EXPECT_THAT(ParseQuery("/p?a=1&", {"a"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "query parameter \"\" has no value"));
  EXPECT_THAT(ParseQuery("/p?a", {"a"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "has no value"));
  EXPECT_THAT(ParseQuery("/p?a=", {"a"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "query parameter a is empty"));
  // What is quoted of the input is printable ASCII, and cut.
  EXPECT_THAT(ParseQuery(absl::StrCat("/p?\x01\xff", std::string(100, 'x'), "=1"),
                         {"a"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("unknown query parameter \"??",
                                    std::string(62, 'x'), "...\"")));
}

TEST(ApiParamsTest, ParseUintIsStrictDecimal) {
  EXPECT_EQ(ParseUint("0", "n").value(), 0u);
  EXPECT_EQ(ParseUint("42", "n").value(), 42u);
  EXPECT_EQ(ParseUint("18446744073709551615", "n").value(), UINT64_MAX);
  for (const char* bad : {"", "00", "01", "-1", "+1", " 1", "1 ", "1.0", "0x1",
                          "1e3", "18446744073709551616", "99999999999999999999"}) {
    EXPECT_THAT(ParseUint(bad, "n"), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(ApiParamsTest, Sha256IsLowercaseHex) {
  const merkle::Hash digest = merkle::Sha256("a");
  EXPECT_EQ(ParseSha256Hex(digest.ToHex()).value(), digest);
  std::string upper = digest.ToHex();
  upper[0] = 'C';
  upper[1] = 'A';
  EXPECT_THAT(ParseSha256Hex(upper), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSha256Hex(digest.ToHex().substr(2)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSha256Hex(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ApiParamsTest, DecodeSegmentIsOneSegment) {
  EXPECT_EQ(DecodeSegment("example.com%2Facme").value(), "example.com/acme");
  EXPECT_EQ(DecodeSegment("%c3%BC").value(), "\xc3\xbc");
  EXPECT_EQ(DecodeSegment("plain").value(), "plain");
  EXPECT_THAT(DecodeSegment("a/b"), StatusIs(absl::StatusCode::kInvalidArgument));
  for (const char* bad : {"%", "%2", "a%g0", "%0g", "a%"}) {
    EXPECT_THAT(DecodeSegment(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "malformed percent-encoding"))
        << bad;
  }
}

}  // namespace
}  // namespace vitrine::serving::internal
