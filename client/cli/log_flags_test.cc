#include "client/cli/log_flags.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::cli {
namespace {

using ::vitrine::testing::StatusIs;

TEST(ParseLogEndpointsTest, OneAddressOrACommaSeparatedList) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> one,
                       ParseLogEndpoints("127.0.0.1:7400"));
  EXPECT_EQ(one, std::vector<std::string>{"127.0.0.1:7400"});
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> three,
      ParseLogEndpoints("log.example:7400, mirror-a:7401 ,[::1]:7402"));
  EXPECT_EQ(three, (std::vector<std::string>{"log.example:7400",
                                             "mirror-a:7401", "[::1]:7402"}));
}

TEST(ParseLogEndpointsTest, RefusesEmptyAddresses) {
  EXPECT_THAT(ParseLogEndpoints(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLogEndpoints("a:1,,b:2"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLogEndpoints("a:1,"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vitrine::cli
