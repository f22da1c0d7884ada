#include "log/server/static_export.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/merkle/tile.h"
#include "log/sequencer/resume.h"
#include "log/serving/internal/tiles_handler.h"

namespace vitrine::server {
namespace {

// The folder part of "a/b/c" ("a/b"), "" for a bare name.
std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Size of the file at `path`, or -1 when there is none.
int64_t FileSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_size);
}

class Exporter {
 public:
  Exporter(const storage::Store& store, uint64_t size, std::string to)
      : store_(store), size_(size), to_(std::move(to)) {
    stats_.tree_size = size;
  }

  // Writes the reply for `path` (a tlog-tiles path without the leading
  // slash); a full tile or bundle of the right size already there is kept.
  absl::Status Export(const std::string& path, bool full, bool bundle) {
    const std::string file = absl::StrCat(to_, "/", path);
    serving::internal::HttpReply reply =
        bundle ? serving::internal::EntryBundleReply(path, size_, store_, caching_)
               : serving::internal::TileReply(path, size_, store_, caching_);
    if (reply.status != 200) {
      return absl::DataLossError(absl::StrCat(
          "reading ", path, " for tree size ", size_, ": ", reply.body));
    }
    const std::string& bytes =
        reply.shared_body != nullptr ? *reply.shared_body : reply.body;
    if (full && FileSize(file) == static_cast<int64_t>(bytes.size())) {
      ++stats_.files_kept;
      return absl::OkStatus();
    }
    return Write(file, bytes);
  }

  absl::Status Write(const std::string& file, absl::string_view bytes) {
    VITRINE_RETURN_IF_ERROR(MakeDirs(Parent(file), 0755));
    VITRINE_RETURN_IF_ERROR(WriteFileAtomically(file, bytes, 0644));
    ++stats_.files_written;
    stats_.bytes_written += bytes.size();
    return absl::OkStatus();
  }

  ExportStats stats() const { return stats_; }

 private:
  const storage::Store& store_;
  const uint64_t size_;
  const std::string to_;
  const serving::internal::TileCaching caching_;
  ExportStats stats_;
};

}  // namespace

absl::StatusOr<ExportStats> ExportStaticTiles(storage::Store& store,
                                              const note::VerifierSet& log_keys,
                                              absl::string_view origin,
                                              const std::string& to) {
  VITRINE_ASSIGN_OR_RETURN(
      sequencer::ResumedLog resumed,
      sequencer::ResumeLog(store, origin, log_keys, /*verify_full_tiles=*/true));
  if (resumed.signed_note.empty()) {
    return absl::FailedPreconditionError(
        "the store has no signed checkpoint to export");
  }
  const uint64_t size = resumed.checkpoint.size;
  VITRINE_RETURN_IF_ERROR(MakeDirs(to, 0755));
  Exporter exporter(store, size, to);
  for (const merkle::TileId& tile : merkle::TilesForSize(size)) {
    VITRINE_RETURN_IF_ERROR(
        exporter.Export(merkle::TilePath(tile), tile.full(), /*bundle=*/false));
  }
  for (const merkle::TileId& tile : merkle::EntryBundlesForSize(size)) {
    VITRINE_RETURN_IF_ERROR(exporter.Export(merkle::EntryBundlePath(tile),
                                            tile.full(), /*bundle=*/true));
  }
  // Last: the checkpoint vouches for files that are all in place.
  const serving::internal::HttpReply checkpoint =
      serving::internal::CheckpointReply(resumed.signed_note,
                                         serving::internal::TileCaching());
  VITRINE_RETURN_IF_ERROR(
      exporter.Write(absl::StrCat(to, "/checkpoint"), checkpoint.body));
  return exporter.stats();
}

}  // namespace vitrine::server
