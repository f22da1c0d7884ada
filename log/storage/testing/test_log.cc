#include "log/storage/testing/test_log.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_interior.h"
#include "log/note/entry_digests.h"
#include "log/storage/internal/db.h"

namespace vitrine::storage::testing {

using merkle::Hash;
using merkle::kTileHeight;
using merkle::kTileWidth;

std::string TestCheckpointNote(uint64_t size, const Hash& root) {
  return absl::StrCat("vitrine.test/log\n", size, "\n", root.ToBase64(), "\n");
}

std::string FreshTestDir(absl::string_view name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  std::filesystem::remove_all(dir);
  return dir;
}

WriteBatch TestLog::Build(absl::Span<const std::string> entries,
                          absl::Span<const std::optional<Hash>> digests,
                          Next& next) const {
  WriteBatch batch;
  uint64_t begin = next.range.end();
  // Tiles whose level gained hashes, by (level, index): each is rewritten
  // whole at its new width, as the sequencer does.
  std::set<std::pair<uint8_t, uint64_t>> dirty;
  merkle::NodeVisitor visitor = [&](merkle::NodeId id, const Hash& hash) {
    if (id.level % kTileHeight != 0) return;
    size_t level = id.level / kTileHeight;
    if (next.tile_levels.size() <= level) next.tile_levels.resize(level + 1);
    next.tile_levels[level].push_back(hash);
    dirty.insert({static_cast<uint8_t>(level), id.index / kTileWidth});
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    Hash leaf_hash = merkle::HashLeaf(entries[i]);
    next.range.Append(leaf_hash, visitor);
    const note::EntryDigests rule =
        entry_digests_ ? note::DigestsOfEntry(entries[i]) : note::EntryDigests{};
    batch.AddEntry(begin + i, entries[i], leaf_hash,
                   digests.empty() ? rule.artifact : digests[i],
                   statement_ids_ ? std::optional<Hash>(merkle::Sha256(entries[i]))
                                  : std::nullopt,
                   rule.release_key, rule.vendor_key);
  }
  for (const auto& [level, index] : dirty) {
    const std::vector<Hash>& hashes = next.tile_levels[level];
    uint64_t first = index * kTileWidth;
    uint16_t width = static_cast<uint16_t>(
        std::min<uint64_t>(kTileWidth, hashes.size() - first));
    absl::Span<const Hash> tile = absl::MakeConstSpan(hashes).subspan(first, width);
    batch.PutTile(merkle::TileId{level, index, width}, merkle::EncodeTile(tile));
    // Hashed here, unlike the sequencer, which takes them from its compact
    // range: a test's reference of what the store must hold.
    if (write_interiors_ && width == kTileWidth) {
      absl::StatusOr<std::vector<Hash>> interior = merkle::TileInterior(tile);
      if (interior.ok()) {
        batch.PutTileInterior(merkle::TileId{level, index, width},
                              merkle::EncodeTile(*interior));
      }
    }
  }
  batch.PutCheckpoint(next.range.end(),
                      TestCheckpointNote(next.range.end(), next.range.Root()));
  return batch;
}

WriteBatch TestLog::MakeBatch(absl::Span<const std::string> entries,
                              absl::Span<const std::optional<Hash>> digests) const {
  Next next{range_, tile_levels_};
  return Build(entries, digests, next);
}

absl::Status TestLog::Append(absl::Span<const std::string> entries,
                             absl::Span<const std::optional<Hash>> digests) {
  Next next{range_, tile_levels_};
  WriteBatch batch = Build(entries, digests, next);
  absl::Status status = store_->Commit(batch);
  if (!status.ok()) return status;
  range_ = std::move(next.range);
  tile_levels_ = std::move(next.tile_levels);
  for (const std::string& entry : entries) {
    reference_.Append(merkle::HashLeaf(entry));
  }
  return absl::OkStatus();
}

absl::Status DropVendorIndex(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<internal::Db>> db = internal::OpenDb(options);
  if (!db.ok()) return db.status();
  rocksdb::Status dropped =
      (*db)->db->DropColumnFamily((*db)->cf(internal::Cf::kVendorIndex));
  if (!dropped.ok()) return absl::InternalError(dropped.ToString());
  return absl::OkStatus();
}

absl::StatusOr<std::string> FlipByteInFiles(const std::string& dir,
                                            absl::string_view needle,
                                            absl::string_view suffix) {
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    std::string path = file.path().string();
    if (!absl::EndsWith(path, suffix)) continue;
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in),
                   std::istreambuf_iterator<char>());
    }
    size_t at = bytes.find(needle.data(), 0, needle.size());
    if (at == std::string::npos) continue;
    at += needle.size() / 2;
    std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(static_cast<std::streamoff>(at));
    out.put(static_cast<char>(bytes[at] ^ 0x01));
    if (!out.good()) {
      return absl::InternalError(absl::StrCat("could not rewrite ", path));
    }
    return path;
  }
  return absl::NotFoundError(
      absl::StrCat("no *", suffix, " file in ", dir, " holds the bytes"));
}

}  // namespace vitrine::storage::testing
