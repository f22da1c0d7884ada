// Add over a real gRPC server: bundles that verify, duplicates, and every
// per-statement and per-call error with its code.
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "log/note/statement.h"
#include "log/server/log_service_testing.h"

namespace vitrine::server::testing {
namespace {

using vitrine::v1::AddResponse;

int Code(const vitrine::v1::AddResult& result) {
  return result.has_error() ? result.error().code() : 0;
}

class AddTest : public LogServiceFixture {};

TEST_F(AddTest, LogsStatementsWithBundlesThatVerify) {
  AddResponse response;
  const std::vector<std::string> statements = {
      Statement(0, "acme-cli"), Statement(1, "tools"), Statement(0, "acme-lib")};
  grpc::Status status = Add(statements, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.results_size(), 3);
  std::vector<uint64_t> indexes;
  for (int i = 0; i < 3; ++i) {
    const vitrine::v1::AddResult& result = response.results(i);
    ASSERT_TRUE(result.has_bundle()) << result.error().message();
    EXPECT_FALSE(result.duplicate());
    EXPECT_EQ(result.bundle().statement(), statements[i]);
    ExpectBundleVerifies(result.bundle());
    indexes.push_back(result.bundle().leaf_index());
  }
  std::sort(indexes.begin(), indexes.end());
  EXPECT_EQ(indexes, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(TreeSize(), 3u);
}

TEST_F(AddTest, DuplicateReturnsTheExistingIndex) {
  const std::string statement = Statement(0, "acme-cli");
  AddResponse first;
  ASSERT_TRUE(Add({Statement(1, "other"), statement}, &first).ok());
  ASSERT_TRUE(first.results(1).has_bundle());
  const uint64_t index = first.results(1).bundle().leaf_index();

  AddResponse again;
  ASSERT_TRUE(Add({statement}, &again).ok());
  ASSERT_TRUE(again.results(0).has_bundle());
  EXPECT_TRUE(again.results(0).duplicate());
  EXPECT_EQ(again.results(0).bundle().leaf_index(), index);
  ExpectBundleVerifies(again.results(0).bundle());
  EXPECT_EQ(TreeSize(), 2u);

  // Twice in one request: one index, the second one a duplicate.
  const std::string fresh = Statement(2, "os-image");
  AddResponse twice;
  ASSERT_TRUE(Add({fresh, fresh}, &twice).ok());
  ASSERT_TRUE(twice.results(0).has_bundle());
  ASSERT_TRUE(twice.results(1).has_bundle());
  EXPECT_EQ(twice.results(0).bundle().leaf_index(),
            twice.results(1).bundle().leaf_index());
  EXPECT_NE(twice.results(0).duplicate(), twice.results(1).duplicate());
  EXPECT_EQ(TreeSize(), 3u);
}

TEST_F(AddTest, PerStatementErrorsDoNotFailTheOthers) {
  std::string oversized = Statement(0, "big");
  oversized.append(note::kMaxStatementNoteSize, 'x');
  const std::vector<std::string> statements = {
      Statement(0, "good"),
      StatementBy(*unregistered_.signer, unregistered_.name, "evil"),
      // Signed by acme's key, naming another (registered) vendor.
      StatementBy(*vendors_[0].signer, vendors_[1].name, "impersonation"),
      "this is not a signed statement\n",
      oversized,
      Statement(1, "also-good"),
  };
  AddResponse response;
  grpc::Status status = Add(statements, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.results_size(), 6);
  EXPECT_EQ(Code(response.results(0)), grpc::StatusCode::OK);
  EXPECT_EQ(Code(response.results(1)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Code(response.results(2)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(response.results(2).error().message().find(vendors_[1].name),
            std::string::npos)
      << response.results(2).error().message();
  EXPECT_EQ(Code(response.results(3)), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Code(response.results(4)), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Code(response.results(5)), grpc::StatusCode::OK);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_FALSE(response.results(i).has_bundle());
    EXPECT_FALSE(response.results(i).error().message().empty());
  }
  EXPECT_EQ(TreeSize(), 2u);
}

TEST_F(AddTest, ForgedSignatureByARegisteredKey) {
  std::string statement = Statement(0, "acme-cli");
  // Flip one base64 character of the signature (keep it decodable).
  const size_t sig = statement.rfind(' ') + 10;
  statement[sig] = statement[sig] == 'A' ? 'B' : 'A';
  AddResponse response;
  ASSERT_TRUE(Add({statement}, &response).ok());
  EXPECT_EQ(Code(response.results(0)), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AddTest, EmptyRequestIsInvalid) {
  AddResponse response;
  EXPECT_EQ(Add({}, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

class SmallLimitsAddTest : public LogServiceFixture {
 protected:
  SmallLimitsAddTest() {
    limits_.max_statements_per_add = 3;
    limits_.max_statement_bytes = 400;
  }
};

TEST_F(SmallLimitsAddTest, OversizedRequestFailsTheCall) {
  AddResponse response;
  grpc::Status status = Add({Statement(0, "a"), Statement(0, "b"),
                             Statement(0, "c"), Statement(0, "d")},
                            &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("at most 3"), std::string::npos);
  EXPECT_EQ(TreeSize(), 0u);
}

TEST_F(SmallLimitsAddTest, StatementOverTheServiceLimit) {
  const std::string small = Statement(0, "a");
  ASSERT_LT(small.size(), 400u);
  const std::string large = Statement(
      0, "a-long-artifact-name-" + std::string(200, 'x'), "1.0");
  ASSERT_GT(large.size(), 400u);
  AddResponse response;
  ASSERT_TRUE(Add({small, large}, &response).ok());
  EXPECT_EQ(Code(response.results(0)), grpc::StatusCode::OK);
  EXPECT_EQ(Code(response.results(1)), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

class RateLimitedAddTest : public LogServiceFixture {
 protected:
  RateLimitedAddTest() {
    rate_.rate_per_second = 0.001;  // no refill during the test
    rate_.burst = 2;
  }
};

TEST_F(RateLimitedAddTest, VendorOverItsRateLimit) {
  AddResponse response;
  ASSERT_TRUE(Add({Statement(0, "a"), Statement(0, "b"), Statement(0, "c"),
                   Statement(1, "d")},
                  &response)
                  .ok());
  EXPECT_EQ(Code(response.results(0)), grpc::StatusCode::OK);
  EXPECT_EQ(Code(response.results(1)), grpc::StatusCode::OK);
  EXPECT_EQ(Code(response.results(2)), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(response.results(2).error().message().find(vendors_[0].name),
            std::string::npos);
  EXPECT_NE(response.results(2).error().message().find("retry in"),
            std::string::npos);
  // Another vendor has its own budget.
  EXPECT_EQ(Code(response.results(3)), grpc::StatusCode::OK);
}

TEST_F(AddTest, VendorRegisteredByReloadCanAdd) {
  const TestVendor late = MakeVendor("example.com/late", 7);
  AddResponse before;
  ASSERT_TRUE(Add({StatementBy(*late.signer, late.name, "x")}, &before).ok());
  EXPECT_EQ(Code(before.results(0)), grpc::StatusCode::PERMISSION_DENIED);

  {
    std::ofstream out(registry_->path(), std::ios::app);
    out << late.verifier_key << "\n";
  }
  ASSERT_TRUE(registry_->Reload().ok());
  AddResponse after;
  ASSERT_TRUE(Add({StatementBy(*late.signer, late.name, "x")}, &after).ok());
  EXPECT_EQ(Code(after.results(0)), grpc::StatusCode::OK);
}

TEST_F(AddTest, MetricsCountStatementsAndRpcs) {
  AddResponse response;
  ASSERT_TRUE(Add({Statement(0, "a"), "junk\n"}, &response).ok());
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("vitrine_statements_total{code=\"OK\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("vitrine_statements_total{code=\"INVALID_ARGUMENT\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("vitrine_grpc_requests_total{code=\"OK\",method=\"Add\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("vitrine_add_latency_seconds_count 1"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace vitrine::server::testing
