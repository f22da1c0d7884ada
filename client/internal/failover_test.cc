#include "client/internal/failover.h"

#include <string>
#include <vector>

#include "client/verifier.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::client::internal {
namespace {

using ::testing::HasSubstr;
using ::vitrine::testing::StatusIs;
using Use = Failover::Use;

// Runs one call whose endpoint i answers answers[i]; returns its status and
// the endpoints tried, in order.
struct Outcome {
  absl::Status status;
  std::vector<size_t> tried;
};
Outcome RunWith(Failover& failover, Use use,
                const std::vector<absl::Status>& answers) {
  Outcome outcome;
  outcome.status = failover.Run("GetThing", use, [&](size_t i) {
    outcome.tried.push_back(i);
    return answers[i];
  });
  return outcome;
}

TEST(FailoverTest, MovesOnWhenDownAndSticksToWhatAnswered) {
  Failover failover({"log:1", "m1:2", "m2:3"});
  Outcome first = RunWith(failover, Use::kRead,
                          {absl::UnavailableError("down"),
                           absl::DeadlineExceededError("slow"),
                           absl::OkStatus()});
  EXPECT_OK(first.status);
  EXPECT_EQ(first.tried, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(failover.ReadEndpoint(), "m2:3");
  // Sticky: the next read starts at m2, then the others in list order.
  Outcome second = RunWith(failover, Use::kRead,
                           {absl::OkStatus(), absl::OkStatus(),
                            absl::UnavailableError("gone too")});
  EXPECT_OK(second.status);
  EXPECT_EQ(second.tried, (std::vector<size_t>{2, 0}));
  EXPECT_EQ(failover.ReadEndpoint(), "log:1");
}

TEST(FailoverTest, AnAnswerIsFinalEvenWhenItIsAnError) {
  Failover failover({"log:1", "m1:2"});
  Outcome outcome = RunWith(
      failover, Use::kRead,
      {absl::UnavailableError("down"), absl::NotFoundError("no such leaf")});
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(outcome.status.message(), "no such leaf");
  EXPECT_EQ(failover.ReadEndpoint(), "m1:2");
  outcome = RunWith(failover, Use::kRead,
                    {absl::OkStatus(), absl::OutOfRangeError("lagging")});
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(outcome.tried, (std::vector<size_t>{1}));
}

TEST(FailoverTest, RefusalsMoveOnAndWinTheCombinedStatus) {
  Failover failover({"log:1", "m1:2", "m2:3"});
  Outcome outcome = RunWith(
      failover, Use::kRead,
      {absl::UnavailableError("connection refused"),
       MakeRefusal(Refusal::kFork, "size 5 has another root"),
       MakeRefusal(Refusal::kRollback, "size 3 after size 5")});
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(GetRefusal(outcome.status), Refusal::kFork);
  EXPECT_EQ(outcome.status.message(),
            "GetThing: all 3 endpoints failed; log:1: UNAVAILABLE: "
            "connection refused; m1:2: refused: fork: size 5 has another "
            "root; m2:3: refused: rollback: size 3 after size 5");
  // Nothing answered: the sticky endpoint stays.
  EXPECT_EQ(failover.ReadEndpoint(), "log:1");
}

TEST(FailoverTest, WritesSkipMirrorsAndKeepTheirOwnEndpoint) {
  Failover failover({"m1:2", "log:1"});
  const absl::Status mirror =
      absl::FailedPreconditionError("a mirror: submit to log:1");
  Outcome write = RunWith(failover, Use::kWrite, {mirror, absl::OkStatus()});
  EXPECT_OK(write.status);
  EXPECT_EQ(write.tried, (std::vector<size_t>{0, 1}));
  // Reads still start at the mirror; writes go straight to the log.
  EXPECT_EQ(failover.ReadEndpoint(), "m1:2");
  write = RunWith(failover, Use::kWrite, {mirror, absl::OkStatus()});
  EXPECT_EQ(write.tried, (std::vector<size_t>{1}));
  // A read the mirror does not serve (a witnessed checkpoint) moves on too.
  Outcome read = RunWith(
      failover, Use::kRead,
      {absl::FailedPreconditionError("no witnessed checkpoint here"),
       absl::OkStatus()});
  EXPECT_OK(read.status);
  EXPECT_EQ(read.tried, (std::vector<size_t>{0, 1}));
}

TEST(FailoverTest, TheCombinedCodeSaysWhatWentWrongNotWhatWasNotServed) {
  Failover failover({"m1:2", "log:1"});
  Outcome write = RunWith(
      failover, Use::kWrite,
      {absl::FailedPreconditionError("a mirror: submit to log:1"),
       absl::UnavailableError("down")});
  EXPECT_THAT(write.status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(write.status.message(), HasSubstr("m1:2: FAILED_PRECONDITION"));
  // Overload: a write's back-pressure is the log's answer, as is.
  Outcome busy = RunWith(
      failover, Use::kWrite,
      {absl::FailedPreconditionError("a mirror: submit to log:1"),
       absl::ResourceExhaustedError("busy")});
  EXPECT_EQ(busy.status, absl::ResourceExhaustedError("busy"));
  EXPECT_EQ(busy.tried, (std::vector<size_t>{0, 1}));
  Outcome reads = RunWith(
      failover, Use::kRead,
      {absl::UnimplementedError("mirror lacks it"),
       absl::UnavailableError("down")});
  EXPECT_THAT(reads.status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(GetRefusal(reads.status), Refusal::kNone);
}

TEST(FailoverTest, OneEndpointFailsExactlyAsBefore) {
  Failover failover({"log:1"});
  Outcome outcome =
      RunWith(failover, Use::kRead, {MakeRefusal(Refusal::kProofInvalid, "x")});
  EXPECT_EQ(outcome.status, MakeRefusal(Refusal::kProofInvalid, "x"));
  outcome = RunWith(failover, Use::kRead, {absl::UnavailableError("down")});
  EXPECT_EQ(outcome.status, absl::UnavailableError("down"));
}

TEST(FailoverTest, MovesOnFollowsTheRules) {
  EXPECT_TRUE(MovesOn(absl::UnavailableError(""), Use::kWrite));
  EXPECT_TRUE(MovesOn(absl::DeadlineExceededError(""), Use::kRead));
  EXPECT_TRUE(MovesOn(absl::UnimplementedError(""), Use::kRead));
  EXPECT_TRUE(MovesOn(MakeRefusal(Refusal::kRollback, ""), Use::kRead));
  EXPECT_TRUE(MovesOn(absl::ResourceExhaustedError(""), Use::kRead));
  EXPECT_FALSE(MovesOn(absl::ResourceExhaustedError(""), Use::kWrite));
  EXPECT_TRUE(MovesOn(absl::FailedPreconditionError(""), Use::kWrite));
  EXPECT_TRUE(MovesOn(absl::FailedPreconditionError(""), Use::kRead));
  EXPECT_FALSE(MovesOn(absl::NotFoundError(""), Use::kRead));
  EXPECT_FALSE(MovesOn(absl::InvalidArgumentError(""), Use::kWrite));
  EXPECT_FALSE(MovesOn(absl::PermissionDeniedError(""), Use::kRead));
}

}  // namespace
}  // namespace vitrine::client::internal
