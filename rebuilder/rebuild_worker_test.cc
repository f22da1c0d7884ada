// The worker over entries held in memory, with real recipes (/bin/sh), a
// real progress store and report files, and a submitter whose Add is
// scripted (the submitter's own test talks to a real log).
#include "rebuilder/rebuild_worker.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/note/vendor_keys.h"
#include "proto/vitrine/v1/bundle.pb.h"

namespace vitrine::rebuilder {
namespace {

constexpr char kSource[] = "https://git.example.com/acme/cli";

class MemoryEntries : public EntrySource {
 public:
  void Append(std::string leaf) {
    absl::MutexLock lock(&mu_);
    leaves_.push_back(std::move(leaf));
  }
  uint64_t VerifiedSize() const override {
    absl::MutexLock lock(&mu_);
    return leaves_.size();
  }
  absl::StatusOr<std::vector<std::string>> Entries(uint64_t begin, uint64_t end) const override {
    absl::MutexLock lock(&mu_);
    return std::vector<std::string>(leaves_.begin() + begin, leaves_.begin() + end);
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> leaves_;
};

struct Key {
  std::string vkey;
  std::unique_ptr<note::Signer> signer;
};

Key MakeKey(const std::string& name) {
  absl::StatusOr<note::GeneratedKey> key = note::GenerateKey(name, note::SignatureType::kEd25519);
  EXPECT_OK(key);
  absl::StatusOr<std::unique_ptr<note::Signer>> signer = note::NewSigner(key->signer_key);
  EXPECT_OK(signer);
  return Key{key->verifier_key, std::move(*signer)};
}

// The file's content; "" when it cannot be read.
std::string ReadAll(const std::string& path) {
  return ReadSmallFile(path, 1 << 20).value_or("");
}

class RebuildWorkerTest : public ::testing::Test {
 protected:
  RebuildWorkerTest()
      : acme_(MakeKey("example.com/acme")),
        other_(MakeKey("example.org/tools")),
        forger_(MakeKey("example.com/acme")),
        rebuilder_(MakeKey("rebuild.test/r1")) {}

  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp == nullptr ? "/tmp" : tmp, "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_OK(MakeDirs(dir_, 0700));
    ASSERT_OK_AND_ASSIGN(keys_, note::ParseVendorKeys(acme_.vkey + "\n" + other_.vkey + "\n"));
    ASSERT_OK_AND_ASSIGN(mismatches_, ReportFile::Open(dir_ + "/mismatches.jsonl"));
    ASSERT_OK_AND_ASSIGN(failures_, ReportFile::Open(dir_ + "/failures.jsonl"));
    OpenState();
  }

  void TearDown() override {
    if (worker_ != nullptr) worker_->Stop();
  }

  // (Re)opens the store and a submitter on it, as a restart does.
  void OpenState() {
    worker_.reset();
    submitter_.reset();
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, ProgressStore::Open(dir_ + "/state"));
    SubmitterOptions options;
    options.log_to_stderr = false;
    options.batch_delay = absl::Milliseconds(10);
    ASSERT_OK_AND_ASSIGN(submitter_, Submitter::Create(options, store_.get(), AcceptAll()));
  }

  static AddFunction AcceptAll() {
    return [](absl::Span<const std::string> notes) {
      std::vector<client::AddOutcome> outcomes(notes.size());
      for (size_t i = 0; i < notes.size(); ++i) {
        vitrine::v1::Bundle bundle;
        bundle.set_leaf_index(1000 + i);
        outcomes[i].bundle = bundle;
      }
      return absl::StatusOr<std::vector<client::AddOutcome>>(std::move(outcomes));
    };
  }

  // Starts a worker: the recipe records each build in builds.txt, fails
  // for version "fail", sleeps while the file "hold" exists, and builds
  // an artifact holding the version.
  void StartWorker(size_t max_pending = 1000) {
    RecipeRunnerOptions recipe;
    recipe.recipe = absl::StrCat(
        "echo \"$VITRINE_VERSION\" >> ", dir_, "/builds.txt; ",
        "[ \"$VITRINE_VERSION\" = fail ] && { echo broken >&2; exit 4; }; ",
        "while [ -e ", dir_, "/hold ]; do sleep 0.02; done; ",
        "printf %s \"$VITRINE_VERSION\" > \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"");
    runner_ = std::make_unique<RecipeRunner>(recipe);
    RebuildWorkerOptions options;
    options.origin = "example.com/log";
    options.vendors = {"example.com/acme"};
    options.work_dir = dir_ + "/work";
    options.build_log_dir = dir_ + "/logs";
    options.max_pending = max_pending;
    options.idle_wait = absl::Milliseconds(20);
    options.log_to_stderr = false;
    RebuildWorkerParts parts;
    parts.entries = &entries_;
    parts.runner = runner_.get();
    parts.signer = rebuilder_.signer.get();
    parts.store = store_.get();
    parts.submitter = submitter_.get();
    parts.mismatches = mismatches_.get();
    parts.failures = failures_.get();
    worker_ = std::make_unique<RebuildWorker>(options, parts, keys_);
    worker_->Start();
  }

  // A release by `key`'s vendor whose digest is that of an artifact
  // holding `claimed` (the recipe builds one holding the version).
  static std::string Release(const Key& key, const std::string& version,
                             const std::string& claimed, bool with_source = true) {
    note::Statement release;
    release.vendor = key.signer->Name();
    release.artifact = "acme-cli.tar.gz";
    release.version = version;
    release.sha256 = merkle::Sha256(claimed);
    if (with_source) release.source = kSource;
    absl::StatusOr<std::string> signed_note = note::SignStatement(release, *key.signer);
    EXPECT_OK(signed_note);
    return *signed_note;
  }

  bool WaitForCursor(uint64_t cursor) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (store_->cursor() < cursor && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return store_->cursor() >= cursor;
  }

  // The produced digest of a pending or done record.
  merkle::Hash Produced(uint64_t index) {
    absl::StatusOr<std::optional<ReleaseRecord>> record = store_->Get(index);
    EXPECT_TRUE(record.ok() && record->has_value());
    if (!record.ok() || !record->has_value()) return merkle::Hash();
    note::VerifierSet rebuilders;
    EXPECT_OK(rebuilders.Add(std::move(*note::NewVerifier(rebuilder_.vkey))));
    absl::StatusOr<note::VerifiedRebuildStatement> verified =
        note::VerifyRebuildStatement((*record)->note, rebuilders);
    EXPECT_OK(verified);
    if (!verified.ok()) return merkle::Hash();
    EXPECT_EQ(verified->statement.rebuilder, "rebuild.test/r1");
    EXPECT_EQ(verified->statement.source, kSource);
    return verified->statement.sha256;
  }

  std::string dir_;
  Key acme_, other_, forger_, rebuilder_;
  std::shared_ptr<const note::VendorKeys> keys_;
  MemoryEntries entries_;
  std::unique_ptr<ReportFile> mismatches_;
  std::unique_ptr<ReportFile> failures_;
  std::unique_ptr<ProgressStore> store_;
  std::unique_ptr<Submitter> submitter_;
  std::unique_ptr<RecipeRunner> runner_;
  std::unique_ptr<RebuildWorker> worker_;
};

TEST_F(RebuildWorkerTest, RebuildsItsVendorsSignedReleasesThatNameASource) {
  entries_.Append(Release(acme_, "1.0", "1.0"));                   // 0: match
  entries_.Append(Release(other_, "1.0", "1.0"));                  // 1: not its vendor
  entries_.Append(Release(acme_, "1.1", "1.1", false));            // 2: no source
  entries_.Append(Release(forger_, "1.2", "1.2"));                 // 3: forged
  const note::RebuildStatement rebuild{"rebuild.test/r1", "example.com/acme",
                                       "acme-cli.tar.gz", "1.0", kSource, merkle::Sha256("1.0")};
  ASSERT_OK_AND_ASSIGN(std::string rebuild_note,
                       note::SignRebuildStatement(rebuild, *rebuilder_.signer));
  entries_.Append(rebuild_note);                                   // 4: a rebuild
  entries_.Append(Release(acme_, "2.0", "tampered"));              // 5: mismatch
  entries_.Append(Release(acme_, "fail", "fail"));                 // 6: recipe fails
  entries_.Append("not a note");                                   // 7
  StartWorker();
  worker_->Notify();
  ASSERT_TRUE(WaitForCursor(8));
  worker_->Stop();

  const RebuildWorkerStats stats = worker_->stats();
  EXPECT_EQ(stats.releases_seen, 3u);
  EXPECT_EQ(stats.matches, 1u);
  EXPECT_EQ(stats.mismatches, 1u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.timed_out, 0u);
  EXPECT_EQ(stats.skipped_no_source, 1u);
  EXPECT_EQ(stats.skipped_unverified, 1u);
  EXPECT_EQ(stats.last_error, "");
  EXPECT_EQ(ReadAll(dir_ + "/builds.txt"), "1.0\n2.0\nfail\n");

  EXPECT_EQ(Produced(0), merkle::Sha256("1.0"));
  EXPECT_EQ(Produced(5), merkle::Sha256("2.0"));  // logged, mismatch or not
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> failed, store_->Get(6));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->state, ReleaseState::kFailed);
  EXPECT_EQ(failed->reason, "exit status 4");
  for (uint64_t skipped : {1, 2, 3, 4, 7}) {
    ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> none, store_->Get(skipped));
    EXPECT_FALSE(none.has_value()) << skipped;
  }
  EXPECT_EQ(submitter_->stats().pending, 2u);

  note::Statement tampered;
  tampered.vendor = "example.com/acme";
  tampered.artifact = "acme-cli.tar.gz";
  tampered.version = "2.0";
  tampered.sha256 = merkle::Sha256("tampered");
  tampered.source = kSource;
  EXPECT_EQ(ReadAll(dir_ + "/mismatches.jsonl"),
            FormatMismatchLine("example.com/log", 5, tampered, merkle::Sha256("2.0"),
                               dir_ + "/logs/5.log"));
  const std::string failures = ReadAll(dir_ + "/failures.jsonl");
  EXPECT_NE(failures.find("\"release_index\":6,"), std::string::npos) << failures;
  EXPECT_NE(failures.find("\"outcome\":\"failed\",\"reason\":\"exit status 4\""),
            std::string::npos)
      << failures;
  EXPECT_NE(ReadAll(dir_ + "/logs/6.log").find("broken\n"), std::string::npos);
  // A matching build's folder goes; the others stay for inspection.
  EXPECT_FALSE(PathExists(dir_ + "/work/0"));
  EXPECT_TRUE(PathExists(dir_ + "/work/5/output/acme-cli.tar.gz"));
  EXPECT_TRUE(PathExists(dir_ + "/work/6"));
}

TEST_F(RebuildWorkerTest, ARestartBuildsOnlyWhatItNeverRecorded) {
  entries_.Append(Release(acme_, "1.0", "1.0"));
  entries_.Append(Release(acme_, "fail", "fail"));
  StartWorker();
  worker_->Notify();
  ASSERT_TRUE(WaitForCursor(2));
  worker_->Stop();

  OpenState();
  EXPECT_EQ(submitter_->stats().pending, 1u);  // release 0's statement, resent
  entries_.Append(Release(acme_, "3.0", "3.0"));
  StartWorker();
  worker_->Notify();
  ASSERT_TRUE(WaitForCursor(3));
  worker_->Stop();
  EXPECT_EQ(ReadAll(dir_ + "/builds.txt"), "1.0\nfail\n3.0\n");
  EXPECT_EQ(submitter_->stats().pending, 2u);
}

TEST_F(RebuildWorkerTest, AStopMidBuildLeavesTheReleaseToBeBuiltAgain) {
  ASSERT_OK(WriteFileAtomically(dir_ + "/hold", "", 0644));
  entries_.Append(Release(acme_, "1.0", "1.0"));
  StartWorker();
  worker_->Notify();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  // Until the recipe runs (it records itself first).
  while (ReadAll(dir_ + "/builds.txt").empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(worker_->stats().building, std::optional<uint64_t>(0));
  const absl::Time stopping = absl::Now();
  worker_->Stop();
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(5));
  EXPECT_EQ(store_->cursor(), 0u);
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> none, store_->Get(0));
  EXPECT_FALSE(none.has_value());

  ASSERT_EQ(std::remove((dir_ + "/hold").c_str()), 0);
  OpenState();
  StartWorker();
  worker_->Notify();
  ASSERT_TRUE(WaitForCursor(1));
  worker_->Stop();
  EXPECT_EQ(Produced(0), merkle::Sha256("1.0"));
  EXPECT_EQ(ReadAll(dir_ + "/builds.txt"), "1.0\n1.0\n");
}

TEST_F(RebuildWorkerTest, NoBuildStartsWhileTooManyStatementsWait) {
  entries_.Append(Release(acme_, "1.0", "1.0"));
  entries_.Append(Release(acme_, "2.0", "2.0"));
  StartWorker(/*max_pending=*/1);
  worker_->Notify();
  ASSERT_TRUE(WaitForCursor(1));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(store_->cursor(), 1u);
  EXPECT_EQ(worker_->stats().matches, 1u);
  ASSERT_OK(submitter_->Flush());  // the log answered: room again
  ASSERT_TRUE(WaitForCursor(2));
  worker_->Stop();
  EXPECT_EQ(worker_->stats().matches, 2u);
}

}  // namespace
}  // namespace vitrine::rebuilder
