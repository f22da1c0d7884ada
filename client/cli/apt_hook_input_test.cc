#include "client/cli/apt_hook_input.h"

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vitrine::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::vitrine::testing::StatusIs;

// A configuration space as apt dumps it: %-encoded values, lists as ::=.
constexpr char kConfig[] =
    "APT::Architecture=amd64\n"
    "APT::Build-Essential::=build-essential\n"
    "DPkg::Pre-Install-Pkgs::=/usr/bin/vitrine%20apt-hook%20--policy=/p\n"
    "Dir=/\n"
    "\n";

TEST(AptHookInputTest, Version3) {
  absl::StatusOr<AptHookInput> input = ParseAptHookInput(absl::StrCat(
      "VERSION 3\n", kConfig,
      "hello - - none < 1.0 all none /tmp/pkgs/hello_1.0_all.deb\n"
      "libfoo 1.1 amd64 same < 1.2 amd64 same /var/cache/apt/archives/libfoo_1.2_amd64.deb\n"
      "old 2.0 all none > - - none **REMOVE**\n"
      "hello - - none < 1.0 all none **CONFIGURE**\n"
      "spaced - - none < 1 all foreign /tmp/a dir/spaced_1_all.deb\n"));
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->version, 3);
  EXPECT_THAT(input->debs, ElementsAre("/tmp/pkgs/hello_1.0_all.deb",
                                       "/var/cache/apt/archives/libfoo_1.2_amd64.deb",
                                       "/tmp/a dir/spaced_1_all.deb"));
}

TEST(AptHookInputTest, Version2) {
  absl::StatusOr<AptHookInput> input = ParseAptHookInput(absl::StrCat(
      "VERSION 2\n", kConfig,
      "hello - < 1.0 /tmp/pkgs/hello_1.0_all.deb\n"
      "same 1.0 = 1.0 /tmp/pkgs/same_1.0_all.deb\n"
      "hello - < 1.0 **CONFIGURE**\n"));
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->version, 2);
  EXPECT_THAT(input->debs, ElementsAre("/tmp/pkgs/hello_1.0_all.deb",
                                       "/tmp/pkgs/same_1.0_all.deb"));
}

TEST(AptHookInputTest, Version1IsFileNames) {
  absl::StatusOr<AptHookInput> input =
      ParseAptHookInput("/tmp/a_1_all.deb\n\n/tmp/b_1_all.deb\n");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->version, 1);
  EXPECT_THAT(input->debs, ElementsAre("/tmp/a_1_all.deb", "/tmp/b_1_all.deb"));
  // Nothing to install (apt only configures or removes).
  absl::StatusOr<AptHookInput> none = ParseAptHookInput(
      absl::StrCat("VERSION 3\n", kConfig, "x 1 all none > - - none **REMOVE**\n"));
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->debs, IsEmpty());
}

TEST(AptHookInputTest, MalformedInputNamesTheLine) {
  EXPECT_THAT(ParseAptHookInput("VERSION 4\n\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "apt hook input line 1: unsupported hook protocol version "
                       "\"4\" (1, 2 and 3 are)"));
  EXPECT_THAT(ParseAptHookInput("VERSION 3\nDir=/\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "apt hook input line 2: the input ends in the configuration "
                       "section (no blank line before the package actions)"));
  // A version 2 line under VERSION 3: too few fields.
  EXPECT_THAT(ParseAptHookInput("VERSION 3\nDir=/\n\nhello - < 1.0 /tmp/h.deb\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "apt hook input line 4: wants 9 fields (protocol version 3), "
                       "got \"hello - < 1.0 /tmp/h.deb\""));
  EXPECT_THAT(ParseAptHookInput("VERSION 2\n\nhello - ~ 1.0 /tmp/h.deb\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "apt hook input line 3: the version change is \"~\", not <, "
                       "> or ="));
  EXPECT_THAT(ParseAptHookInput("VERSION 2\n\nhello  < 1.0 /tmp/h.deb\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "apt hook input line 3: an empty field"));
}

}  // namespace
}  // namespace vitrine::cli
