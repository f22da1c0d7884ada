// Vendor keys and pre-signed Add requests for the load generators: the
// statements are signed BEFORE a timed phase, because signing is the
// vendor's cost, not the log's.
//
//   VITRINE_ASSIGN_OR_RETURN(Vendors vendors, LoadVendors("", /*count=*/4));
//   // register vendors.verifier_keys with the log, then:
//   VITRINE_ASSIGN_OR_RETURN(
//       std::vector<vitrine::v1::AddRequest> requests,
//       PresignRequests(vendors, 300000, /*per_request=*/10, /*run=*/seed));
//
// Thread-safety: plain functions; PresignRequests uses every core while it
// runs.
#ifndef VITRINE_BENCH_INTERNAL_PRESIGNED_H_
#define VITRINE_BENCH_INTERNAL_PRESIGNED_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "log/note/signer.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::bench {

// The vendor signers: read from a keys file, or generated (and written
// there when it is named). `created` tells whether they are new.
struct Vendors {
  std::vector<std::unique_ptr<note::Signer>> signers;
  std::vector<std::string> verifier_keys;
  bool created = false;
};

// Reads the signer keys in `path` (one per line) when it exists; otherwise
// generates `count` Ed25519 keys named loadgen.example/vendor-<k> and, when
// `path` is not empty, writes them there (a new file, mode 0600).
// InvalidArgument when there is no key at all.
absl::StatusOr<Vendors> LoadVendors(const std::string& path, int count);

// Signs `count` distinct statements, round-robin over the vendors, on every
// core, and packs them `per_request` to an AddRequest. `run` makes them
// unique across runs against one log (it names the artifact and seeds the
// digests).
absl::StatusOr<std::vector<vitrine::v1::AddRequest>> PresignRequests(
    const Vendors& vendors, uint64_t count, int per_request, uint64_t run);

// Returns statement `i` of a pool for vendor `vendor` (a signer's name).
// Called from several threads at once.
using StatementMaker = std::function<note::Statement(const std::string& vendor, uint64_t i)>;

// As PresignRequests, with the statements `make` returns: e.g. releases
// with a source line, for rebuilders.
absl::StatusOr<std::vector<vitrine::v1::AddRequest>> PresignStatements(
    const Vendors& vendors, uint64_t count, int per_request, const StatementMaker& make);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_PRESIGNED_H_
