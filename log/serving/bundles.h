// The bundle answers of the Log gRPC API (proto/vitrine/v1/log.proto:
// GetBundle, FindByDigest; DESIGN.md format 5) over a log/storage Store and
// the checkpoint to prove against (proofs.h Head), shared by vitrine-log and
// vitrine-monitor's verified copies so that both give the same bytes.
//
//   serving::Head head{state->checkpoint.size, state->signed_note};
//   absl::Status answered = serving::FindByDigestAnswer(
//       *store, head, /*limit=*/1000,
//       [context] { return context->IsCancelled(); }, *request, *response);
//
// FindByDigest answers the statements naming the artifact and, for each
// release among them, every rebuild statement of that release
// (note::ReleaseKey), whatever digest the rebuild produced: an endpoint
// must see a contradicting rebuild as surely as an agreeing one.
//
// Functions are thread-safe (the store is); nothing is kept between calls.
#ifndef VITRINE_LOG_SERVING_BUNDLES_H_
#define VITRINE_LOG_SERVING_BUNDLES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log/merkle/hash.h"
#include "log/serving/proofs.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/bundle.pb.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::serving {

// Fills `bundle` for leaf `index` (whose bytes are `leaf`) against `head`:
// the statement, index, head's signed note and the inclusion proof computed
// over the store's hash reader. index must be below head.size.
absl::Status FillBundle(const storage::Store& store, const Head& head,
                        uint64_t index, std::string leaf,
                        vitrine::v1::Bundle* bundle);

// Fills `bundle` with the bundle of the leaf the request names (by index or
// leaf hash) against `head`; request.witnessed is the caller's to honour
// (it picks `head`). InvalidArgument when no leaf is named or its hash is
// not 32 bytes; NotFound for an unknown hash; OutOfRange for a leaf beyond
// head; storage codes otherwise.
absl::Status BundleAnswer(const storage::Store& store, const Head& head,
                          const vitrine::v1::GetBundleRequest& request,
                          vitrine::v1::Bundle& bundle);

// What FindByDigest answers with, before the bundles are built: the leaves
// by index, and whether `limit` stopped the search while candidates were
// left unexamined (there may be more; the JSON read API's "truncated").
struct DigestLeaves {
  std::map<uint64_t, std::string> leaves;
  bool truncated = false;
};

// Returns the leaves of the statements naming `digest` and of the rebuilds
// of their releases (see above), at most `limit` of them, lowest indexes
// first, only those below `size`: the one rule behind FindByDigestAnswer
// and the JSON read API's lookup. Storage codes on failure.
absl::StatusOr<DigestLeaves> FindDigestLeaves(const storage::Store& store,
                                              uint64_t size,
                                              const merkle::Hash& digest,
                                              size_t limit);

// Fills `response` with the bundles of the statements naming
// request.sha256 and of the rebuilds of their releases (see above), at most
// `limit` of them, lowest indexes first, only those below head.size.
// InvalidArgument for a sha256 not 32 bytes; NotFound when none; Cancelled
// when `cancelled` turns true between bundles; storage codes otherwise.
absl::Status FindByDigestAnswer(const storage::Store& store, const Head& head,
                                size_t limit,
                                absl::FunctionRef<bool()> cancelled,
                                const vitrine::v1::FindByDigestRequest& request,
                                vitrine::v1::FindByDigestResponse& response);

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_BUNDLES_H_
