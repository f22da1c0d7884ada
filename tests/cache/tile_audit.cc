#include "tests/cache/tile_audit.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "httplib.h"
#include "log/merkle/entry_bundle.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_hash_reader.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/note.h"

namespace vitrine::tests {
namespace {

// Tiles from the audit's own map of fetched files.
class MapTiles : public merkle::TileReader {
 public:
  // `files` must outlive this.
  explicit MapTiles(const std::map<std::string, std::string>* files)
      : files_(files) {}
  absl::StatusOr<std::vector<std::string>> ReadTiles(
      absl::Span<const merkle::TileId> tiles) override {
    std::vector<std::string> out;
    for (const merkle::TileId& tile : tiles) {
      auto it = files_->find("/" + merkle::TilePath(tile));
      if (it == files_->end()) {
        return absl::NotFoundError(merkle::TilePath(tile));
      }
      out.push_back(it->second);
    }
    return out;
  }

 private:
  const std::map<std::string, std::string>* files_;
};

// Returns the body of GET `path`: Unavailable unless it answers 200.
absl::StatusOr<std::string> Fetch(httplib::Client& client,
                                  const std::string& path) {
  auto response = client.Get(path.c_str());
  if (!response) {
    return absl::UnavailableError(absl::StrCat("GET ", path, ": no answer"));
  }
  if (response->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("GET ", path, ": HTTP ", response->status));
  }
  return std::move(response->body);
}

}  // namespace

absl::StatusOr<TileAudit> AuditTiles(const std::string& address,
                                     const std::string& origin,
                                     const std::string& log_vkey) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("address ", address));
  }
  httplib::Client client(address.substr(0, colon), port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(10, 0);

  TileAudit audit;
  VITRINE_ASSIGN_OR_RETURN(audit.checkpoint, Fetch(client, "/checkpoint"));
  note::VerifierSet keys;
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                           note::NewVerifier(log_vkey));
  VITRINE_RETURN_IF_ERROR(keys.Add(std::move(verifier)));
  absl::StatusOr<note::VerifiedCheckpoint> opened =
      note::OpenCheckpoint(audit.checkpoint, origin, keys);
  if (!opened.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("/checkpoint: ", opened.status().message()));
  }
  audit.size = opened->checkpoint.size;

  for (const merkle::TileId& tile : merkle::TilesForSize(audit.size)) {
    const std::string path = "/" + merkle::TilePath(tile);
    VITRINE_ASSIGN_OR_RETURN(audit.files[path], Fetch(client, path));
  }
  std::vector<merkle::NodeId> leaves;
  std::vector<merkle::Hash> entry_hashes;
  for (const merkle::TileId& bundle : merkle::EntryBundlesForSize(audit.size)) {
    const std::string path = "/" + merkle::EntryBundlePath(bundle);
    VITRINE_ASSIGN_OR_RETURN(audit.files[path], Fetch(client, path));
    absl::StatusOr<std::vector<std::string>> entries =
        merkle::DecodeEntryBundle(audit.files[path], bundle.width);
    if (!entries.ok()) {
      return absl::DataLossError(
          absl::StrCat(path, ": ", entries.status().message()));
    }
    for (const std::string& entry : *entries) {
      leaves.push_back({0, leaves.size()});
      entry_hashes.push_back(merkle::HashLeaf(entry));
    }
  }
  if (leaves.size() != audit.size) {
    return absl::DataLossError(absl::StrCat("the bundles hold ", leaves.size(),
                                            " entries, the tree ", audit.size));
  }
  MapTiles tiles(&audit.files);
  merkle::TileHashReader reader(audit.size, opened->checkpoint.root, &tiles);
  absl::StatusOr<std::vector<merkle::Hash>> hashes = reader.ReadHashes(leaves);
  if (!hashes.ok()) {
    return absl::DataLossError(
        absl::StrCat("tiles: ", hashes.status().message()));
  }
  if (*hashes != entry_hashes) {
    return absl::DataLossError("an entry does not match its level-0 hash");
  }
  return audit;
}

}  // namespace vitrine::tests
