// The independent tile audit of a tlog-tiles endpoint (C2SP tlog-tiles), as
// a monitor would run it over HTTP: the checkpoint opened under the log's
// key, every tile of its tree authenticated against its root through
// merkle::TileHashReader, every entry of the entry bundles against its
// level-0 hash. Shared by the multi-process tests that compare endpoints
// serving one log (the log, a monitor's mirror, nginx in front of either).
//
//   absl::StatusOr<TileAudit> direct =
//       AuditTiles(log.http_address(), "example.com/log", log_vkey);
//   absl::StatusOr<TileAudit> mirrored =
//       AuditTiles(mirror.http_address(), "example.com/log", log_vkey);
//   EXPECT_EQ(mirrored->files, direct->files);
//
// Thread-safety: AuditTiles is thread-compatible (no shared state).
#ifndef VITRINE_TESTS_CACHE_TILE_AUDIT_H_
#define VITRINE_TESTS_CACHE_TILE_AUDIT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace vitrine::tests {

// What one endpoint served for one tree, all of it verified.
struct TileAudit {
  std::string checkpoint;  // /checkpoint as served (the note, all its lines)
  uint64_t size = 0;       // the checkpoint's tree size
  // "/tile/..." path -> body, for every tile and entry bundle of the tree
  // (merkle::TilesForSize, merkle::EntryBundlesForSize).
  std::map<std::string, std::string> files;
};

// Fetches and checks the whole tree served at http://`address` ("host:port")
// for the log `origin` with verifier key `log_vkey`. Returns the audit, or
// Unavailable when a fetch fails or is not 200, PermissionDenied when the
// checkpoint does not open under the key, DataLoss when a tile, bundle or
// entry does not authenticate against the checkpoint's root.
absl::StatusOr<TileAudit> AuditTiles(const std::string& address,
                                     const std::string& origin,
                                     const std::string& log_vkey);

}  // namespace vitrine::tests

#endif  // VITRINE_TESTS_CACHE_TILE_AUDIT_H_
