#include "log/sequencer/sequencer.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/merkle/verify.h"
#include "log/note/breakable_signer.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/sequencer/sequencer_testing.h"

namespace vitrine::sequencer {
namespace {

using merkle::Hash;
using ::vitrine::note::testing::BreakableSigner;
using ::testing::ElementsAre;
using ::vitrine::sequencer::testing::AddAndWait;
using ::vitrine::sequencer::testing::Gate;
using ::vitrine::sequencer::testing::GatedSigner;
using ::vitrine::sequencer::testing::kOrigin;
using ::vitrine::testing::StatusIs;

class SequencerTest : public testing::SequencerFixture {};

std::string Leaf(int i) { return absl::StrCat("release statement ", i, "\n"); }

TEST_F(SequencerTest, ANewStoreGetsTheEmptyTreesCheckpoint) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
  std::shared_ptr<const PublishedState> state = sequencer->Published();
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->checkpoint.origin, kOrigin);
  EXPECT_EQ(state->checkpoint.size, 0u);
  EXPECT_EQ(state->checkpoint.root, merkle::EmptyRoot());
  ASSERT_OK_AND_ASSIGN(auto opened,
                       note::OpenCheckpoint(state->signed_note, kOrigin, log_keys_));
  EXPECT_EQ(opened.checkpoint, state->checkpoint);
  ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->size, 0u);
  EXPECT_EQ(stored->signed_note, state->signed_note);
  EXPECT_OK(sequencer->health());
}

TEST_F(SequencerTest, AppendsOneEntry) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
  const Hash digest = merkle::HashLeaf("artifact bytes");
  ASSERT_OK_AND_ASSIGN(AddResult result, AddAndWait(*sequencer, Leaf(0), digest));
  EXPECT_EQ(result.index, 0u);
  EXPECT_FALSE(result.duplicate);
  ASSERT_NE(result.state, nullptr);
  EXPECT_EQ(result.state->checkpoint.size, 1u);
  EXPECT_EQ(result.state->checkpoint.root, merkle::HashLeaf(Leaf(0)));
  EXPECT_EQ(sequencer->Published(), result.state);
  ExpectIncluded(*result.state, 0, Leaf(0));

  ASSERT_OK_AND_ASSIGN(std::string entry, store_->GetEntry(0));
  EXPECT_EQ(entry, Leaf(0));
  ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> named, store_->FindByDigest(digest));
  EXPECT_THAT(named, ElementsAre(0u));
  ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
  EXPECT_EQ(stored->size, 1u);
  EXPECT_EQ(stored->signed_note, result.state->signed_note);
}

TEST_F(SequencerTest, ManyThreadsGetDenseDistinctIndexesWithValidProofs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
  std::vector<PublishedState> seen;  // every published state, in order
  absl::Mutex seen_mu;
  sequencer->Watch([&](std::shared_ptr<const PublishedState> state) {
    absl::MutexLock lock(&seen_mu);
    seen.push_back(*state);
  });

  absl::Mutex mu;
  std::vector<uint64_t> index_of(kThreads * kPerThread, UINT64_MAX);
  std::vector<std::shared_ptr<const PublishedState>> state_of(kThreads * kPerThread);
  absl::BlockingCounter done(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        sequencer->Add(AddRequest{Leaf(i), std::nullopt},
                       [&, i](absl::StatusOr<AddResult> result) {
                         EXPECT_OK(result);
                         if (result.ok()) {
                           absl::MutexLock lock(&mu);
                           EXPECT_FALSE(result->duplicate);
                           index_of[i] = result->index;
                           state_of[i] = result->state;
                         }
                         done.DecrementCount();
                       });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  done.Wait();

  std::vector<uint64_t> sorted = index_of;
  std::sort(sorted.begin(), sorted.end());
  for (uint64_t i = 0; i < sorted.size(); ++i) {
    ASSERT_EQ(sorted[i], i);
  }

  const std::shared_ptr<const PublishedState> final_state = sequencer->Published();
  ASSERT_EQ(final_state->checkpoint.size, uint64_t{kThreads * kPerThread});
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    ASSERT_GT(state_of[i]->checkpoint.size, index_of[i]);
    ExpectIncluded(*final_state, index_of[i], Leaf(i));
    if (i % 97 == 0) ExpectIncluded(*state_of[i], index_of[i], Leaf(i));
  }
  // The watcher saw every published state, growing, each consistent with
  // the final one.
  absl::MutexLock lock(&seen_mu);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().signed_note, final_state->signed_note);
  for (size_t k = 0; k < seen.size(); ++k) {
    if (k > 0) {
      ASSERT_GT(seen[k].checkpoint.size, seen[k - 1].checkpoint.size);
    }
    ASSERT_OK_AND_ASSIGN(
        std::vector<Hash> proof,
        merkle::ConsistencyProof(seen[k].checkpoint.size,
                                 final_state->checkpoint.size,
                                 store_->hash_reader()));
    EXPECT_OK(merkle::VerifyConsistency(
        seen[k].checkpoint.size, final_state->checkpoint.size,
        seen[k].checkpoint.root, final_state->checkpoint.root, proof));
  }
}

TEST_F(SequencerTest, ReportsEveryBatch) {
  absl::Mutex mu;
  std::vector<BatchStats> batches;
  SequencerOptions options;
  options.on_batch = [&](const BatchStats& stats) {
    absl::MutexLock lock(&mu);
    batches.push_back(stats);
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer(options));
  for (int i = 0; i < 5; ++i) ASSERT_OK(AddAndWait(*sequencer, Leaf(i)).status());
  ASSERT_OK(AddAndWait(*sequencer, Leaf(2)).status());  // a duplicate
  sequencer->Stop();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(batches.size(), 6u);
  size_t appended = 0;
  for (const BatchStats& b : batches) {
    EXPECT_EQ(b.requests, 1u);
    EXPECT_GE(b.extend, b.commit);
    appended += b.appended;
  }
  EXPECT_EQ(appended, 5u);
  EXPECT_GT(batches[0].commit, absl::ZeroDuration());
  EXPECT_EQ(batches[5].appended, 0u);  // the duplicate signs and commits nothing
  EXPECT_EQ(batches[5].commit, absl::ZeroDuration());
}

TEST_F(SequencerTest, DeduplicatesWithinABatch) {
  SequencerOptions options;
  options.max_batch = 3;
  options.max_delay = absl::Seconds(5);  // the batch closes when 3 arrive
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer,
                       StartSequencer(options));
  std::vector<absl::StatusOr<AddResult>> results(3, absl::UnknownError(""));
  absl::BlockingCounter done(3);
  int k = 0;
  for (const std::string& leaf : {Leaf(1), Leaf(2), Leaf(1)}) {
    sequencer->Add(AddRequest{leaf, std::nullopt},
                   [&, k](absl::StatusOr<AddResult> r) {
                     results[k] = std::move(r);
                     done.DecrementCount();
                   });
    ++k;
  }
  done.Wait();
  for (const auto& r : results) ASSERT_OK(r);
  EXPECT_EQ(results[0]->index, 0u);
  EXPECT_FALSE(results[0]->duplicate);
  EXPECT_EQ(results[1]->index, 1u);
  EXPECT_FALSE(results[1]->duplicate);
  EXPECT_EQ(results[2]->index, 0u);
  EXPECT_TRUE(results[2]->duplicate);
  // One batch, one checkpoint of size 2, shared by all three.
  EXPECT_EQ(results[2]->state, results[0]->state);
  EXPECT_EQ(results[2]->state->checkpoint.size, 2u);
  EXPECT_EQ(store_->EntryCount(), 2u);
}

TEST_F(SequencerTest, DeduplicatesAgainstTheStoreAcrossRestarts) {
  std::string note_at_2;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
    ASSERT_OK(AddAndWait(*sequencer, Leaf(1)));
    ASSERT_OK(AddAndWait(*sequencer, Leaf(2)));
    note_at_2 = sequencer->Published()->signed_note;
    ASSERT_OK_AND_ASSIGN(AddResult again, AddAndWait(*sequencer, Leaf(1)));
    EXPECT_EQ(again.index, 0u);
    EXPECT_TRUE(again.duplicate);
    // A batch of duplicates signs nothing new.
    EXPECT_EQ(again.state->signed_note, note_at_2);
    ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
    EXPECT_EQ(stored->signed_note, note_at_2);
  }
  ReopenStore();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
  ASSERT_OK_AND_ASSIGN(AddResult dup, AddAndWait(*sequencer, Leaf(2)));
  EXPECT_EQ(dup.index, 1u);
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.state->signed_note, note_at_2);
  ASSERT_OK_AND_ASSIGN(AddResult fresh, AddAndWait(*sequencer, Leaf(3)));
  EXPECT_EQ(fresh.index, 2u);
  EXPECT_FALSE(fresh.duplicate);
}

TEST_F(SequencerTest, DeduplicatesByStatementIdentityInBatchAndStore) {
  SequencerOptions options;
  options.max_batch = 3;
  options.max_delay = absl::Seconds(5);  // the batch closes when 3 arrive
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer,
                       StartSequencer(options));
  const merkle::Hash id_a = merkle::Sha256("statement a");
  const merkle::Hash id_b = merkle::Sha256("statement b");
  // Two different leaves with one identity (other signature lines), then a
  // third leaf with another identity.
  std::vector<AddRequest> requests = {
      AddRequest{"a, vendor only", std::nullopt, id_a},
      AddRequest{"a, vendor and supervisor", std::nullopt, id_a},
      AddRequest{"b", std::nullopt, id_b}};
  std::vector<absl::StatusOr<AddResult>> results(3, absl::UnknownError(""));
  absl::BlockingCounter done(3);
  for (size_t k = 0; k < requests.size(); ++k) {
    sequencer->Add(std::move(requests[k]), [&, k](absl::StatusOr<AddResult> r) {
      results[k] = std::move(r);
      done.DecrementCount();
    });
  }
  done.Wait();
  for (const auto& r : results) ASSERT_OK(r);
  EXPECT_EQ(results[0]->index, 0u);
  EXPECT_FALSE(results[0]->duplicate);
  EXPECT_EQ(results[1]->index, 0u);
  EXPECT_TRUE(results[1]->duplicate);
  EXPECT_EQ(results[2]->index, 1u);
  EXPECT_FALSE(results[2]->duplicate);
  EXPECT_EQ(store_->EntryCount(), 2u);
  EXPECT_EQ(store_->StatementIndexCoverage(), 2u);
  ASSERT_OK_AND_ASSIGN(std::string stored, store_->GetEntry(0));
  EXPECT_EQ(stored, "a, vendor only");

  // Against the store, in a later batch (filled to 3 so it closes at once):
  // still the first entry.
  std::vector<absl::StatusOr<AddResult>> later(3, absl::UnknownError(""));
  absl::BlockingCounter later_done(3);
  std::vector<AddRequest> next = {AddRequest{"b, reordered", std::nullopt, id_b},
                                  AddRequest{"c1", std::nullopt, std::nullopt},
                                  AddRequest{"c2", std::nullopt, std::nullopt}};
  for (size_t k = 0; k < next.size(); ++k) {
    sequencer->Add(std::move(next[k]), [&, k](absl::StatusOr<AddResult> r) {
      later[k] = std::move(r);
      later_done.DecrementCount();
    });
  }
  later_done.Wait();
  ASSERT_OK(later[0]);
  EXPECT_EQ(later[0]->index, 1u);
  EXPECT_TRUE(later[0]->duplicate);
  EXPECT_EQ(store_->EntryCount(), 4u);
  // Entries without an identity stop the coverage (the server always
  // passes one).
  EXPECT_EQ(store_->StatementIndexCoverage(), 2u);
}

TEST_F(SequencerTest, RestartResumesWithTheStoredCheckpoint) {
  constexpr int kSize = 300;  // one full level-0 tile and partial tiles
  std::string note;
  Hash root;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
    for (int i = 0; i < kSize; ++i) {
      // Mixed batch sizes: a few synchronous adds, then bursts.
      if (i % 50 < 5) {
        ASSERT_OK(AddAndWait(*sequencer, Leaf(i)));
      } else {
        sequencer->Add(AddRequest{Leaf(i), std::nullopt},
                       [](absl::StatusOr<AddResult> r) { EXPECT_OK(r); });
      }
    }
    sequencer->Stop();
    EXPECT_THAT(sequencer->health(), StatusIs(absl::StatusCode::kUnavailable));
    ASSERT_EQ(sequencer->Published()->checkpoint.size, uint64_t{kSize});
    note = sequencer->Published()->signed_note;
    root = sequencer->Published()->checkpoint.root;
  }
  ReopenStore();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
  // Reused byte for byte, not signed again.
  EXPECT_EQ(sequencer->Published()->signed_note, note);
  EXPECT_EQ(sequencer->Published()->checkpoint.root, root);
  ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
  EXPECT_EQ(stored->signed_note, note);

  ASSERT_OK_AND_ASSIGN(AddResult next, AddAndWait(*sequencer, Leaf(kSize)));
  EXPECT_EQ(next.index, uint64_t{kSize});
  EXPECT_EQ(next.state->checkpoint.size, uint64_t{kSize + 1});
  for (int i : {0, 255, 256, 299, 300}) {
    ExpectIncluded(*next.state, i, Leaf(i));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                       merkle::ConsistencyProof(kSize, kSize + 1,
                                                store_->hash_reader()));
  EXPECT_OK(merkle::VerifyConsistency(kSize, kSize + 1, root,
                                      next.state->checkpoint.root, proof));
}

TEST_F(SequencerTest, AnotherLogsKeyIsRefused) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
    ASSERT_OK(AddAndWait(*sequencer, Leaf(0)));
  }
  // Same origin, another key.
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey same_name,
                       note::GenerateKey(kOrigin, note::SignatureType::kEd25519));
  // Another origin.
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey other,
                       note::GenerateKey("other.example/log",
                                         note::SignatureType::kEd25519));
  for (const note::GeneratedKey& key : {same_name, other}) {
    ASSERT_OK_AND_ASSIGN(auto signer, note::NewSigner(key.signer_key));
    ASSERT_OK_AND_ASSIGN(auto verifier, note::NewVerifier(key.verifier_key));
    EXPECT_THAT(Sequencer::Start(store_.get(), std::move(signer),
                                 std::move(verifier), {}),
                StatusIs(absl::StatusCode::kFailedPrecondition, "log"));
  }
  // A verifier that is not the signer's public half.
  ASSERT_OK_AND_ASSIGN(auto signer, note::NewSigner(key_.signer_key));
  ASSERT_OK_AND_ASSIGN(auto verifier, note::NewVerifier(other.verifier_key));
  EXPECT_THAT(Sequencer::Start(store_.get(), std::move(signer),
                               std::move(verifier), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "public half"));
}

TEST_F(SequencerTest, AFullQueueIsResourceExhausted) {
  auto gate = std::make_shared<Gate>();
  ASSERT_OK_AND_ASSIGN(auto inner, note::NewSigner(key_.signer_key));
  SequencerOptions options;
  options.max_batch = 1;
  options.max_queue = 2;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Sequencer> sequencer,
      StartSequencer(options, std::make_unique<GatedSigner>(std::move(inner), gate)));
  gate->Close();
  absl::BlockingCounter done(3);
  std::vector<absl::StatusOr<AddResult>> results(3, absl::UnknownError(""));
  auto add = [&](int i) {
    sequencer->Add(AddRequest{Leaf(i), std::nullopt},
                   [&, i](absl::StatusOr<AddResult> r) {
                     results[i] = std::move(r);
                     done.DecrementCount();
                   });
  };
  add(0);
  ASSERT_TRUE(gate->WaitForWaiter(absl::Seconds(10)));  // batch 0 is signing
  add(1);
  add(2);  // the queue is now full
  bool refused = false;
  sequencer->Add(AddRequest{Leaf(3), std::nullopt}, [&](absl::StatusOr<AddResult> r) {
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kResourceExhausted, "queue is full"));
    refused = true;
  });
  EXPECT_TRUE(refused);  // reported before Add returned
  gate->Open();
  done.Wait();
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_OK(results[i]);
    EXPECT_EQ(results[i]->index, i);
  }
}

TEST_F(SequencerTest, StopDrainsTheQueueAndRefusesLaterAdds) {
  auto gate = std::make_shared<Gate>();
  ASSERT_OK_AND_ASSIGN(auto inner, note::NewSigner(key_.signer_key));
  SequencerOptions options;
  options.max_batch = 2;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Sequencer> sequencer,
      StartSequencer(options, std::make_unique<GatedSigner>(std::move(inner), gate)));
  gate->Close();
  constexpr int kQueued = 7;
  absl::Mutex mu;
  std::vector<uint64_t> indexes;
  for (int i = 0; i < kQueued; ++i) {
    sequencer->Add(AddRequest{Leaf(i), std::nullopt},
                   [&](absl::StatusOr<AddResult> r) {
                     ASSERT_OK(r);
                     absl::MutexLock lock(&mu);
                     indexes.push_back(r->index);
                   });
    if (i == 0) {
      ASSERT_TRUE(gate->WaitForWaiter(absl::Seconds(10)));  // batch 0 signing
    }
  }
  std::thread stopper([&] { sequencer->Stop(); });
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (sequencer->health().ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_THAT(sequencer->health(), StatusIs(absl::StatusCode::kUnavailable));
  bool refused = false;
  sequencer->Add(AddRequest{Leaf(99), std::nullopt}, [&](absl::StatusOr<AddResult> r) {
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable, "stopped"));
    refused = true;
  });
  EXPECT_TRUE(refused);
  gate->Open();
  stopper.join();
  sequencer->Stop();  // idempotent

  absl::MutexLock lock(&mu);
  std::sort(indexes.begin(), indexes.end());
  ASSERT_EQ(indexes.size(), size_t{kQueued});
  for (uint64_t i = 0; i < kQueued; ++i) {
    EXPECT_EQ(indexes[i], i);
  }
  ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
  EXPECT_EQ(stored->size, uint64_t{kQueued});
}

}  // namespace
}  // namespace vitrine::sequencer

namespace vitrine::sequencer {
namespace {

// An HSM that fails after startup: the batch it fails commits nothing and
// is answered Unavailable with the reason, later Adds get the same error
// (no entry is ever committed or published unsigned), reads keep the last
// published state, and writes resume by themselves once the key signs.
TEST_F(SequencerTest, ASigningFailureStopsWritesUntilTheKeySignsAgain) {
  ASSERT_OK_AND_ASSIGN(auto inner, note::NewSigner(key_.signer_key));
  auto signer = std::make_unique<BreakableSigner>(std::move(inner));
  std::shared_ptr<std::atomic<bool>> broken = signer->broken();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer,
                       StartSequencer({}, std::move(signer)));
  ASSERT_OK_AND_ASSIGN(AddResult first, AddAndWait(*sequencer, Leaf(0)));
  EXPECT_EQ(first.index, 0u);
  const std::shared_ptr<const PublishedState> before = sequencer->Published();

  broken->store(true);
  const std::string why =
      "the log key cannot sign tree size 2; nothing committed: token removed";
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(1)),
              StatusIs(absl::StatusCode::kUnavailable, why));
  EXPECT_THAT(sequencer->health(), StatusIs(absl::StatusCode::kUnavailable, why));
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(2)),
              StatusIs(absl::StatusCode::kUnavailable, why));
  // Reads: the state published before the failure, unchanged in the store.
  EXPECT_EQ(sequencer->Published(), before);
  ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->size, 1u);
  EXPECT_EQ(stored->signed_note, before->signed_note);
  ASSERT_OK_AND_ASSIGN(std::vector<std::optional<uint64_t>> found,
                       store_->FindLeaves({merkle::HashLeaf(Leaf(1))}));
  EXPECT_EQ(found, std::vector<std::optional<uint64_t>>{std::nullopt});

  // Still broken a second later: the probe fails, writes stay stopped.
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(3)),
              StatusIs(absl::StatusCode::kUnavailable, why));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_THAT(sequencer->health(), StatusIs(absl::StatusCode::kUnavailable, why));

  // The token is back: the next Add a second later asks for the probe
  // (and is itself refused); writes then resume at the next index.
  broken->store(false);
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(4)),
              StatusIs(absl::StatusCode::kUnavailable, why));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!sequencer->health().ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_OK(sequencer->health());
  ASSERT_OK_AND_ASSIGN(AddResult resumed, AddAndWait(*sequencer, Leaf(1)));
  EXPECT_EQ(resumed.index, 1u);
  EXPECT_EQ(resumed.state->checkpoint.size, 2u);
  ExpectIncluded(*resumed.state, 1, Leaf(1));
}

}  // namespace
}  // namespace vitrine::sequencer

namespace vitrine::sequencer {
namespace {

// A signer that answers signatures that do not verify while `corrupt` is
// set (a faulty token), and good ones otherwise.
class CorruptingSigner : public note::Signer {
 public:
  CorruptingSigner(std::unique_ptr<note::Signer> inner,
                   std::shared_ptr<std::atomic<bool>> corrupt)
      : inner_(std::move(inner)), corrupt_(std::move(corrupt)) {}
  std::string Name() const override { return inner_->Name(); }
  uint32_t KeyId() const override { return inner_->KeyId(); }
  note::SignatureType Type() const override { return inner_->Type(); }
  absl::StatusOr<std::string> Sign(absl::string_view text) const override {
    absl::StatusOr<std::string> signature = inner_->Sign(text);
    if (signature.ok() && corrupt_->load()) (*signature)[0] ^= 1;
    return signature;
  }

 private:
  std::unique_ptr<note::Signer> inner_;
  std::shared_ptr<std::atomic<bool>> corrupt_;
};

// A signature that does not verify stops writes as a failing key does
// (Internal, nothing committed, later Adds refused the same way) and, once
// the probe signature verifies again, writes resume.
TEST_F(SequencerTest, ABadSignatureStopsWritesUntilTheKeySignsAgain) {
  auto corrupt = std::make_shared<std::atomic<bool>>(false);
  ASSERT_OK_AND_ASSIGN(auto inner, note::NewSigner(key_.signer_key));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Sequencer> sequencer,
      StartSequencer({}, std::make_unique<CorruptingSigner>(std::move(inner), corrupt)));
  ASSERT_OK_AND_ASSIGN(AddResult first, AddAndWait(*sequencer, Leaf(0)));
  EXPECT_EQ(first.index, 0u);
  const std::shared_ptr<const PublishedState> before = sequencer->Published();

  corrupt->store(true);
  const std::string why =
      "the log key's signature of tree size 2 does not verify; nothing committed";
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(1)), StatusIs(absl::StatusCode::kInternal, why));
  EXPECT_THAT(sequencer->health(), StatusIs(absl::StatusCode::kInternal, why));
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(2)), StatusIs(absl::StatusCode::kInternal, why));
  EXPECT_EQ(sequencer->Published(), before);
  ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->size, 1u);

  // Still faulty a second later: the probe's signature does not verify.
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(3)), StatusIs(absl::StatusCode::kInternal, why));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_THAT(sequencer->health(), StatusIs(absl::StatusCode::kInternal, why));

  corrupt->store(false);
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(4)), StatusIs(absl::StatusCode::kInternal, why));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!sequencer->health().ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_OK(sequencer->health());
  ASSERT_OK_AND_ASSIGN(AddResult resumed, AddAndWait(*sequencer, Leaf(1)));
  EXPECT_EQ(resumed.index, 1u);
  EXPECT_EQ(resumed.state->checkpoint.size, 2u);
  ExpectIncluded(*resumed.state, 1, Leaf(1));
}

}  // namespace
}  // namespace vitrine::sequencer

namespace vitrine::sequencer {
namespace {

// While the key cannot sign, Adds are refused without touching it: a
// stream of Adds makes the sequencer probe the key at most once a second.
TEST_F(SequencerTest, AddsAgainstAFailedKeyProbeItAtMostOnceASecond) {
  ASSERT_OK_AND_ASSIGN(auto inner, note::NewSigner(key_.signer_key));
  auto signer = std::make_unique<BreakableSigner>(std::move(inner));
  std::shared_ptr<std::atomic<bool>> broken = signer->broken();
  std::shared_ptr<const std::atomic<int>> calls = signer->calls();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer,
                       StartSequencer({}, std::move(signer)));
  ASSERT_OK(AddAndWait(*sequencer, Leaf(0)).status());

  broken->store(true);
  const int before = calls->load();
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(1)), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(calls->load(), before + 1);  // the batch's own signature
  // 1.5 s of refused Adds: the first asks for a probe at once, the first
  // one a second later for another; no other signature is attempted.
  const absl::Time start = absl::Now();
  int refused = 0;
  while (absl::Now() - start < absl::Milliseconds(1500)) {
    EXPECT_THAT(AddAndWait(*sequencer, Leaf(2)), StatusIs(absl::StatusCode::kUnavailable));
    ++refused;
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_GT(refused, 100);
  absl::SleepFor(absl::Milliseconds(100));  // let a requested probe finish
  EXPECT_EQ(calls->load(), before + 3);
}

}  // namespace
}  // namespace vitrine::sequencer
