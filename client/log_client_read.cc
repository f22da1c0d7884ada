// LogClient's multi-entry reads: GetEntries and WatchCheckpoints.
#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/internal/failover.h"
#include "client/internal/log_stub.h"
#include "client/log_client.h"
#include "client/verifier.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/verify.h"

namespace vitrine::client {
namespace {

// log.proto's per-call limit.
constexpr uint64_t kEntriesPerCall = 10000;

}  // namespace

absl::Status LogClient::CheckEntries(internal::LogStub& stub, uint64_t start,
                                     absl::Span<const std::string> leaves,
                                     const note::VerifiedCheckpoint& head) {
  const note::Checkpoint& tree = head.checkpoint;
  const uint64_t end = start + leaves.size();
  if (start == 0) {
    // The leaves are the whole tree of size `end`: its root, extended to
    // the head's by one consistency proof, vouches for every leaf at once.
    merkle::CompactRange range;
    for (const std::string& leaf : leaves) range.Append(merkle::HashLeaf(leaf));
    note::Checkpoint prefix{origin_, end, range.Root(), {}};
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        ProveConsistency(stub, prefix, tree);
    if (!proof.ok()) {
      return MakeRefusal(Refusal::kProofInvalid,
                         absl::StrCat("GetEntries [0, ", end,
                                      "): the entries do not make the log's "
                                      "tree: ",
                                      proof.status().message()));
    }
    return absl::OkStatus();
  }
  for (uint64_t i = start; i < end; ++i) {
    vitrine::v1::GetInclusionProofRequest request;
    request.set_leaf_index(i);
    request.set_tree_size(tree.size);
    VITRINE_ASSIGN_OR_RETURN(vitrine::v1::GetInclusionProofResponse response,
                             stub.GetInclusionProof(request));
    std::vector<merkle::Hash> proof;
    for (const std::string& b : response.proof()) {
      absl::StatusOr<merkle::Hash> h = merkle::Hash::FromBytes(b);
      if (!h.ok()) {
        return MakeRefusal(Refusal::kProofInvalid,
                           "GetEntries: a proof hash is not 32 bytes");
      }
      proof.push_back(*h);
    }
    const absl::Status included =
        merkle::VerifyInclusion(i, tree.size, merkle::HashLeaf(leaves[i - start]),
                                proof, tree.root);
    if (!included.ok()) {
      return MakeRefusal(Refusal::kProofInvalid,
                         absl::StrCat("GetEntries: entry ", i,
                                      " is not in the log's tree: ",
                                      included.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Entries> LogClient::GetEntries(uint64_t start, uint64_t end) {
  if (start > end) {
    return absl::InvalidArgumentError(
        absl::StrCat("GetEntries: start ", start, " > end ", end));
  }
  if (start > 0 && end - start > options_.max_entries_checked_one_by_one) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GetEntries: ", end - start, " entries not starting at 0 would take ",
        "one inclusion proof each; the limit is ",
        options_.max_entries_checked_one_by_one,
        " (read from 0, or in smaller ranges)"));
  }
  std::optional<Entries> entries;
  VITRINE_RETURN_IF_ERROR(
      OnEndpoints("GetEntries", false, [&](internal::LogStub& stub) {
        return internal::KeepAnswer(EntriesFrom(stub, start, end), entries);
      }));
  return *std::move(entries);
}

absl::StatusOr<Entries> LogClient::EntriesFrom(internal::LogStub& stub,
                                               uint64_t start, uint64_t end) {
  Entries result;
  result.start = start;
  VITRINE_ASSIGN_OR_RETURN(result.checkpoint, CheckpointFrom(stub, false));
  if (end > result.checkpoint.checkpoint.size) {
    return absl::OutOfRangeError(absl::StrCat(
        "GetEntries: end ", end, " is beyond the log's tree size ",
        result.checkpoint.checkpoint.size));
  }
  for (uint64_t from = start; from < end;) {
    const uint64_t to = std::min(end, from + kEntriesPerCall);
    VITRINE_RETURN_IF_ERROR(stub.GetEntries(from, to, &result.leaves));
    from = to;
  }
  VITRINE_RETURN_IF_ERROR(
      CheckEntries(stub, start, result.leaves, result.checkpoint));
  return result;
}

absl::Status LogClient::WatchCheckpoints(
    uint64_t after_size, absl::Time until,
    const std::function<bool(const note::VerifiedCheckpoint&)>&
        on_checkpoint) {
  // The caller's own ends (on_checkpoint returned false, `until` passed)
  // are answers, not failures of an endpoint: kept here so that the
  // failover stops at them instead of trying the next endpoint.
  std::optional<absl::Status> ended;
  uint64_t after = after_size;
  const absl::Status status = OnEndpoints(
      "WatchCheckpoints", false, [&](internal::LogStub& stub) {
        const uint64_t seen = LastSeenSize();
        const uint64_t from = after;
        absl::Status watched = stub.WatchCheckpoints(
            from, until,
            [&](const vitrine::v1::Checkpoint& c) -> absl::StatusOr<bool> {
              VITRINE_ASSIGN_OR_RETURN(note::VerifiedCheckpoint verified,
                                       OpenFromLog(c.note(), false));
              if (verified.checkpoint.size <= from) {
                return MakeRefusal(
                    Refusal::kRollback,
                    absl::StrCat("WatchCheckpoints: size ",
                                 verified.checkpoint.size,
                                 " after asking for sizes above ", from));
              }
              VITRINE_RETURN_IF_ERROR(Reconcile(stub, verified, seen));
              after = std::max(after, verified.checkpoint.size);
              if (!on_checkpoint(verified)) ended = absl::OkStatus();
              return !ended.has_value();
            });
        if (ended.has_value()) return absl::OkStatus();
        if (absl::IsDeadlineExceeded(watched) && absl::Now() >= until) {
          ended = watched;
          return absl::OkStatus();
        }
        return watched;
      });
  if (!status.ok()) return status;
  return ended.value_or(absl::OkStatus());
}

}  // namespace vitrine::client
