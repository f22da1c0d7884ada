#include "common/host_port.h"

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

using ::vitrine::testing::StatusIs;

TEST(HostPortTest, Splits) {
  ASSERT_OK_AND_ASSIGN(HostPort a, SplitHostPort("127.0.0.1:7400"));
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 7400);
  ASSERT_OK_AND_ASSIGN(HostPort b, SplitHostPort("[::1]:0"));
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 0);
}

TEST(HostPortTest, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"", "7400", ":7400", "host:", "host:x", "host:65536", "host:-1"}) {
    EXPECT_THAT(SplitHostPort(bad), StatusIs(absl::StatusCode::kInvalidArgument, "host:port"))
        << bad;
  }
}

}  // namespace
}  // namespace vitrine
