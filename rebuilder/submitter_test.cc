// The submitter against a real log (the Log service over RocksDB on
// 127.0.0.1, log_service_testing.h, whose rebuilders file registers
// rebuilder_) through a verifying LogClient, and against a scripted Add for
// the failures a real log does not produce on demand.
#include "rebuilder/submitter.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/log_client.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/rebuild_statement.h"
#include "log/server/log_service_testing.h"
#include "proto/vitrine/v1/bundle.pb.h"
#include "rebuilder/progress_store.h"

namespace vitrine::rebuilder {
namespace {

class SubmitterTest : public server::testing::LogServiceFixture {
 protected:
  void SetUp() override {
    LogServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(progress_, ProgressStore::Open(dir_ + "/rebuilder-state"));
    ASSERT_OK_AND_ASSIGN(client_, client::LogClient::Create(address_, log_key_.verifier_key));
  }

  void TearDown() override {
    client_.reset();
    progress_.reset();
    LogServiceFixture::TearDown();
  }

  // The signed rebuild statement of release `i` by the fixture's rebuilder.
  std::string Note(int i) const {
    note::RebuildStatement statement;
    statement.rebuilder = rebuilder_.name;
    statement.vendor = "example.com/acme";
    statement.artifact = absl::StrCat("tool-", i);
    statement.version = "1.0";
    statement.source = "https://git.example.com/acme/tool";
    statement.sha256 = merkle::Sha256(absl::StrCat("build ", i));
    absl::StatusOr<std::string> note = note::SignRebuildStatement(statement, *rebuilder_.signer);
    EXPECT_OK(note);
    return note.ok() ? *note : "";
  }

  // Records release `i`'s statement as pending, as the worker does.
  PendingStatement Persist(int i) {
    PendingStatement statement{static_cast<uint64_t>(i), Note(i)};
    EXPECT_OK(progress_->RecordPending(statement.index, statement.note));
    return statement;
  }

  AddFunction RealAdd(std::atomic<int>* calls) {
    return [this, calls](absl::Span<const std::string> notes) {
      ++*calls;
      return client_->Add(notes);
    };
  }

  static SubmitterOptions FastOptions() {
    SubmitterOptions options;
    options.batch_size = 2;
    options.batch_delay = absl::Milliseconds(50);
    options.retry_min = absl::Milliseconds(10);
    options.retry_max = absl::Milliseconds(50);
    options.log_to_stderr = false;
    return options;
  }

  std::unique_ptr<ProgressStore> progress_;
  std::unique_ptr<client::LogClient> client_;
};

// Answers every note with a bundle at leaf 100 + position, except those
// `refuse` names; fails the whole call while `down`.
struct ScriptedLog {
  absl::Mutex mu;
  bool down = false;
  std::string refuse;
  int calls = 0;

  AddFunction Add() {
    return [this](absl::Span<const std::string> notes)
               -> absl::StatusOr<std::vector<client::AddOutcome>> {
      absl::MutexLock lock(&mu);
      ++calls;
      if (down) return absl::UnavailableError("Add: connection refused");
      std::vector<client::AddOutcome> outcomes;
      for (size_t i = 0; i < notes.size(); ++i) {
        client::AddOutcome outcome;
        if (notes[i] == refuse) {
          outcome.bundle = absl::PermissionDeniedError("no registered rebuilder key signed");
        } else {
          vitrine::v1::Bundle bundle;
          bundle.set_leaf_index(100 + i);
          outcome.bundle = bundle;
        }
        outcomes.push_back(std::move(outcome));
      }
      return outcomes;
    };
  }
};

TEST_F(SubmitterTest, LogsInBatchesAndMarksEachDone) {
  for (int i = 0; i < 5; ++i) Persist(i);
  std::atomic<int> calls{0};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(FastOptions(), progress_.get(), RealAdd(&calls)));
  EXPECT_EQ(submitter->stats().pending, 5u);
  submitter->Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (submitter->stats().pending > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  submitter->Stop(/*flush=*/false);
  const SubmitterStats stats = submitter->stats();
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_EQ(stats.logged_new, 5u);
  EXPECT_EQ(stats.logged_duplicate, 0u);
  EXPECT_EQ(stats.last_error, "");
  EXPECT_EQ(calls.load(), 3);  // 2 + 2 + 1
  EXPECT_EQ(TreeSize(), 5u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> record, progress_->Get(i));
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->state, ReleaseState::kDone);
    ASSERT_OK_AND_ASSIGN(std::string logged,
                         LogServiceFixture::store_->GetEntry(record->logged_index));
    EXPECT_EQ(logged, Note(i));
  }
}

TEST_F(SubmitterTest, ARestartSendsAgainAndTheLogDeduplicates) {
  const PendingStatement landed = Persist(7);
  // The first run's Add landed, then it crashed before marking it done.
  ASSERT_OK_AND_ASSIGN(std::vector<client::AddOutcome> first, client_->Add({landed.note}));
  ASSERT_OK(first[0].bundle);
  std::atomic<int> calls{0};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(FastOptions(), progress_.get(), RealAdd(&calls)));
  ASSERT_OK(submitter->Flush());
  EXPECT_EQ(submitter->stats().logged_duplicate, 1u);
  EXPECT_EQ(submitter->stats().pending, 0u);
  EXPECT_EQ(TreeSize(), 1u);
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> record, progress_->Get(7));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->state, ReleaseState::kDone);
  EXPECT_EQ(record->logged_index, first[0].bundle->leaf_index());
}

TEST_F(SubmitterTest, AnUnregisteredRebuilderIsRefusedAndKept) {
  note::RebuildStatement statement;
  statement.rebuilder = unregistered_.name;
  statement.vendor = "example.com/acme";
  statement.artifact = "tool";
  statement.version = "1.0";
  statement.source = "https://git.example.com/acme/tool";
  ASSERT_OK_AND_ASSIGN(std::string note,
                       note::SignRebuildStatement(statement, *unregistered_.signer));
  ASSERT_OK(progress_->RecordPending(3, note));
  std::atomic<int> calls{0};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(FastOptions(), progress_.get(), RealAdd(&calls)));
  EXPECT_THAT(submitter->Flush(), testing::StatusIs(absl::StatusCode::kPermissionDenied,
                                                    "release 3 refused"));
  EXPECT_EQ(submitter->stats().pending, 1u);
  EXPECT_EQ(submitter->stats().refused, 1u);
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> record, progress_->Get(3));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->state, ReleaseState::kPending);
}

TEST_F(SubmitterTest, AFailedCallKeepsEverythingUntilTheLogAnswers) {
  ScriptedLog log;
  log.down = true;
  Persist(1);
  Persist(2);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(FastOptions(), progress_.get(), log.Add()));
  EXPECT_THAT(submitter->Flush(), testing::StatusIs(absl::StatusCode::kUnavailable));
  SubmitterStats stats = submitter->stats();
  EXPECT_EQ(stats.pending, 2u);
  EXPECT_EQ(stats.failed_calls, 1u);
  EXPECT_NE(stats.last_error.find("connection refused"), std::string::npos);
  {
    absl::MutexLock lock(&log.mu);
    log.down = false;
  }
  submitter->Start();  // retries after the back-off
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (submitter->stats().pending > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  submitter->Stop(false);
  stats = submitter->stats();
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_EQ(stats.logged_new, 2u);
  EXPECT_EQ(stats.last_error, "");
}

TEST_F(SubmitterTest, ARefusalHoldsOnlyItsOwnStatement) {
  ScriptedLog log;
  Persist(1);
  const PendingStatement refused = Persist(2);
  Persist(3);
  log.refuse = refused.note;
  SubmitterOptions options = FastOptions();
  options.batch_size = 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(options, progress_.get(), log.Add()));
  EXPECT_THAT(submitter->Flush(), testing::StatusIs(absl::StatusCode::kPermissionDenied,
                                                    "release 2 refused"));
  const SubmitterStats stats = submitter->stats();
  EXPECT_EQ(stats.logged_new, 2u);
  EXPECT_EQ(stats.pending, 1u);
  EXPECT_EQ(stats.refused, 1u);
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> record, progress_->Get(2));
  EXPECT_EQ(record->state, ReleaseState::kPending);
  ASSERT_OK_AND_ASSIGN(record, progress_->Get(3));
  EXPECT_EQ(record->state, ReleaseState::kDone);
}

TEST_F(SubmitterTest, ALoneStatementWaitsForTheBatchDelayOnly) {
  ScriptedLog log;
  SubmitterOptions options = FastOptions();
  options.batch_size = 10;
  options.batch_delay = absl::Milliseconds(300);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(options, progress_.get(), log.Add()));
  submitter->Start();
  const absl::Time queued = absl::Now();
  submitter->Enqueue(Persist(4));
  absl::SleepFor(absl::Milliseconds(100));
  {
    absl::MutexLock lock(&log.mu);
    EXPECT_EQ(log.calls, 0);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (submitter->stats().pending > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_GE(absl::Now() - queued, absl::Milliseconds(300));
  EXPECT_EQ(submitter->stats().logged_new, 1u);
  submitter->Stop(false);
}

// Statements queued while a batch is being sent still wait for company:
// under a steady trickle, batches fill instead of going one or two at a
// time (bench/RESULTS.md, issue 15: 2 statements per Add before).
TEST_F(SubmitterTest, StatementsQueuedDuringASendWaitForTheirOwnBatch) {
  ScriptedLog log;
  absl::Notification first_call_started;
  absl::Notification release_first_call;
  std::vector<size_t> sizes;  // guarded by log.mu
  AddFunction scripted = log.Add();
  AddFunction add = [&](absl::Span<const std::string> notes) {
    {
      absl::MutexLock lock(&log.mu);
      sizes.push_back(notes.size());
    }
    if (!first_call_started.HasBeenNotified()) {
      first_call_started.Notify();
      release_first_call.WaitForNotification();
    }
    return scripted(notes);
  };
  SubmitterOptions options = FastOptions();
  options.batch_size = 10;
  options.batch_delay = absl::Milliseconds(200);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(options, progress_.get(), add));
  submitter->Start();
  submitter->Enqueue(Persist(1));
  first_call_started.WaitForNotification();
  for (uint64_t index = 2; index <= 6; ++index) submitter->Enqueue(Persist(index));
  release_first_call.Notify();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (submitter->stats().pending > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(submitter->stats().logged_new, 6u);
  submitter->Stop(false);
  absl::MutexLock lock(&log.mu);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 5}));
}

TEST_F(SubmitterTest, WaitForRoomReturnsOnceAnswersLeave) {
  ScriptedLog log;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Submitter> submitter,
                       Submitter::Create(FastOptions(), progress_.get(), log.Add()));
  for (int i = 0; i < 3; ++i) submitter->Enqueue(Persist(i));
  std::atomic<bool> room{false};
  EXPECT_FALSE(submitter->WaitForRoom(2, absl::Milliseconds(20)));
  std::thread waiter([&] { room = submitter->WaitForRoom(2, absl::Seconds(20)); });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(room.load());
  submitter->Start();
  waiter.join();
  EXPECT_TRUE(room.load());
  submitter->Stop(/*flush=*/true);
  EXPECT_EQ(submitter->stats().pending, 0u);
}

}  // namespace
}  // namespace vitrine::rebuilder
