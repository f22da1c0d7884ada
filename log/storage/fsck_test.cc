// vitrine-log fsck's check on a real store: clean after real appends, and
// each column family damaged in a copy (a value changed whole, so RocksDB's
// checksums pass; a key lost; a byte flipped in a table file) is reported
// with its location.
#include "log/storage/fsck.h"

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/entry_digests.h"
#include "log/note/keys.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/note/statement_admission.h"
#include "log/sequencer/sequencer.h"
#include "log/sequencer/sequencer_testing.h"
#include "log/storage/internal/db.h"
#include "log/storage/internal/keys.h"
#include "rocksdb/db.h"

namespace vitrine::storage {
namespace {

using internal::Cf;
using sequencer::testing::kOrigin;

constexpr uint64_t kStatements = 600;
constexpr uint64_t kOtherLeaves = 10;
constexpr uint64_t kRebuildIndex = kStatements - 1;

note::RebuildStatement RebuildAt(uint64_t i) {
  return note::RebuildStatement{"rebuild.example.org", "example.com/vendor",
                                absl::StrCat("tool-", i - 1), "1.0",
                                "https://git.example.com/tool",
                                merkle::HashLeaf(absl::StrCat("rebuilt ", i))};
}

class FsckTest : public sequencer::testing::SequencerFixture {
 protected:
  void SetUp() override {
    SequencerFixture::SetUp();
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<sequencer::Sequencer> sequencer,
                         StartSequencer());
    const note::GeneratedKey vendor =
        note::GenerateKey("example.com/vendor", note::SignatureType::kEd25519)
            .value();
    const std::unique_ptr<note::Signer> signer =
        note::NewSigner(vendor.signer_key).value();
    const std::unique_ptr<note::Signer> rebuilder =
        note::NewSigner(note::GenerateKey(RebuildAt(0).rebuilder,
                                          note::SignatureType::kEd25519)
                            .value()
                            .signer_key)
            .value();
    for (uint64_t i = 0; i < kStatements + kOtherLeaves; ++i) {
      sequencer::AddRequest request;
      if (i == kRebuildIndex) {
        // One rebuild statement: found under what it produced and under
        // its release's key (note/entry_digests.h).
        const note::RebuildStatement rebuild = RebuildAt(i);
        request.leaf = note::SignRebuildStatement(rebuild, *rebuilder).value();
        request.artifact_digest = rebuild.sha256;
        request.release_key = note::ReleaseKey(rebuild);
        request.statement_id = note::StatementId(
            note::ParseNote(request.leaf, note::StatementNoteLimits())->text);
      } else if (i < kStatements) {
        note::Statement statement{"example.com/vendor",
                                  absl::StrCat("tool-", i), "1.0",
                                  merkle::HashLeaf(absl::StrCat(i)),
                                  std::nullopt};
        request.leaf = note::SignStatement(statement, *signer).value();
        request.artifact_digest = statement.sha256;
        request.vendor_key = note::VendorKey(statement.vendor);
        request.statement_id = note::StatementId(
            note::ParseNote(request.leaf, note::StatementNoteLimits())->text);
      } else {
        request.leaf = absl::StrCat("not a note ", i);
      }
      std::promise<absl::StatusOr<sequencer::AddResult>> done;
      sequencer->Add(std::move(request),
                     [&done](absl::StatusOr<sequencer::AddResult> r) {
                       done.set_value(std::move(r));
                     });
      ASSERT_OK(done.get_future().get().status());
    }
    sequencer->Stop();
    sequencer.reset();
    ASSERT_OK(store_->Flush());  // most of it in table files
    CloseStore();
  }

  // A copy of the store, damaged by `damage` through RocksDB.
  std::string DamagedCopy(const std::function<void(internal::Db&)>& damage) {
    const std::string copy = absl::StrCat(path_, "-copy-", ++copies_);
    std::filesystem::copy(path_, copy,
                          std::filesystem::copy_options::recursive);
    StoreOptions options;
    options.path = copy;
    options.create_if_missing = false;
    absl::StatusOr<std::unique_ptr<internal::Db>> db = internal::OpenDb(options);
    EXPECT_OK(db.status());
    if (db.ok()) damage(**db);
    return copy;
  }

  // Changes the value at `key` of `family` by flipping its byte `at`.
  static void FlipValue(internal::Db& db, Cf family, const std::string& key,
                        size_t at = 0) {
    std::string value;
    ASSERT_TRUE(db.db->Get(rocksdb::ReadOptions(), db.cf(family), key, &value)
                    .ok());
    ASSERT_LT(at, value.size());
    value[at] = static_cast<char>(value[at] ^ 0x01);
    ASSERT_TRUE(
        db.db->Put(rocksdb::WriteOptions(), db.cf(family), key, value).ok());
  }

  // Fsck's problems, one per line.
  std::string Problems(const std::string& path) {
    absl::StatusOr<FsckReport> report = Fsck(path, kOrigin, log_keys_);
    EXPECT_OK(report.status());
    return report.ok() ? absl::StrJoin(report->problems, "\n") : "";
  }

  int copies_ = 0;
};

TEST_F(FsckTest, ACleanStoreHasNoProblems) {
  std::vector<uint64_t> progress;
  ASSERT_OK_AND_ASSIGN(
      FsckReport report,
      Fsck(path_, kOrigin, log_keys_,
           [&](uint64_t done, uint64_t) { progress.push_back(done); }));
  EXPECT_EQ(absl::StrJoin(report.problems, "\n"), "");
  EXPECT_EQ(report.entries, kStatements + kOtherLeaves);
  EXPECT_EQ(report.tiles_checked, 4u);  // 2 full, 2 partial (levels 0, 1)
  EXPECT_EQ(report.checkpoints_checked, kStatements + kOtherLeaves + 1);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), kStatements + kOtherLeaves);
}

TEST_F(FsckTest, EachDamagedFamilyIsReportedWithItsLocation) {
  struct Case {
    std::string name;
    std::function<void(internal::Db&)> damage;
    std::string want;  // a substring of the report
  };
  const std::vector<Case> cases = {
      {"entry", [](internal::Db& db) { FlipValue(db, Cf::kEntries, internal::IndexKey(17), 40); },
       "leaf index: entry 17's leaf hash maps to nothing"},
      {"full tile", [](internal::Db& db) { FlipValue(db, Cf::kTiles, internal::TileKey(0, 1), 100); },
       "tile 0/1: the stored hashes differ from the entries'"},
      {"partial tile", [](internal::Db& db) { FlipValue(db, Cf::kTiles, internal::TileKey(0, 2)); },
       "tile 0/2 (width 98): the stored hashes differ"},
      {"interior", [](internal::Db& db) { FlipValue(db, Cf::kTileInteriors, internal::TileKey(0, 0), 64); },
       "tile 0/0: the stored interior differs"},
      {"leaf index", [](internal::Db& db) {
         FlipValue(db, Cf::kLeafIndex,
                   std::string(merkle::HashLeaf("not a note 605").AsStringView()), 7);
       }, "leaf index: entry 605's leaf hash maps to 604"},
      {"checkpoint", [](internal::Db& db) { FlipValue(db, Cf::kCheckpoints, internal::IndexKey(300), 20); },
       "checkpoint 300: "},
      {"digest index", [](internal::Db& db) {
         const std::string key = internal::DigestKey(merkle::HashLeaf("42"), 42);
         ASSERT_TRUE(db.db->Delete(rocksdb::WriteOptions(), db.cf(Cf::kDigestIndex), key).ok());
       }, "digest index: entry 42's artifact digest or release key is missing"},
      {"release key", [](internal::Db& db) {
         const std::string key = internal::DigestKey(
             note::ReleaseKey(RebuildAt(kRebuildIndex)), kRebuildIndex);
         ASSERT_TRUE(db.db->Delete(rocksdb::WriteOptions(), db.cf(Cf::kDigestIndex), key).ok());
       }, "digest index: entry 599's artifact digest or release key is missing"},
      {"vendor index, a key lost", [](internal::Db& db) {
         const std::string key =
             internal::DigestKey(note::VendorKey("example.com/vendor"), 42);
         ASSERT_TRUE(db.db->Delete(rocksdb::WriteOptions(), db.cf(Cf::kVendorIndex), key).ok());
       }, "vendor index: entry 42's release is not listed under its vendor"},
      {"vendor index, a key too many", [](internal::Db& db) {
         // The rebuild statement at 599 listed as if it were a release.
         const std::string key =
             internal::DigestKey(note::VendorKey("example.com/vendor"), kRebuildIndex);
         ASSERT_TRUE(db.db->Put(rocksdb::WriteOptions(), db.cf(Cf::kVendorIndex), key, "").ok());
       }, "vendor index: 600 keys below its coverage 610; the entries want 599 "
          "(a vendor key for each release)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string problems = Problems(DamagedCopy(c.damage));
    EXPECT_TRUE(absl::StrContains(problems, c.want)) << problems;
  }
}

TEST_F(FsckTest, AFlippedByteInATableFileIsCorruptionNotACrash) {
  const std::string copy = DamagedCopy([](internal::Db&) {});
  // Flip a byte in the middle of the largest table file (the entries).
  std::string largest;
  uintmax_t size = 0;
  for (const auto& file : std::filesystem::directory_iterator(copy)) {
    if (file.path().extension() == ".sst" && file.file_size() > size) {
      size = file.file_size();
      largest = file.path().string();
    }
  }
  ASSERT_FALSE(largest.empty());
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(size / 2));
    char byte = 0;
    f.read(&byte, 1);
    f.seekp(static_cast<std::streamoff>(size / 2));
    byte = static_cast<char>(byte ^ 0x10);
    f.write(&byte, 1);
  }
  absl::StatusOr<FsckReport> report = Fsck(copy, kOrigin, log_keys_);
  if (!report.ok()) {
    // Opening may already see it: then it says so, as DataLoss.
    EXPECT_EQ(report.status().code(), absl::StatusCode::kDataLoss)
        << report.status();
    return;
  }
  EXPECT_TRUE(absl::StrContains(absl::StrJoin(report->problems, "\n"),
                                "Corruption"))
      << absl::StrJoin(report->problems, "\n");
}

}  // namespace
}  // namespace vitrine::storage
