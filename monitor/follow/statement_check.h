// The monitor's audit of each logged statement (DESIGN.md formats 6 and 9).
// A log holds two kinds of entries, told apart by their note's first line:
// release statements (note::ParseStatement), checked against the vendor
// keys the monitor trusts, and rebuild statements (issue 15,
// note::ParseRebuildStatement), checked against the rebuilder keys it
// trusts. Both key sets are files in the log's vendor-registry format
// (log/note/vendor_keys.h), usually copies of the log's vendors and
// rebuilders files.
//
//   VITRINE_ASSIGN_OR_RETURN(
//       std::unique_ptr<StatementChecker> checker,
//       StatementChecker::Open({.vendors = "monitor/vendors",
//                               .rebuilders = "monitor/rebuilders"}));
//   std::vector<LeafCheck> checks = checker->CheckBatch(leaves);
//   if (checks[i].verdict == LeafVerdict::kBadSignature) ... the log
//       accepted a statement its vendor (or rebuilder) did not sign ...
//   if (checks[i].rebuild.has_value()) ... a rebuild statement ...
//
// A bad statement is not evidence against the log's tree (it is in the
// tree, and the tree is what the monitor verifies and cosigns): it is
// counted and reported. A vendor or rebuilder the monitor has no key for is
// not an error of the log either (the monitor's lists may lag the log's,
// and a monitor may trust fewer rebuilders than the log admits): counted.
//
// Thread-safety: const methods are thread-safe. CheckBatch runs on
// options.threads threads (the caller's included): Ed25519 verification,
// about 50 us a statement, bounds a catch-up.
#ifndef VITRINE_MONITOR_FOLLOW_STATEMENT_CHECK_H_
#define VITRINE_MONITOR_FOLLOW_STATEMENT_CHECK_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/note/vendor_keys.h"

namespace vitrine::monitor {

enum class LeafVerdict {
  kOk,               // parses; signed by its vendor or rebuilder (or
                     // signatures not checked)
  kBadGrammar,       // not a signed note holding a release or rebuild statement
  kUnknownVendor,    // the monitor has no key for the release's vendor
  kBadSignature,     // a known vendor's (or rebuilder's) signature is
                     // missing or invalid
  kUnknownRebuilder, // the monitor has no key for the rebuild's rebuilder
};

// How many verdicts there are, for arrays indexed by verdict.
inline constexpr int kLeafVerdictCount = 5;

// Returns "ok", "bad_grammar", "unknown_vendor", "bad_signature" or
// "unknown_rebuilder".
absl::string_view VerdictName(LeafVerdict verdict);

struct LeafCheck {
  LeafVerdict verdict = LeafVerdict::kOk;
  // The parsed release statement whenever its grammar holds.
  std::optional<note::Statement> statement;
  // The parsed rebuild statement whenever its grammar holds. At most one of
  // statement and rebuild is set.
  std::optional<note::RebuildStatement> rebuild;
  // Why, when the verdict is not kOk.
  std::string error;
};

struct StatementCheckOptions {
  // Verify each statement's signature: the vendor's of a release, the
  // rebuilder's of a rebuild. Off only to measure what the rest of a
  // catch-up costs; grammar and key names are still checked (then kOk
  // means "named by a trusted key", not "signed").
  bool check_vendor_signatures = true;
  // Threads for CheckBatch; 0 means one per core.
  int threads = 0;
};

// The keys a checker trusts; neither is null (an empty set trusts nobody).
struct TrustedKeys {
  std::shared_ptr<const note::VendorKeys> vendors;
  std::shared_ptr<const note::VendorKeys> rebuilders;
};

// Where a checker reads its keys, at Open and again at each Reload.
struct StatementKeyFiles {
  // Vendor keys. Required.
  std::string vendors;
  // Rebuilder keys, same format; empty: no rebuilder is trusted, every
  // rebuild statement is kUnknownRebuilder.
  std::string rebuilders;
  // A missing rebuilders file counts as an empty one (at Open and Reload):
  // for a default path the operator may never create. Off, a named file
  // must exist, so that a typo does not silently distrust every rebuilder.
  bool rebuilders_optional = false;
};

class StatementChecker {
 public:
  // Reads the key files (errors of ReadVendorKeysFile, prefixed with the
  // path).
  static absl::StatusOr<std::unique_ptr<StatementChecker>> Open(
      const StatementKeyFiles& files, StatementCheckOptions options = {});
  // Reads the vendor keys file at `path`; trusts no rebuilder.
  static absl::StatusOr<std::unique_ptr<StatementChecker>> Open(
      const std::string& path, StatementCheckOptions options = {});

  // Uses `keys` (neither null); such a checker has no file to Reload.
  StatementChecker(TrustedKeys keys, StatementCheckOptions options);
  // Uses vendor keys `keys` (never null) and trusts no rebuilder.
  StatementChecker(std::shared_ptr<const note::VendorKeys> keys,
                   StatementCheckOptions options);

  // Rereads both key files (SIGHUP), e.g. after a vendor or rebuilder was
  // added. On any error all the keys in use stay and the error is
  // returned; FailedPrecondition for a checker made from keys. Checks in
  // progress finish with the keys they started with.
  absl::Status Reload();

  // Checks one leaf.
  LeafCheck Check(absl::string_view leaf) const;

  // Checks every leaf, split across options.threads threads; results in
  // leaf order.
  std::vector<LeafCheck> CheckBatch(absl::Span<const std::string> leaves) const;

  const StatementCheckOptions& options() const { return options_; }

 private:
  StatementChecker(TrustedKeys keys, StatementCheckOptions options,
                   StatementKeyFiles files);

  std::shared_ptr<const TrustedKeys> Keys() const;
  LeafCheck CheckWith(const TrustedKeys& keys, absl::string_view leaf) const;
  LeafCheck CheckRelease(const note::VendorKeys& vendors, absl::string_view leaf,
                         absl::string_view text) const;
  LeafCheck CheckRebuild(const note::VendorKeys& rebuilders,
                         absl::string_view leaf, absl::string_view text) const;

  const StatementCheckOptions options_;
  const StatementKeyFiles files_;  // vendors empty: made from keys
  mutable absl::Mutex mu_;  // held only to copy or swap the pointer
  // One pointer for both sets, so that a batch sees a vendor and a
  // rebuilder set read together.
  std::shared_ptr<const TrustedKeys> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_STATEMENT_CHECK_H_
