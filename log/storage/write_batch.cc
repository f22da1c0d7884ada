// WriteBatch (store.h): records the writes that Store::Commit checks and
// applies.
#include "log/storage/store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "log/storage/internal/batch.h"

namespace vitrine::storage {

using merkle::Hash;

WriteBatch::WriteBatch() : rep_(std::make_unique<Rep>()) {}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;

void WriteBatch::AddEntry(uint64_t index, absl::string_view leaf,
                          const Hash& leaf_hash,
                          const std::optional<Hash>& artifact_digest,
                          const std::optional<Hash>& statement_id,
                          const std::optional<Hash>& release_key,
                          const std::optional<Hash>& vendor_key) {
  rep_->contents.entries.push_back({index, std::string(leaf), leaf_hash,
                                    artifact_digest, statement_id,
                                    release_key, vendor_key});
  rep_->contents.bytes += leaf.size();
}

void WriteBatch::PutTile(const merkle::TileId& tile, absl::string_view hashes) {
  auto& slot = rep_->contents.tiles[{tile.level, tile.index}];
  rep_->contents.bytes += hashes.size() - std::min(slot.bytes.size(), hashes.size());
  slot = {tile, std::string(hashes)};
}

void WriteBatch::PutTileInterior(const merkle::TileId& tile,
                                 absl::string_view interior) {
  if (!tile.full() && rep_->contents.error.empty()) {
    rep_->contents.error = absl::StrCat("an interior for the partial tile ",
                                        merkle::TilePath(tile));
  }
  auto& slot = rep_->contents.interiors[{tile.level, tile.index}];
  rep_->contents.bytes +=
      interior.size() - std::min(slot.size(), interior.size());
  slot = std::string(interior);
}

void WriteBatch::PutCheckpoint(uint64_t size, absl::string_view signed_note) {
  auto [it, inserted] =
      rep_->contents.checkpoints.emplace(size, std::string(signed_note));
  if (!inserted && rep_->contents.error.empty()) {
    rep_->contents.error = absl::StrCat("checkpoint for size ", size, " added twice");
  }
  rep_->contents.bytes += signed_note.size();
}

std::optional<std::string> WriteBatch::PendingTile(uint8_t level,
                                                   uint64_t index) const {
  auto it = rep_->contents.tiles.find({level, index});
  if (it == rep_->contents.tiles.end()) return std::nullopt;
  return it->second.bytes;
}

size_t WriteBatch::ByteSize() const { return rep_->contents.bytes; }

bool WriteBatch::empty() const {
  return rep_->contents.entries.empty() && rep_->contents.tiles.empty() &&
         rep_->contents.interiors.empty() && rep_->contents.checkpoints.empty();
}

}  // namespace vitrine::storage
