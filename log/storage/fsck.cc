#include "log/storage/fsck.h"

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/note/checkpoint.h"
#include "log/note/entry_digests.h"
#include "log/note/statement.h"
#include "log/note/statement_admission.h"
#include "log/sequencer/tile_edge.h"
#include "log/storage/internal/db.h"
#include "log/storage/internal/keys.h"
#include "log/storage/internal/rocksdb_status.h"
#include "log/storage/store.h"
#include "rocksdb/db.h"

namespace vitrine::storage {
namespace {

using internal::Cf;
using internal::Db;
using internal::DecodeIndexKey;
using internal::IndexKey;
using internal::ToSlice;
using internal::ToView;
using merkle::Hash;

// Entries whose index lookups go to RocksDB in one MultiGet each.
constexpr size_t kChunk = 1024;

const char* FamilyName(Cf family) {
  switch (family) {
    case Cf::kEntries: return "entries";
    case Cf::kTiles: return "tiles";
    case Cf::kLeafIndex: return "leaf index";
    case Cf::kDigestIndex: return "digest index";
    case Cf::kCheckpoints: return "checkpoints";
    case Cf::kTileInteriors: return "tile interiors";
    case Cf::kWitnessed: return "witnessed checkpoint";
    case Cf::kStatementIndex: return "statement index";
    case Cf::kVendorIndex: return "vendor index";
    case Cf::kCount: break;
  }
  return "?";
}

// What one entry names in the indexes.
struct EntryKeys {
  uint64_t index = 0;
  Hash leaf_hash;
  std::optional<Hash> statement_id;  // the entry is a note
  note::EntryDigests digests;        // ... holding a release or rebuild
};

EntryKeys KeysOf(uint64_t index, absl::string_view leaf) {
  EntryKeys keys;
  keys.index = index;
  keys.leaf_hash = merkle::HashLeaf(leaf);
  absl::StatusOr<note::Note> parsed =
      note::ParseNote(leaf, note::StatementNoteLimits());
  if (!parsed.ok()) return keys;
  keys.statement_id = note::StatementId(parsed->text);
  keys.digests = note::DigestsOfText(parsed->text);
  return keys;
}

class Checker {
 public:
  Checker(const Db& db, absl::string_view origin,
          const note::VerifierSet& log_keys, const FsckProgress& progress)
      : db_(db), origin_(origin), log_keys_(log_keys), progress_(progress) {}

  absl::StatusOr<FsckReport> Run() {
    CheckCheckpoints();
    VITRINE_ASSIGN_OR_RETURN(coverage_, internal::ReadStatementCoverage(db_));
    VITRINE_ASSIGN_OR_RETURN(vendor_coverage_, internal::ReadVendorCoverage(db_));
    CheckEntries();
    CheckWitnessed();
    CountKeys(Cf::kLeafIndex, leaf_keys_, "a leaf hash for each entry");
    CountKeys(Cf::kDigestIndex, digest_keys_,
              "an (artifact digest, index) for each statement and a (release key, "
              "index) for each rebuild statement");
    CountKeys(Cf::kTiles, expected_tiles_, "the tiles of the tree");
    CountVendorKeys();
    return std::move(report_);
  }

 private:
  void Problem(std::string problem) {
    if (report_.problems.size() < kMaxFsckProblems) {
      report_.problems.push_back(std::move(problem));
    } else {
      ++report_.problems_not_listed;
    }
  }

  // A RocksDB read error: corruption is the store's problem, anything
  // else stops the check (the answer would be a guess).
  bool ReadFailed(const rocksdb::Status& status, Cf family,
                  absl::string_view where) {
    if (status.ok() || status.IsNotFound()) return false;
    Problem(absl::StrCat(FamilyName(family), ": ", where, ": ",
                         status.ToString()));
    return true;
  }

  std::unique_ptr<rocksdb::Iterator> Iterate(Cf family) const {
    return std::unique_ptr<rocksdb::Iterator>(
        db_.db->NewIterator(internal::VerifiedReadOptions(), db_.cf(family)));
  }

  // Every stored checkpoint: signed for this log, its key its size.
  void CheckCheckpoints() {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(Cf::kCheckpoints);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<uint64_t> size = DecodeIndexKey(ToView(it->key()));
      if (!size.ok()) {
        Problem(absl::StrCat("checkpoints: a key of ", it->key().size(),
                             " bytes is not a size"));
        continue;
      }
      ++report_.checkpoints_checked;
      absl::StatusOr<note::VerifiedCheckpoint> opened =
          note::OpenCheckpoint(ToView(it->value()), origin_, log_keys_);
      if (!opened.ok()) {
        Problem(absl::StrCat("checkpoint ", *size, ": ",
                             opened.status().message()));
        continue;
      }
      if (opened->checkpoint.size != *size) {
        Problem(absl::StrCat("checkpoint ", *size, ": the note is of size ",
                             opened->checkpoint.size));
        continue;
      }
      signed_roots_[*size] = opened->checkpoint.root;
      latest_signed_ = std::max(latest_signed_, *size);
    }
    ReadFailed(it->status(), Cf::kCheckpoints, "reading");
  }

  // The witnessed checkpoint, if any: signed by the log, of a size whose
  // root the entries give.
  void CheckWitnessed() {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(Cf::kWitnessed);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<uint64_t> size = DecodeIndexKey(ToView(it->key()));
      absl::StatusOr<note::VerifiedCheckpoint> opened =
          note::OpenCheckpoint(ToView(it->value()), origin_, log_keys_);
      if (!size.ok() || !opened.ok() || opened->checkpoint.size != *size) {
        Problem(absl::StrCat("witnessed checkpoint: not a checkpoint of this "
                             "log at its key's size",
                             opened.ok() ? "" : ": ",
                             opened.ok() ? "" : opened.status().message()));
        continue;
      }
      auto root = signed_roots_.find(*size);
      if (root == signed_roots_.end() || *size > report_.entries) {
        Problem(absl::StrCat("witnessed checkpoint ", *size,
                             ": no signed checkpoint of that size"));
      } else if (root->second != opened->checkpoint.root) {
        Problem(absl::StrCat("witnessed checkpoint ", *size,
                             ": its root is not the signed one"));
      }
    }
    ReadFailed(it->status(), Cf::kWitnessed, "reading");
  }

  void CheckEntries() {
    // The tree's size is the latest signed one; entries beyond it were
    // never acknowledged, and a gap below it is damage.
    std::unique_ptr<rocksdb::Iterator> it = Iterate(Cf::kEntries);
    std::vector<EntryKeys> chunk;
    uint64_t next = 0;
    uint64_t total = latest_signed_;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<uint64_t> index = DecodeIndexKey(ToView(it->key()));
      if (!index.ok() || *index != next) {
        Problem(absl::StrCat("entries: entry ", next, " is missing (next key ",
                             index.ok() ? absl::StrCat(*index) : "unreadable",
                             "); the tree is not checked beyond it"));
        break;
      }
      chunk.push_back(KeysOf(next, ToView(it->value())));
      AppendLeaf(chunk.back().leaf_hash);
      ++next;
      if (chunk.size() == kChunk) {
        CheckIndexes(chunk);
        chunk.clear();
        CheckTiles(/*final=*/false);
        if (progress_) progress_(next, std::max(total, next));
      }
    }
    ReadFailed(it->status(), Cf::kEntries, absl::StrCat("after entry ", next));
    CheckIndexes(chunk);
    report_.entries = next;
    CheckTiles(/*final=*/true);
    expected_tiles_ = merkle::TilesForSize(next).size();
    if (progress_) progress_(next, std::max(total, next));
    if (latest_signed_ != next) {
      Problem(absl::StrCat("checkpoints: the latest is of size ",
                           latest_signed_, " but there are ", next,
                           " entries"));
    }
  }

  void AppendLeaf(const Hash& leaf_hash) {
    range_.Append(leaf_hash, [&](merkle::NodeId id, const Hash& hash) {
      if (edge_failed_) return;
      absl::Status added = edge_.AddNode(id, hash);
      if (!added.ok()) {
        edge_failed_ = true;
        Problem(absl::StrCat("tiles: ", added.message()));
      }
    });
    auto signed_root = signed_roots_.find(range_.end());
    if (signed_root != signed_roots_.end() &&
        signed_root->second != range_.Root()) {
      Problem(absl::StrCat("checkpoint ", range_.end(), ": the signed root ",
                           signed_root->second.ToHex(),
                           " is not the entries' root ",
                           range_.Root().ToHex()));
    }
  }

  // Compares the tiles completed so far (all of them, partial ones too, at
  // the end) with the stored ones.
  void CheckTiles(bool final) {
    for (const sequencer::ChangedTile& tile : edge_.TakeChangedTiles()) {
      if (!tile.id.full() && !final) continue;  // it grows until the end
      ++report_.tiles_checked;
      const std::string key = internal::TileKey(tile.id.level, tile.id.index);
      const std::string where = absl::StrCat(
          "tile ", int{tile.id.level}, "/", tile.id.index,
          tile.id.full() ? "" : absl::StrCat(" (width ", tile.id.width, ")"));
      std::string stored;
      rocksdb::Status s = db_.db->Get(internal::VerifiedReadOptions(),
                                      db_.cf(Cf::kTiles), key, &stored);
      if (ReadFailed(s, Cf::kTiles, where)) continue;
      if (s.IsNotFound()) {
        Problem(absl::StrCat(where, ": missing"));
      } else if (stored != tile.bytes) {
        Problem(absl::StrCat(where, ": the stored hashes differ from the "
                                    "entries' (", stored.size(), " bytes)"));
      }
      if (!tile.id.full()) continue;
      s = db_.db->Get(internal::VerifiedReadOptions(),
                      db_.cf(Cf::kTileInteriors), key, &stored);
      if (ReadFailed(s, Cf::kTileInteriors, where)) continue;
      // Stores written before interiors existed have none: not damage.
      if (s.ok() && stored != tile.interior) {
        Problem(absl::StrCat(where, ": the stored interior differs from the "
                                    "entries'"));
      }
    }
  }

  void CheckIndexes(const std::vector<EntryKeys>& chunk) {
    if (chunk.empty()) return;
    std::vector<Hash> leaf_hashes;
    std::vector<Hash> ids;
    std::vector<const EntryKeys*> id_owners;
    std::vector<std::string> digest_keys;
    std::vector<uint64_t> digest_owners;
    std::vector<std::string> vendor_keys;
    std::vector<uint64_t> vendor_owners;
    for (const EntryKeys& keys : chunk) {
      leaf_hashes.push_back(keys.leaf_hash);
      if (keys.statement_id.has_value() && keys.index < coverage_) {
        ids.push_back(*keys.statement_id);
        id_owners.push_back(&keys);
      }
      for (const std::optional<Hash>& digest :
           {keys.digests.artifact, keys.digests.release_key}) {
        if (!digest.has_value()) continue;
        digest_keys.push_back(internal::DigestKey(*digest, keys.index));
        digest_owners.push_back(keys.index);
      }
      if (keys.digests.vendor_key.has_value() &&
          keys.index < vendor_coverage_) {
        vendor_keys.push_back(
            internal::DigestKey(*keys.digests.vendor_key, keys.index));
        vendor_owners.push_back(keys.index);
      }
    }
    leaf_keys_ += leaf_hashes.size();
    digest_keys_ += digest_keys.size();
    vendor_keys_ += vendor_keys.size();
    const std::string range = absl::StrCat(
        "entries ", chunk.front().index, "-", chunk.back().index);

    absl::StatusOr<std::vector<std::optional<uint64_t>>> leaves =
        internal::MultiGetIndexes(db_, Cf::kLeafIndex, leaf_hashes,
                                  "leaf index");
    if (!leaves.ok()) {
      Problem(absl::StrCat("leaf index: ", range, ": ",
                           leaves.status().message()));
    } else {
      for (size_t i = 0; i < chunk.size(); ++i) {
        if ((*leaves)[i] != chunk[i].index) {
          Problem(absl::StrCat(
              "leaf index: entry ", chunk[i].index, "'s leaf hash maps to ",
              (*leaves)[i].has_value() ? absl::StrCat((*leaves)[i].value())
                                       : "nothing"));
        }
      }
    }

    absl::StatusOr<std::vector<std::optional<uint64_t>>> found =
        internal::MultiGetIndexes(db_, Cf::kStatementIndex, ids,
                                  "statement index");
    if (!found.ok()) {
      Problem(absl::StrCat("statement index: ", range, ": ",
                           found.status().message()));
    } else {
      for (size_t i = 0; i < ids.size(); ++i) {
        // The first entry of a text; a later one with the same text (only
        // in stores older than the rule) maps to it.
        const std::optional<uint64_t>& at = (*found)[i];
        if (!at.has_value() || *at > id_owners[i]->index) {
          Problem(absl::StrCat(
              "statement index: entry ", id_owners[i]->index,
              "'s statement maps to ",
              at.has_value() ? absl::StrCat(*at) : "nothing"));
        }
      }
    }

    for (const size_t i : Missing(Cf::kDigestIndex, digest_keys, range)) {
      Problem(absl::StrCat("digest index: entry ", digest_owners[i],
                           "'s artifact digest or release key is missing"));
    }
    for (const size_t i : Missing(Cf::kVendorIndex, vendor_keys, range)) {
      Problem(absl::StrCat("vendor index: entry ", vendor_owners[i],
                           "'s release is not listed under its vendor"));
    }
  }

  // Returns the positions in `keys` of those absent from `family` (one
  // MultiGet; read failures are reported as problems and not returned).
  std::vector<size_t> Missing(Cf family, const std::vector<std::string>& keys,
                              absl::string_view range) {
    std::vector<rocksdb::Slice> slices;
    for (const std::string& key : keys) slices.push_back(ToSlice(key));
    std::vector<rocksdb::PinnableSlice> values(slices.size());
    std::vector<rocksdb::Status> statuses(slices.size());
    db_.db->MultiGet(internal::VerifiedReadOptions(), db_.cf(family),
                     slices.size(), slices.data(), values.data(),
                     statuses.data());
    std::vector<size_t> missing;
    for (size_t i = 0; i < slices.size(); ++i) {
      if (ReadFailed(statuses[i], family, range)) continue;
      if (statuses[i].IsNotFound()) missing.push_back(i);
    }
    return missing;
  }

  // The vendor index holds exactly one key per release below its coverage
  // (plus the coverage key); a key at or beyond the coverage belongs to a
  // backfill that has not reached it, and is not counted.
  void CountVendorKeys() {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(Cf::kVendorIndex);
    uint64_t count = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const absl::string_view key = ToView(it->key());
      if (key == internal::kVendorCoverageKey) continue;
      absl::StatusOr<uint64_t> index = internal::DecodeDigestKeyIndex(key);
      if (!index.ok()) {
        Problem(absl::StrCat("vendor index: a key of ", key.size(),
                             " bytes is neither a listing nor the coverage"));
      } else if (*index < vendor_coverage_) {
        ++count;
      }
    }
    if (ReadFailed(it->status(), Cf::kVendorIndex, "counting keys")) return;
    if (count != vendor_keys_) {
      Problem(absl::StrCat("vendor index: ", count, " keys below its coverage ",
                           vendor_coverage_, "; the entries want ",
                           vendor_keys_, " (a vendor key for each release)"));
    }
    if (vendor_coverage_ > report_.entries) {
      Problem(absl::StrCat("vendor index: covers ", vendor_coverage_,
                           " entries of ", report_.entries));
    }
  }

  // A family holds exactly `expected` keys (statement index: its coverage
  // key aside), so a key the forward checks cannot see is found too.
  void CountKeys(Cf family, uint64_t expected, absl::string_view what) {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(family);
    uint64_t count = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
    if (ReadFailed(it->status(), family, "counting keys")) return;
    if (count != expected) {
      Problem(absl::StrCat(FamilyName(family), ": ", count, " keys; ",
                           report_.entries, " entries want ", expected, " (",
                           what, ")"));
    }
  }

  const Db& db_;
  const std::string origin_;
  const note::VerifierSet& log_keys_;
  const FsckProgress& progress_;
  FsckReport report_;
  std::map<uint64_t, Hash> signed_roots_;
  uint64_t latest_signed_ = 0;
  uint64_t coverage_ = 0;
  uint64_t vendor_coverage_ = 0;
  merkle::CompactRange range_;
  sequencer::TileEdge edge_;
  bool edge_failed_ = false;
  uint64_t leaf_keys_ = 0;
  uint64_t digest_keys_ = 0;
  uint64_t vendor_keys_ = 0;
  uint64_t expected_tiles_ = 0;
};

}  // namespace

absl::StatusOr<FsckReport> Fsck(const std::string& path,
                                absl::string_view origin,
                                const note::VerifierSet& log_keys,
                                const FsckProgress& progress) {
  StoreOptions options;
  options.path = path;
  options.create_if_missing = false;
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, internal::OpenDb(options));
  Checker checker(*db, origin, log_keys, progress);
  return checker.Run();
}

}  // namespace vitrine::storage
