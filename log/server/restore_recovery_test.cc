// Fork-safe restore (restore_recovery.h) in-process: a real witnessed log
// (LogServer with two test witnesses) is backed up, publishes more, and
// loses its store. The backup is restored and recovered from the witnesses
// and from test mirrors that serve the lost store - honest ones, lying ones
// (an entry changed), and ones that withhold - and the recovered log must
// serve exactly the checkpoint it had published, or refuse with the reason.
#include "log/server/restore_recovery.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/server/witnessed_log_testing.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::server {
namespace {

using ::testing::HasSubstr;

// A monitor's read API as far as recovery uses it (GetCheckpoint with
// at_most_size, GetEntries), served from a store, with faults to inject.
class TestMirror final : public vitrine::v1::Log::Service {
 public:
  static std::unique_ptr<TestMirror> Start(storage::Store* store) {
    auto mirror = std::unique_ptr<TestMirror>(new TestMirror(store));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(mirror.get());
    mirror->server_ = builder.BuildAndStart();
    mirror->address_ = absl::StrCat("127.0.0.1:", port);
    return mirror;
  }
  ~TestMirror() override { server_->Shutdown(); }

  const std::string& address() const { return address_; }
  // Serves entry `index` with one byte changed.
  void Tamper(uint64_t index) {
    absl::MutexLock lock(&mu_);
    tamper_ = index;
  }
  // Serves entry `index` grown past a statement's largest size.
  void Inflate(uint64_t index) {
    absl::MutexLock lock(&mu_);
    inflate_ = index;
  }
  // Answers every GetEntries UNAVAILABLE.
  void Withhold() {
    absl::MutexLock lock(&mu_);
    withhold_ = true;
  }
  int entries_calls() const {
    absl::MutexLock lock(&mu_);
    return entries_calls_;
  }

  grpc::Status GetCheckpoint(grpc::ServerContext*,
                             const vitrine::v1::GetCheckpointRequest* request,
                             vitrine::v1::GetCheckpointResponse* response) override {
    absl::StatusOr<std::optional<storage::StoredCheckpoint>> found =
        request->at_most_size() == 0 ? store_->LatestCheckpoint()
                                     : store_->CheckpointAtMost(request->at_most_size());
    if (!found.ok() || !found->has_value()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "none");
    }
    response->mutable_checkpoint()->set_note((*found)->signed_note);
    response->mutable_checkpoint()->set_size((*found)->size);
    return grpc::Status::OK;
  }

  grpc::Status GetEntries(grpc::ServerContext*, const vitrine::v1::GetEntriesRequest* request,
                          grpc::ServerWriter<vitrine::v1::Entry>* writer) override {
    std::optional<uint64_t> tamper, inflate;
    {
      absl::MutexLock lock(&mu_);
      ++entries_calls_;
      if (withhold_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "withheld");
      tamper = tamper_;
      inflate = inflate_;
    }
    absl::StatusOr<std::vector<std::string>> leaves =
        store_->GetEntries(request->start(), request->end());
    if (!leaves.ok()) {
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, std::string(leaves.status().message()));
    }
    for (uint64_t i = 0; i < leaves->size(); ++i) {
      vitrine::v1::Entry entry;
      entry.set_index(request->start() + i);
      entry.set_leaf((*leaves)[i]);
      if (tamper == entry.index()) (*entry.mutable_leaf())[20] ^= 1;
      if (inflate == entry.index()) entry.mutable_leaf()->append(20000, 'x');
      writer->Write(entry);
    }
    return grpc::Status::OK;
  }

 private:
  explicit TestMirror(storage::Store* store) : store_(store) {}

  storage::Store* const store_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  mutable absl::Mutex mu_;
  std::optional<uint64_t> tamper_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> inflate_ ABSL_GUARDED_BY(mu_);
  bool withhold_ ABSL_GUARDED_BY(mu_) = false;
  int entries_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

class RestoreRecoveryTest : public testing::WitnessedLogFixture {
 protected:
  RestoreRecoveryTest() { config_.witness_quorum = 2; }

  // 30 entries backed up, 45 more published and witnessed, then the store
  // is lost (moved to lost_) and the backup restored and marked.
  void SetUp() override {
    WitnessedLogFixture::SetUp();
    ASSERT_FALSE(HasFatalFailure());
    backup_ = config_.data + "-backup";
    lost_ = config_.data + "-lost";
    for (int i = 0; i < 3; ++i) ASSERT_OK(AddStatements(10, absl::StrCat("before", i, "-")).status());
    StopLog();
    {
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> store,
                           storage::Store::Open({.path = config_.StorePath()}));
      ASSERT_OK(store->Backup(backup_).status());
    }
    ASSERT_OK(StartLog());
    for (int i = 0; i < 9; ++i) ASSERT_OK(AddStatements(5, absl::StrCat("after", i, "-")).status());
    ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed, AwaitWitnessed(75));
    vitrine::v1::Checkpoint latest;
    ASSERT_TRUE(GetCheckpoint(false, &latest).ok());
    published_ = latest.note();
    ASSERT_EQ(latest.size(), 75u);
    StopLog();

    std::filesystem::rename(config_.StorePath(), lost_);
    ASSERT_OK_AND_ASSIGN(storage::BackupInfo restored,
                         storage::Store::RestoreBackup(backup_, config_.StorePath()));
    ASSERT_EQ(restored.tree_size, 30u);
    ASSERT_OK(MarkRestored(config_.StorePath(), restored));
    ASSERT_OK_AND_ASSIGN(lost_store_, storage::Store::Open({.path = lost_}));
  }

  void TearDown() override {
    mirrors_.clear();
    lost_store_.reset();
    WitnessedLogFixture::TearDown();
  }

  TestMirror& AddMirror() {
    mirrors_.push_back(TestMirror::Start(lost_store_.get()));
    config_.mirrors.push_back(mirrors_.back()->address());
    return *mirrors_.back();
  }

  RecoveryOptions Options() const {
    RecoveryOptions options;
    options.store_path = config_.StorePath();
    options.log_vkey = identity_.verifier_key;
    options.witnesses = config_.witnesses;
    options.witness_quorum = config_.WitnessQuorum();
    options.mirrors = config_.mirrors;
    options.timeout = absl::Seconds(5);
    return options;
  }

  uint64_t RestoredEntries() {
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open({.path = config_.StorePath(), .create_if_missing = false});
    EXPECT_OK(store.status());
    return store.ok() ? (*store)->EntryCount() : 0;
  }

  std::string backup_, lost_, published_;
  std::unique_ptr<storage::Store> lost_store_;
  std::vector<std::unique_ptr<TestMirror>> mirrors_;
};

TEST_F(RestoreRecoveryTest, RecoversToTheWitnessedCheckpointBeforeSigning) {
  AddMirror();
  ASSERT_OK(StartLog());  // recovers: the mark is there
  EXPECT_FALSE(IsMarkedRestored(config_.StorePath()));
  vitrine::v1::Checkpoint latest;
  ASSERT_TRUE(GetCheckpoint(false, &latest).ok());
  EXPECT_EQ(latest.note(), published_);  // the very note, not a new signature
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(3, "later-"));
  EXPECT_EQ(size, 78u);
  // The witnesses, which hold 75, cosign 78: one history.
  EXPECT_OK(AwaitWitnessed(78).status());
}

TEST_F(RestoreRecoveryTest, CrossesALargeGapInSignedSteps) {
  TestMirror& mirror = AddMirror();
  RecoveryOptions options = Options();
  options.max_entries_per_step = 12;
  ASSERT_OK_AND_ASSIGN(RecoveryReport report, RecoverRestoredStore(options));
  EXPECT_EQ(report.restored_size, 30u);
  EXPECT_EQ(report.recovered_size, 75u);
  EXPECT_EQ(report.entries_fetched, 45u);
  EXPECT_EQ(report.witnesses_answered, 2u);
  EXPECT_GE(mirror.entries_calls(), 4);  // 45 entries, at most 12 a step
  EXPECT_EQ(RestoredEntries(), 75u);
}

TEST_F(RestoreRecoveryTest, ALyingMirrorIsPassedOverForAnHonestOne) {
  AddMirror().Tamper(40);
  AddMirror();
  ASSERT_OK_AND_ASSIGN(RecoveryReport report, RecoverRestoredStore(Options()));
  EXPECT_EQ(report.recovered_size, 75u);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> store,
                       storage::Store::Open({.path = config_.StorePath()}));
  ASSERT_OK_AND_ASSIGN(std::string entry, store->GetEntry(40));
  ASSERT_OK_AND_ASSIGN(std::string lost_entry, lost_store_->GetEntry(40));
  EXPECT_EQ(entry, lost_entry);
}

TEST_F(RestoreRecoveryTest, OnlyLyingOrWithholdingMirrorsRefuseAndChangeNothing) {
  AddMirror().Tamper(31);
  AddMirror().Withhold();
  absl::StatusOr<RecoveryReport> report = RecoverRestoredStore(Options());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("no mirror could serve entries [30, 75)"));
  EXPECT_THAT(report.status().message(), HasSubstr("withheld"));
  EXPECT_THAT(report.status().message(), HasSubstr("--accept_fork_risk"));
  EXPECT_EQ(RestoredEntries(), 30u);
  // And the log does not start: nothing is signed.
  absl::StatusOr<std::unique_ptr<LogServer>> log = LogServer::Start(config_);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsMarkedRestored(config_.StorePath()));
}

TEST_F(RestoreRecoveryTest, AnEntryLargerThanAnyStatementFailsItsMirror) {
  AddMirror().Inflate(33);
  absl::StatusOr<RecoveryReport> report = RecoverRestoredStore(Options());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(),
              HasSubstr("sent entry 33 of 20"));  // its size, then the limit
  EXPECT_THAT(report.status().message(), HasSubstr("over the 16384 a statement may have"));
  EXPECT_EQ(RestoredEntries(), 30u);
  AddMirror();  // an honest one after it
  ASSERT_OK_AND_ASSIGN(RecoveryReport recovered, RecoverRestoredStore(Options()));
  EXPECT_EQ(recovered.recovered_size, 75u);
}

TEST_F(RestoreRecoveryTest, TooFewWitnessesAnsweringIsUnavailable) {
  AddMirror();
  witnesses_[0]->SetDown(true);
  witnesses_[1]->SetDown(true);
  absl::StatusOr<RecoveryReport> report = RecoverRestoredStore(Options());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(report.status().message(),
              HasSubstr("0 of 2 witnesses answered, 1 must (with quorum 2)"));
  EXPECT_EQ(RestoredEntries(), 30u);
  // With quorum 2 of 2, one witness that answers is enough.
  witnesses_[1]->SetDown(false);
  ASSERT_OK_AND_ASSIGN(RecoveryReport recovered, RecoverRestoredStore(Options()));
  EXPECT_EQ(recovered.witnesses_answered, 1u);
  EXPECT_EQ(recovered.recovered_size, 75u);
}

TEST_F(RestoreRecoveryTest, NoWitnessOrNoMirrorRefuses) {
  RecoveryOptions options = Options();
  options.witnesses.clear();
  absl::StatusOr<RecoveryReport> report = RecoverRestoredStore(options);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("no witness is configured"));

  report = RecoverRestoredStore(Options());  // witnesses, no mirror
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("holds checkpoint 75 but the backup ends at 30"));
  EXPECT_EQ(RestoredEntries(), 30u);
}

TEST_F(RestoreRecoveryTest, AWitnessedRootThatTheEntriesDoNotReachIsAFork) {
  AddMirror();
  // A checkpoint the log signed for size 20 with another root: the log
  // forked before. (Signed here with the log's own key.)
  ASSERT_OK_AND_ASSIGN(std::string signer_key, note::ReadSignerKeyFile(config_.KeyPath()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> signer, note::NewSigner(signer_key));
  note::Checkpoint fork{identity_.origin, 20, merkle::HashLeaf("another history")};
  ASSERT_OK_AND_ASSIGN(std::string forked, note::SignCheckpoint(fork, *signer));
  ASSERT_OK(witnesses_[0]->Hold(forked));
  absl::StatusOr<RecoveryReport> report = RecoverRestoredStore(Options());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(report.status().message(),
              HasSubstr("witness w1.example holds checkpoint 20 whose root differs"));
}

TEST_F(RestoreRecoveryTest, AcceptForkRiskServesTheBackup) {
  config_.accept_fork_risk = true;
  ASSERT_OK(StartLog());
  EXPECT_FALSE(IsMarkedRestored(config_.StorePath()));
  vitrine::v1::Checkpoint latest;
  ASSERT_TRUE(GetCheckpoint(false, &latest).ok());
  EXPECT_EQ(latest.size(), 30u);
}

}  // namespace
}  // namespace vitrine::server
