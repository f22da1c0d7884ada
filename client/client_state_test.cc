#include "client/client_state.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "client/internal/bundle_testing.h"
#include "client/verifier.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"

namespace vitrine::client {
namespace {

using ::vitrine::client::testing::Digest;
using ::vitrine::client::testing::TestWorld;
using ::vitrine::testing::StatusIs;

class ClientStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/state-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    ASSERT_OK_AND_ASSIGN(world_, TestWorld::Create(1));
  }

  // Returns the world's current checkpoint, verified.
  note::VerifiedCheckpoint Current() const {
    return note::OpenCheckpoint(world_->SignedCheckpoint({0}).value(),
                                testing::kLogOrigin, LogKeys())
        .value();
  }
  note::VerifierSet LogKeys() const {
    note::VerifierSet keys;
    const absl::Status added =
        keys.Add(note::NewVerifier(world_->log.vkey).value());
    EXPECT_OK(added);
    return keys;
  }

  std::string dir_;
  std::unique_ptr<TestWorld> world_;
};

TEST_F(ClientStateTest, KeepsTheLatestCheckpointAcrossReopen) {
  ASSERT_OK_AND_ASSIGN(auto state, ClientState::Open(dir_));
  EXPECT_FALSE(state->Get(testing::kLogOrigin).has_value());
  world_->Append("a");
  const note::VerifiedCheckpoint one = Current();
  ASSERT_OK(state->Update(one));
  world_->Append("b");
  const note::VerifiedCheckpoint two = Current();
  ASSERT_OK(state->Update(two));
  ASSERT_OK(state->Update(two));  // Equal: a no-op.

  ASSERT_OK_AND_ASSIGN(auto reopened, ClientState::Open(dir_));
  ASSERT_TRUE(reopened->Get(testing::kLogOrigin).has_value());
  EXPECT_EQ(*reopened->Get(testing::kLogOrigin), two.checkpoint);
  EXPECT_EQ(*reopened->GetNote(testing::kLogOrigin),
            world_->SignedCheckpoint({0}).value());
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/example.com%2Ftest-log.checkpoint"));
  // No temporary file is left behind.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos);
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(ClientStateTest, RefusesRollbackAndFork) {
  ASSERT_OK_AND_ASSIGN(auto state, ClientState::Open(dir_));
  world_->Append("a");
  const note::VerifiedCheckpoint small = Current();
  world_->Append("b");
  const note::VerifiedCheckpoint big = Current();
  ASSERT_OK(state->Update(big));

  absl::Status rollback = state->Update(small);
  EXPECT_THAT(rollback, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(GetRefusal(rollback), Refusal::kRollback);
  EXPECT_EQ(GetRefusal(state->Check(small.checkpoint)), Refusal::kRollback);

  note::VerifiedCheckpoint fork = big;
  fork.checkpoint.root = Digest("another history");
  absl::Status forked = state->Update(fork);
  EXPECT_THAT(forked, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(GetRefusal(forked), Refusal::kFork);
  // The refusals wrote nothing.
  ASSERT_OK_AND_ASSIGN(auto reopened, ClientState::Open(dir_));
  EXPECT_EQ(*reopened->Get(testing::kLogOrigin), big.checkpoint);
}

TEST_F(ClientStateTest, ADamagedFileIsDataLossNotAnEmptyState) {
  ASSERT_OK_AND_ASSIGN(auto state, ClientState::Open(dir_));
  world_->Append("a");
  ASSERT_OK(state->Update(Current()));
  const std::string path = dir_ + "/" + StateFileName(testing::kLogOrigin);
  std::ofstream(path, std::ios::trunc) << "example.com/test-log\n";
  EXPECT_THAT(ClientState::Open(dir_), StatusIs(absl::StatusCode::kDataLoss));
  // A file under another origin's name is damage too.
  std::filesystem::rename(path, dir_ + "/other.checkpoint");
  std::ofstream(dir_ + "/other.checkpoint", std::ios::trunc)
      << world_->SignedCheckpoint({}).value();
  EXPECT_THAT(ClientState::Open(dir_), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(ClientStateTest, LeftoverTemporaryFilesAreIgnored) {
  // A crash between create and rename leaves "<file>.tmp.<pid>.<n>".
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/x.checkpoint.tmp.1.0") << "partial";
  ASSERT_OK_AND_ASSIGN(auto state, ClientState::Open(dir_));
  EXPECT_FALSE(state->Get(testing::kLogOrigin).has_value());
}

TEST(StateFileNameTest, EscapesOrigins) {
  EXPECT_EQ(StateFileName("example.com/log"), "example.com%2Flog.checkpoint");
  EXPECT_EQ(StateFileName("a b+c_d-e"), "a%20b%2Bc_d-e.checkpoint");
}

}  // namespace
}  // namespace vitrine::client
