// The vendor watch (DESIGN.md "The monitor"): for named vendors, every new
// statement logged under their name that the monitor verified, appended as
// one JSON object per line to a file the vendor (or its alerting) tails, so
// that a vendor notices a release it did not make.
//
//   {"origin":"example.com/log","index":41,"vendor":"example.com/acme",
//    "artifact":"acme-cli.tar.gz","version":"1.4.2","sha256":"9f86...",
//    "source":"https://git.example.com/acme/cli","leaf_hash":"5e1c...",
//    "checkpoint_size":42}                      (on one line; source only
//                                                 when the statement has one)
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<VendorWatch> watch,
//       VendorWatch::Open("monitor/acme.jsonl", {"example.com/acme"}));
//   std::vector<WatchedStatement> seen = watch->Select(start, leaves, checks);
//   ... the batch is verified and committed ...
//   VITRINE_RETURN_IF_ERROR(watch->Record(origin, seen, checkpoint.size));
//
// Lines are written once a batch is committed to the verified copy, and
// fsynced before Record returns. The follower resumes after the verified
// size, so a restart writes no line twice; a crash between the commit and
// Record loses that batch's lines (the copy still holds the statements). A
// torn last line left by a crash is ended with a newline at Open.
//
// Status codes: Open - InvalidArgument for an empty path, the OS's answer
// (common/file's ErrnoStatus) for the file. Record - the same for writes.
//
// Thread-safety: Select is thread-safe; Record calls are serialised.
#ifndef VITRINE_MONITOR_FOLLOW_VENDOR_WATCH_H_
#define VITRINE_MONITOR_FOLLOW_VENDOR_WATCH_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/note/statement.h"
#include "monitor/follow/statement_check.h"

namespace vitrine::monitor {

// One statement of a watched vendor, kept from checking until the batch
// that holds it is committed.
struct WatchedStatement {
  uint64_t index = 0;
  note::Statement statement;
  merkle::Hash leaf_hash;
};

// Returns the JSON line (newline included) for `watched` (format above).
std::string FormatWatchLine(absl::string_view origin,
                            const WatchedStatement& watched,
                            uint64_t checkpoint_size);

class VendorWatch {
 public:
  // Opens `path` for appending (creating it, mode 0644) for `vendors`.
  static absl::StatusOr<std::unique_ptr<VendorWatch>> Open(
      std::string path, std::vector<std::string> vendors);
  ~VendorWatch();

  // Returns the statements of watched vendors among leaves [start, ...)
  // whose check is LeafVerdict::kOk; `checks` parallels `leaves`.
  std::vector<WatchedStatement> Select(uint64_t start,
                                       absl::Span<const std::string> leaves,
                                       absl::Span<const LeafCheck> checks) const;

  // Appends one line per statement and fsyncs the file.
  absl::Status Record(absl::string_view origin,
                      absl::Span<const WatchedStatement> statements,
                      uint64_t checkpoint_size);

  const std::string& path() const { return path_; }

 private:
  VendorWatch(std::string path, std::set<std::string, std::less<>> vendors,
              int fd)
      : path_(std::move(path)), vendors_(std::move(vendors)), fd_(fd) {}

  const std::string path_;
  const std::set<std::string, std::less<>> vendors_;
  absl::Mutex mu_;
  const int fd_;  // O_APPEND; writes under mu_
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_VENDOR_WATCH_H_
