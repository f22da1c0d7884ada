// A static copy of a log's C2SP tlog-tiles API (issue 14): the checkpoint,
// every tile and every entry bundle of its tree, written as files under a
// folder so that any static web server or bucket can serve the log. Each
// file holds exactly the bytes vitrine-log's HTTP port answers for that
// path (the same handlers make both), so clients cannot tell them apart.
//
//   VITRINE_ASSIGN_OR_RETURN(ExportStats stats,
//                            ExportStaticTiles(*store, log_keys, origin,
//                                              "/srv/www/log"));
//   // /srv/www/log/checkpoint, /srv/www/log/tile/0/000, ...
//
// What is exported is the tree of the store's latest signed checkpoint,
// after the store was verified against it (sequencer::ResumeLog: the
// root recomputed from the stored tiles, the signature by one of
// `log_keys`). Files go to a temporary name and are renamed into place;
// the checkpoint is written last, so a server of the folder never offers
// a checkpoint whose tiles are not all there. Exporting again into the
// same folder is incremental: full tiles and bundles never change, so one
// already there with the right size is kept; partial ones are rewritten.
// Partial tiles of older exports stay (tlog-tiles lets clients ask for
// them; they remain correct).
//
// The store must not be open elsewhere: export a stopped log or a backup.
#ifndef VITRINE_LOG_SERVER_STATIC_EXPORT_H_
#define VITRINE_LOG_SERVER_STATIC_EXPORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/note.h"
#include "log/storage/store.h"

namespace vitrine::server {

struct ExportStats {
  uint64_t tree_size = 0;
  uint64_t files_written = 0;  // tiles, bundles and the checkpoint
  uint64_t files_kept = 0;     // full tiles and bundles already there
  uint64_t bytes_written = 0;
};

// Exports the tree of the latest checkpoint of `store` (the log `origin`,
// signed by one of `log_keys`) under `to`, created if missing. Errors:
// the store's verification codes (DataLoss for a store that does not match
// its checkpoint), FailedPrecondition for a store without a checkpoint,
// common/file codes for the destination.
absl::StatusOr<ExportStats> ExportStaticTiles(storage::Store& store,
                                              const note::VerifierSet& log_keys,
                                              absl::string_view origin,
                                              const std::string& to);

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_STATIC_EXPORT_H_
