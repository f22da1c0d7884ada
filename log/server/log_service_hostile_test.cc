// Add against hostile clients (issue 11): the keyless replay, signature
// line floods, forged signatures and duplicates must neither mint entries
// nor spend anyone's quota or CPU but the attacker's own.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/note.h"
#include "log/note/statement.h"
#include "log/server/log_service_testing.h"

namespace vitrine::server::testing {
namespace {

using vitrine::v1::AddRequest;
using vitrine::v1::AddResponse;

int Code(const vitrine::v1::AddResult& result) {
  return result.has_error() ? result.error().code() : 0;
}

// `note` with one more signature line, of any claimed key and bytes.
std::string WithLine(const std::string& note, absl::string_view name,
                     uint32_t key_id, absl::string_view bytes) {
  return note + note::FormatSignatureLine(
                    note::Signature{std::string(name), key_id, std::string(bytes)});
}

// A stub on a connection of its own: the server tells connections apart
// by their gRPC peer.
std::unique_ptr<vitrine::v1::Log::Stub> OwnConnection(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return vitrine::v1::Log::NewStub(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args));
}

grpc::Status AddOn(vitrine::v1::Log::Stub& stub,
                   const std::vector<std::string>& statements,
                   AddResponse* response) {
  AddRequest request;
  for (const std::string& s : statements) request.add_statements(s);
  return stub.Add(ClientContext().get(), request, response);
}

class HostileAddTest : public LogServiceFixture {};

TEST_F(HostileAddTest, KeylessReplayAppendsNothing) {
  const std::string logged = Statement(0, "acme-cli");
  AddResponse first;
  ASSERT_TRUE(Add({logged}, &first).ok());
  ASSERT_EQ(Code(first.results(0)), 0) << first.results(0).error().message();

  // Issue 11's replay: the logged statement plus a line from nobody.
  const std::string replay =
      WithLine(logged, "anything.invalid/x", 0x0badf00d, std::string(64, 'r'));
  AddResponse response;
  ASSERT_TRUE(Add({replay, replay}, &response).ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Code(response.results(i)), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(response.results(i).error().message().find(
                  "signature line 2: anything.invalid/x+0badf00d"),
              std::string::npos)
        << response.results(i).error().message();
  }
  EXPECT_EQ(TreeSize(), 1u);
}

TEST_F(HostileAddTest, OneEntryPerStatementTextWhateverItsSignatures) {
  const std::string vendor_only = Statement(0, "acme-cli");
  ASSERT_OK_AND_ASSIGN(const std::string cosigned,
                       note::CosignStatement(vendor_only, *supervisor_.signer));
  AddResponse first;
  ASSERT_TRUE(Add({cosigned}, &first).ok());
  ASSERT_EQ(Code(first.results(0)), 0) << first.results(0).error().message();
  EXPECT_EQ(first.results(0).bundle().statement(), cosigned);

  // Stripping the supervisor's line gives other bytes, the same statement:
  // the entry already logged is the answer.
  AddResponse stripped;
  ASSERT_TRUE(Add({vendor_only}, &stripped).ok());
  ASSERT_EQ(Code(stripped.results(0)), 0);
  EXPECT_TRUE(stripped.results(0).duplicate());
  EXPECT_EQ(stripped.results(0).bundle().leaf_index(),
            first.results(0).bundle().leaf_index());
  EXPECT_EQ(stripped.results(0).bundle().statement(), cosigned);
  ExpectBundleVerifies(stripped.results(0).bundle());

  // Within one request too: the first one wins, the second is its duplicate.
  const std::string next = Statement(1, "tools");
  ASSERT_OK_AND_ASSIGN(const std::string next_cosigned,
                       note::CosignStatement(next, *supervisor_.signer));
  AddResponse both;
  ASSERT_TRUE(Add({next, next_cosigned}, &both).ok());
  ASSERT_EQ(Code(both.results(0)), 0);
  ASSERT_EQ(Code(both.results(1)), 0);
  EXPECT_EQ(both.results(0).bundle().leaf_index(),
            both.results(1).bundle().leaf_index());
  EXPECT_TRUE(both.results(1).duplicate());
  EXPECT_EQ(both.results(1).bundle().statement(), next);
  EXPECT_EQ(TreeSize(), 2u);
}

TEST_F(HostileAddTest, RepeatedAndSurplusSignatureLinesAreRefused) {
  const std::string logged = Statement(0, "acme-cli");
  ASSERT_OK_AND_ASSIGN(note::Note parsed, note::ParseNote(logged));
  std::string twice = logged + note::FormatSignatureLine(parsed.signatures[0]);
  std::string flood = logged;
  for (int i = 0; i < 98; ++i) {
    flood += note::FormatSignatureLine(parsed.signatures[0]);
  }
  flood = WithLine(flood, parsed.signatures[0].name, parsed.signatures[0].key_id,
                   std::string(64, 'b'));
  AddResponse response;
  ASSERT_TRUE(Add({twice, flood}, &response).ok());
  EXPECT_EQ(Code(response.results(0)), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(response.results(0).error().message().find("each key signs once"),
            std::string::npos)
      << response.results(0).error().message();
  EXPECT_EQ(Code(response.results(1)), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(response.results(1).error().message().find(
                "statement carries 100 signature lines"),
            std::string::npos)
      << response.results(1).error().message();
  EXPECT_EQ(TreeSize(), 0u);
  // Neither cost a verification.
  EXPECT_EQ(metrics_.RenderPrometheus().find(
                "vitrine_add_verify_failures_total 1"),
            std::string::npos);
}

class BudgetedAddTest : public LogServiceFixture {
 protected:
  BudgetedAddTest() {
    limits_.verify_budget.connection_rate = 0.001;  // no refill in the test
    limits_.verify_budget.connection_burst = 3;
    limits_.verify_budget.address_rate = 0.001;
    limits_.verify_budget.address_burst = 5;
    rate_.rate_per_second = 0.001;
    rate_.burst = 3;
  }

  // A statement under vendor 0's real name and key ID with a random-looking
  // signature: passes screening, fails Ed25519.
  std::string Forged(int n) const {
    const std::string text =
        note::FormatStatement(note::Statement{
                                  vendors_[0].name, absl::StrCat("forged-", n),
                                  "1.0", ArtifactDigest("forged", "1.0"), {}})
            .value();
    return WithLine(text + "\n", vendors_[0].name, vendors_[0].signer->KeyId(),
                    std::string(64, static_cast<char>(n)));
  }
};

TEST_F(BudgetedAddTest, AForgerPaysWithItsOwnBudgetNeverTheVendors) {
  // The honest vendor appends first on its connection: that proves a key.
  AddResponse honest;
  ASSERT_TRUE(Add({Statement(0, "release-1")}, &honest).ok());
  ASSERT_EQ(Code(honest.results(0)), 0) << honest.results(0).error().message();

  std::unique_ptr<vitrine::v1::Log::Stub> forger = OwnConnection(address_);
  AddResponse forged;
  ASSERT_TRUE(
      AddOn(*forger, {Forged(1), Forged(2), Forged(3), Forged(4), Forged(5)},
            &forged)
          .ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Code(forged.results(i)), grpc::StatusCode::INVALID_ARGUMENT) << i;
  }
  for (int i = 3; i < 5; ++i) {
    EXPECT_EQ(Code(forged.results(i)), grpc::StatusCode::RESOURCE_EXHAUSTED) << i;
    EXPECT_NE(forged.results(i).error().message().find("this connection"),
              std::string::npos)
        << forged.results(i).error().message();
  }
  // More connections from the same address spend the address's budget
  // (5): two more failures, then refusals without verification.
  std::unique_ptr<vitrine::v1::Log::Stub> forger2 = OwnConnection(address_);
  AddResponse more;
  ASSERT_TRUE(AddOn(*forger2, {Forged(6), Forged(7), Forged(8)}, &more).ok());
  EXPECT_EQ(Code(more.results(0)), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Code(more.results(1)), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Code(more.results(2)), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(more.results(2).error().message().find("address 127.0.0.1"),
            std::string::npos)
      << more.results(2).error().message();
  // An unproven newcomer on that address waits for the budget to refill...
  std::unique_ptr<vitrine::v1::Log::Stub> newcomer = OwnConnection(address_);
  AddResponse refused;
  ASSERT_TRUE(AddOn(*newcomer, {Statement(1, "tools")}, &refused).ok());
  EXPECT_EQ(Code(refused.results(0)), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // ...while the vendor that proved its key keeps adding, and the forged
  // statements in its name spent none of its quota of 3.
  AddResponse still;
  ASSERT_TRUE(
      Add({Statement(0, "release-2"), Statement(0, "release-3")}, &still).ok());
  EXPECT_EQ(Code(still.results(0)), 0) << still.results(0).error().message();
  EXPECT_EQ(Code(still.results(1)), 0) << still.results(1).error().message();
  EXPECT_EQ(TreeSize(), 3u);

  const std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("vitrine_add_verify_failures_total 5"), std::string::npos)
      << text;
  EXPECT_NE(text.find("vitrine_add_budget_refusals_total 4"), std::string::npos)
      << text;
}

TEST_F(BudgetedAddTest, DuplicatesCostNoQuotaAndNoVerification) {
  const std::string logged = Statement(0, "release-1");
  AddResponse first;
  ASSERT_TRUE(Add({logged}, &first).ok());
  ASSERT_EQ(Code(first.results(0)), 0);
  // Ten replays of public bytes from a stranger's connection.
  std::unique_ptr<vitrine::v1::Log::Stub> replayer = OwnConnection(address_);
  AddResponse replays;
  ASSERT_TRUE(AddOn(*replayer, std::vector<std::string>(10, logged), &replays).ok());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Code(replays.results(i)), 0);
    EXPECT_TRUE(replays.results(i).duplicate());
  }
  // The vendor's burst of 3 is intact but for its first statement.
  AddResponse rest;
  ASSERT_TRUE(
      Add({Statement(0, "release-2"), Statement(0, "release-3")}, &rest).ok());
  EXPECT_EQ(Code(rest.results(0)), 0) << rest.results(0).error().message();
  EXPECT_EQ(Code(rest.results(1)), 0) << rest.results(1).error().message();
  EXPECT_EQ(TreeSize(), 3u);
}

}  // namespace
}  // namespace vitrine::server::testing
