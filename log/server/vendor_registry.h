// The vendor registry: the verifier keys allowed to append to the log, one
// C2SP verifier key per line of a file, reloaded (on SIGHUP) without
// blocking or failing the requests in flight (DESIGN.md "The log server",
// format 6: a statement must be signed by a key registered for its vendor,
// whose key name is the vendor).
//
//   # /var/lib/vitrine/log/vendors: Acme rotates its key in March.
//   example.com/acme+1a2b3c4d+AVG...=
//   example.com/acme+5e6f7a8b+Ac3...=
//   example.org/tools+0badf00d+AX1...=
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<VendorRegistry> registry,
//                            VendorRegistry::Open("/var/lib/vitrine/log/vendors"));
//   std::shared_ptr<const VendorKeys> keys = registry->Snapshot();
//   VerifyStatement(statement, keys->verifiers);   // keys stay valid while held
//   ...
//   absl::Status reloaded = registry->Reload();   // on SIGHUP
//
// File format (log/note/vendor_keys.h): each line, after stripping surrounding ASCII white space
// (so CRLF files and indentation are fine), is empty, a comment starting
// with '#', or exactly one verifier key `name+keyid+base64` that parses
// strictly (note::ParseVerifierKey) and is of type 0x01 (Ed25519 note
// signatures: what vendors sign statements with). A vendor may have several
// keys (rotation); the same key (name and key ID) twice is an error. An
// empty registry is valid: the log then accepts no statement.
//
// Status codes: InvalidArgument naming the line for bad content; for the
// file, NotFound, PermissionDenied, ResourceExhausted (over 16 MiB) or
// Internal as the OS answers.
//
// Supervisors: a second file in the same format (by default
// <data>/supervisors; absent means none) lists the keys of independent
// supervisors whose cosignatures the log accepts on statements
// (note/statement_admission.h: the log stores only signatures it can
// check). It is read and reloaded with the vendors file, as one unit.
//
// Rebuilders: a third file in the same format (by default <data>/rebuilders;
// absent means none) lists the keys of independent rebuilders allowed to
// append rebuild statements (note/rebuild_statement.h), each only under its
// own key name. A sibling file rather than lines in the vendors file: a
// rebuilder is not a vendor, and an operator grants the two separately.
// Read and reloaded with the other two.
//
// Thread-safety: Snapshot and Reload may be called from any thread.
// Snapshot never waits for Reload's file reading and parsing: a reload
// builds a new immutable VendorKeys and swaps the pointer, so requests keep
// the snapshot they started with.
#ifndef VITRINE_LOG_SERVER_VENDOR_REGISTRY_H_
#define VITRINE_LOG_SERVER_VENDOR_REGISTRY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "log/note/vendor_keys.h"

namespace vitrine::server {

using note::VendorKeys;

class VendorRegistry {
 public:
  // Loads the file at `path`, the supervisors file at `supervisors_path`
  // and the rebuilders file at `rebuilders_path` (either empty or absent:
  // none); fails as Reload does.
  static absl::StatusOr<std::unique_ptr<VendorRegistry>> Open(
      std::string path, std::string supervisors_path = "",
      std::string rebuilders_path = "");

  // Re-reads the file and, when it is valid, makes it the snapshot. On any
  // error the previous snapshot stays in force and the error is returned.
  // Concurrent reloads are serialised, so the last one to finish reflects
  // the file as it last read it.
  absl::Status Reload();

  // Returns the current vendor keys; never null.
  std::shared_ptr<const VendorKeys> Snapshot() const;
  // Returns the current supervisor keys; never null (empty without a file).
  std::shared_ptr<const VendorKeys> SupervisorSnapshot() const;
  // Returns the current rebuilder keys; never null (empty without a file).
  std::shared_ptr<const VendorKeys> RebuilderSnapshot() const;

  const std::string& path() const { return paths_.vendors; }

 private:
  struct Paths {
    std::string vendors;
    std::string supervisors;
    std::string rebuilders;
  };
  struct Keys {
    std::shared_ptr<const VendorKeys> vendors;
    std::shared_ptr<const VendorKeys> supervisors;
    std::shared_ptr<const VendorKeys> rebuilders;
  };
  static absl::StatusOr<Keys> ReadAll(const Paths& paths);

  VendorRegistry(Paths paths, Keys keys)
      : paths_(std::move(paths)), keys_(std::move(keys)) {}

  const Paths paths_;
  absl::Mutex reload_mu_;  // serialises Reload; never held by Snapshot
  // Held only to copy or replace the pointers.
  mutable absl::Mutex mu_;
  Keys keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_VENDOR_REGISTRY_H_
