#include "client/cli/flags.h"

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::cli {
namespace {

using ::vitrine::testing::StatusIs;

const FlagSpec kSpecs[] = {
    {"log", "127.0.0.1:7400", "address"},
    {"out", "", "file"},
    {"cosign", "false", "boolean", true},
};

TEST(FlagsTest, ValuesDefaultsBooleansAndPositionals) {
  ASSERT_OK_AND_ASSIGN(Flags flags,
                       ParseFlags({"--out", "x.json", "a", "--cosign", "b"}, kSpecs));
  EXPECT_EQ(flags.Get("out"), "x.json");
  EXPECT_EQ(flags.Get("log"), "127.0.0.1:7400");
  EXPECT_FALSE(flags.Has("log"));
  EXPECT_TRUE(flags.GetBool("cosign"));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(flags.help());
}

TEST(FlagsTest, EqualsFormAndDoubleDash) {
  ASSERT_OK_AND_ASSIGN(Flags flags,
                       ParseFlags({"--log=h:1", "--cosign=false", "--", "--out"}, kSpecs));
  EXPECT_EQ(flags.Get("log"), "h:1");
  EXPECT_FALSE(flags.GetBool("cosign"));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"--out"}));
}

TEST(FlagsTest, RefusesUnknownMissingAndMalformed) {
  EXPECT_THAT(ParseFlags({"--lgo=x"}, kSpecs).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown flag --lgo"));
  EXPECT_THAT(ParseFlags({"--out"}, kSpecs).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "--out wants a value"));
  EXPECT_THAT(ParseFlags({"--cosign=yes"}, kSpecs).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFlags({"-x"}, kSpecs).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FlagsTest, NumbersAndRequired) {
  ASSERT_OK_AND_ASSIGN(Flags flags, ParseFlags({"--out=12", "--help"}, kSpecs));
  EXPECT_TRUE(flags.help());
  ASSERT_OK_AND_ASSIGN(uint64_t n, flags.GetUint64("out"));
  EXPECT_EQ(n, 12u);
  EXPECT_THAT(flags.GetUint64("log").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(Flags empty, ParseFlags({}, kSpecs));
  EXPECT_THAT(empty.Require("out").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "--out is required"));
}

}  // namespace
}  // namespace vitrine::cli
