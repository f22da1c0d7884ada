#include "common/peer_budget.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

class PeerBudgetTest : public ::testing::Test {
 protected:
  PeerBudgetOptions Options() {
    PeerBudgetOptions options;
    options.connection_rate = 1;
    options.connection_burst = 3;
    options.address_rate = 2;
    options.address_burst = 5;
    options.total_rate = 10;
    options.total_burst = 8;
    return options;
  }
  PeerBudget::Clock Clock() {
    return [this] { return now_; };
  }
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
};

TEST_F(PeerBudgetTest, AddressOfGrpcPeers) {
  EXPECT_EQ(PeerBudget::AddressOf("ipv4:10.1.2.3:40112"), "10.1.2.3");
  EXPECT_EQ(PeerBudget::AddressOf("ipv6:[2001:db8:1:2:3:4:5:6]:443"),
            "2001:db8:1:2::/64");
  EXPECT_EQ(PeerBudget::AddressOf("ipv6:%5B::1%5D:5000"), "::/64");
  EXPECT_EQ(PeerBudget::AddressOf("unix:/tmp/sock"), "unix:/tmp/sock");
  EXPECT_EQ(PeerBudget::AddressOf("ipv6:[not-an-address]:1"),
            "ipv6:[not-an-address]:1");
  // One host's ports and /64 give one key (the gossip log limiter's too).
  EXPECT_EQ(PeerBudget::AddressOf("ipv6:[2001:db8::4]:443"),
            PeerBudget::AddressOf("ipv6:[2001:db8::5]:1"));
}

TEST_F(PeerBudgetTest, ConnectionBudgetRefusesAfterBurstAndRefills) {
  PeerBudget budget(Options(), Clock());
  const char* forger = "ipv4:10.0.0.1:1000";
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(budget.Check(forger).ok()) << i;
    budget.ChargeFailure(forger);
  }
  const absl::Status refused = budget.Check(forger);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("this connection"), absl::string_view::npos)
      << refused;
  // Another connection of the same address still has the address's budget.
  EXPECT_TRUE(budget.Check("ipv4:10.0.0.1:1001").ok());
  now_ += absl::Seconds(1);  // one token back at 1/s
  EXPECT_TRUE(budget.Check(forger).ok());
}

TEST_F(PeerBudgetTest, AddressBudgetSpansConnections) {
  PeerBudget budget(Options(), Clock());
  for (int port = 0; port < 5; ++port) {
    budget.ChargeFailure("ipv4:10.0.0.2:" + std::to_string(2000 + port));
  }
  const absl::Status refused = budget.Check("ipv4:10.0.0.2:3000");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("address 10.0.0.2"), absl::string_view::npos)
      << refused;
  EXPECT_TRUE(budget.Check("ipv4:10.0.0.3:3000").ok());
}

TEST_F(PeerBudgetTest, CreditedConnectionKeepsWorkingWhileItsAddressIsSpent) {
  PeerBudget budget(Options(), Clock());
  const char* honest = "ipv4:10.0.0.4:1";
  budget.CreditSuccess(honest);
  for (int port = 100; port < 110; ++port) {
    budget.ChargeFailure("ipv4:10.0.0.4:" + std::to_string(port));
  }
  EXPECT_EQ(budget.Check("ipv4:10.0.0.4:200").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(budget.Check(honest).ok());
  // Its own failures still count against its own connection.
  for (int i = 0; i < 3; ++i) budget.ChargeFailure(honest);
  EXPECT_EQ(budget.Check(honest).code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(PeerBudgetTest, TotalBudgetSpansAddresses) {
  PeerBudget budget(Options(), Clock());
  for (int host = 0; host < 8; ++host) {
    budget.ChargeFailure("ipv4:10.1.0." + std::to_string(host) + ":1");
  }
  const absl::Status refused = budget.Check("ipv4:10.2.0.1:1");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("unproven"), absl::string_view::npos)
      << refused;
  now_ += absl::Milliseconds(100);  // one token back at 10/s
  EXPECT_TRUE(budget.Check("ipv4:10.2.0.1:1").ok());
}

TEST_F(PeerBudgetTest, TablesStayBoundedAndForgetIdlePeers) {
  PeerBudgetOptions options = Options();
  options.max_tracked = 4;
  options.idle_forget = absl::Seconds(10);
  options.total_burst = 1000;
  PeerBudget budget(options, Clock());
  for (int host = 0; host < 10; ++host) {
    budget.ChargeFailure("ipv4:10.3.0." + std::to_string(host) + ":1");
  }
  EXPECT_EQ(budget.tracked_connections(), 4u);
  EXPECT_EQ(budget.tracked_addresses(), 4u);
  now_ += absl::Seconds(60);  // every bucket full and idle
  budget.ChargeFailure("ipv4:10.4.0.1:1");
  EXPECT_EQ(budget.tracked_connections(), 1u);
  EXPECT_EQ(budget.tracked_addresses(), 1u);
}

TEST_F(PeerBudgetTest, AFullTableIsSweptAtMostOnceASecond) {
  PeerBudgetOptions options = Options();
  options.max_tracked = 2;
  options.idle_forget = absl::ZeroDuration();
  options.connection_rate = 100;  // full again within 30 ms
  options.address_rate = 100;
  options.total_burst = 1000;
  PeerBudget budget(options, Clock());
  budget.ChargeFailure("ipv4:10.5.0.1:1");
  budget.ChargeFailure("ipv4:10.5.0.2:1");
  budget.ChargeFailure("ipv4:10.5.0.3:1");  // full: a sweep, nothing to drop
  EXPECT_EQ(budget.tracked_connections(), 2u);
  now_ += absl::Milliseconds(500);  // both forgettable now, but no sweep yet
  budget.ChargeFailure("ipv4:10.5.0.4:1");
  EXPECT_EQ(budget.tracked_connections(), 2u);
  now_ += absl::Milliseconds(600);  // a second since the last sweep
  budget.ChargeFailure("ipv4:10.5.0.5:1");
  EXPECT_EQ(budget.tracked_connections(), 1u);
}

TEST_F(PeerBudgetTest, DisabledAllowsEverything) {
  PeerBudgetOptions options = Options();
  options.enabled = false;
  PeerBudget budget(options, Clock());
  for (int i = 0; i < 100; ++i) budget.ChargeFailure("ipv4:10.0.0.9:1");
  EXPECT_TRUE(budget.Check("ipv4:10.0.0.9:1").ok());
  EXPECT_EQ(budget.tracked_connections(), 0u);
}

}  // namespace
}  // namespace vitrine
