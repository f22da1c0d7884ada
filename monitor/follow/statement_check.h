// The monitor's audit of each logged statement (DESIGN.md format 6): the
// grammar (note::ParseStatement) and the vendor's signature, against the
// vendor keys the monitor trusts - a file in the log's vendor-registry
// format (log/note/vendor_keys.h), usually a copy of the log's.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<StatementChecker> checker,
//                            StatementChecker::Open("monitor/vendors"));
//   std::vector<LeafCheck> checks = checker->CheckBatch(leaves);
//   if (checks[i].verdict == LeafVerdict::kBadSignature) ... the log
//       accepted a statement its vendor did not sign ...
//
// A bad statement is not evidence against the log's tree (it is in the
// tree, and the tree is what the monitor verifies and cosigns): it is
// counted and reported. A vendor the monitor has no key for is not an
// error of the log either (the monitor's list may lag the log's): counted.
//
// Thread-safety: const methods are thread-safe. CheckBatch runs on
// options.threads threads (the caller's included): Ed25519 verification,
// about 50 us a statement, bounds a catch-up.
#ifndef VITRINE_MONITOR_FOLLOW_STATEMENT_CHECK_H_
#define VITRINE_MONITOR_FOLLOW_STATEMENT_CHECK_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "log/note/statement.h"
#include "log/note/vendor_keys.h"

namespace vitrine::monitor {

enum class LeafVerdict {
  kOk,               // parses; signed by its vendor (or signatures not checked)
  kBadGrammar,       // not a signed note holding a statement
  kUnknownVendor,    // the monitor has no key for the statement's vendor
  kBadSignature,     // a known vendor's signature is missing or invalid
};

// Returns "ok", "bad_grammar", "unknown_vendor" or "bad_signature".
absl::string_view VerdictName(LeafVerdict verdict);

struct LeafCheck {
  LeafVerdict verdict = LeafVerdict::kOk;
  // The parsed statement whenever the grammar holds.
  std::optional<note::Statement> statement;
  // Why, when the verdict is not kOk.
  std::string error;
};

struct StatementCheckOptions {
  // Verify each statement's vendor signature. Off only to measure what the
  // rest of a catch-up costs; grammar and vendor names are still checked.
  bool check_vendor_signatures = true;
  // Threads for CheckBatch; 0 means one per core.
  int threads = 0;
};

class StatementChecker {
 public:
  // Reads the vendor keys file at `path` (vendor-registry format).
  static absl::StatusOr<std::unique_ptr<StatementChecker>> Open(
      const std::string& path, StatementCheckOptions options = {});

  // Uses `keys` (never null); such a checker has no file to Reload.
  StatementChecker(std::shared_ptr<const note::VendorKeys> keys,
                   StatementCheckOptions options, std::string path = "");

  // Rereads the vendor keys file (SIGHUP), e.g. after a vendor was added.
  // On any error the keys in use stay and the error is returned;
  // FailedPrecondition for a checker made from keys. Checks in progress
  // finish with the keys they started with.
  absl::Status Reload();

  // Checks one leaf.
  LeafCheck Check(absl::string_view leaf) const;

  // Checks every leaf, split across options.threads threads; results in
  // leaf order.
  std::vector<LeafCheck> CheckBatch(absl::Span<const std::string> leaves) const;

  const StatementCheckOptions& options() const { return options_; }

 private:
  std::shared_ptr<const note::VendorKeys> Keys() const;
  LeafCheck CheckWith(const note::VendorKeys& keys, absl::string_view leaf) const;

  const StatementCheckOptions options_;
  const std::string path_;
  mutable absl::Mutex mu_;  // held only to copy or swap the pointer
  std::shared_ptr<const note::VendorKeys> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_STATEMENT_CHECK_H_
