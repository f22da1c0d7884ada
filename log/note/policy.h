// Endpoint policies (DESIGN.md format 8): the small text file that says what
// an endpoint trusts - the log's key, which witnesses must cosign its
// checkpoints and how many, which vendors (and supervisors) may release, and
// which independent rebuilders must have reproduced a release, and how many.
//
//   # Policy of the acme fleet.
//   log example.com/log+4b8a1f0e+AWtT...
//   witness w1.example.org+81d3b2aa+BG9X...
//   witness w2.example.net+0c5e6f71+BJ2m...
//   witness-quorum 1
//   vendor example.com/acme+a04c5d1e+ATx0...
//   supervisor builds.example.net+22f0c9d4+AU3r...
//   supervisor-quorum 1
//   rebuilder rebuild.example.org/r1+5c1e7a90+AQm4...
//   rebuilder rebuild.example.net/r2+e09b33c2+AZk1...
//   rebuild-quorum 2
//
//   VITRINE_ASSIGN_OR_RETURN(Policy policy, ParsePolicy(file_contents));
//   VITRINE_ASSIGN_OR_RETURN(CosignedCheckpoint checkpoint,
//       OpenCosignedCheckpoint(note, origin, policy.log_keys(),
//                              policy.witness_keys(),
//                              policy.witness_quorum()));
//   VITRINE_ASSIGN_OR_RETURN(VerifiedStatement statement,
//       VerifyStatementUnderPolicy(leaf, policy));
//   VITRINE_ASSIGN_OR_RETURN(VerifiedRebuildStatement rebuild,
//       VerifyRebuildStatement(rebuild_leaf, policy.rebuilder_keys()));
//
// The format, exactly:
//   - Lines end in "\n" (the last one may omit it); a CR anywhere is an
//     error. The file is valid UTF-8 with no other control character.
//   - An empty line, or a line starting with '#', is ignored.
//   - Every other line is "<directive> <value>" with exactly one space and
//     no space in the value (no leading or trailing space either).
//   - log <vkey>: a type 0x01 key of a log; its name is the log's origin.
//     One or more; several for key rotation (or several logs).
//   - witness <vkey>: a type 0x04 (cosignature/v1) witness key. Zero or more.
//   - witness-quorum <k>: how many distinct witnesses (by name) must cosign
//     a checkpoint. Required when a witness is listed, so that no one
//     silently trusts a default; 0 <= k <= the number of distinct witness
//     names. At most once.
//   - vendor <vkey>: a type 0x01 key; its name is the vendor it may release
//     as (statement.h). One or more; several keys per vendor are fine.
//   - supervisor <vkey>: a type 0x01 key of an independent supervisor (for
//     example a reproducible-build checker). Zero or more. Its name may not
//     be a vendor's: a vendor cannot supervise itself.
//   - supervisor-quorum <k>: how many distinct supervisors must have signed
//     every release statement. Same rules as witness-quorum.
//   - rebuilder <vkey>: a type 0x01 key of an independent rebuilder, whose
//     rebuild statements (rebuild_statement.h) this endpoint trusts. Zero or
//     more; several keys per rebuilder are fine. Its name may not be a
//     vendor's: a vendor cannot vouch that its own binary matches its
//     source.
//   - rebuild-quorum <k>: how many distinct rebuilders (by name) must have
//     logged a rebuild of the release that produced the artifact's digest
//     (client/verifier.h). Same rules as witness-quorum; with rebuilders
//     listed and k = 0, nothing is demanded but a trusted rebuilder that
//     logged another digest still refuses the release.
//   - Numbers are decimal without sign or leading zero. Directives may come
//     in any order; the same vkey may not appear twice anywhere.
//
// Errors are InvalidArgument: "policy line 7: ..." for a line, "policy: ..."
// for something missing from the whole file. FormatPolicy writes the
// canonical text (no comments; directives grouped as in the example):
// ParsePolicy(FormatPolicy(p)) == p for every parsed p.
//
// A Policy is immutable once parsed and safe to share between threads.
#ifndef VITRINE_LOG_NOTE_POLICY_H_
#define VITRINE_LOG_NOTE_POLICY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::note {

class Policy {
 public:
  // The verifier keys as written (each has one spelling), in file order.
  const std::vector<std::string>& log_vkeys() const { return logs_.vkeys; }
  const std::vector<std::string>& witness_vkeys() const {
    return witnesses_.vkeys;
  }
  const std::vector<std::string>& vendor_vkeys() const {
    return vendors_.vkeys;
  }
  const std::vector<std::string>& supervisor_vkeys() const {
    return supervisors_.vkeys;
  }
  const std::vector<std::string>& rebuilder_vkeys() const {
    return rebuilders_.vkeys;
  }

  // The same keys as verifiers, ready for note.h, checkpoint.h,
  // cosignature.h and statement.h.
  const VerifierSet& log_keys() const { return logs_.keys; }
  const VerifierSet& witness_keys() const { return witnesses_.keys; }
  const VerifierSet& vendor_keys() const { return vendors_.keys; }
  const VerifierSet& supervisor_keys() const { return supervisors_.keys; }
  const VerifierSet& rebuilder_keys() const { return rebuilders_.keys; }

  // 0 when no witness (supervisor, rebuilder) is listed.
  size_t witness_quorum() const { return witness_quorum_; }
  size_t supervisor_quorum() const { return supervisor_quorum_; }
  size_t rebuild_quorum() const { return rebuild_quorum_; }

  // Policies are equal when they trust the same keys in the same order with
  // the same quorums (comments and layout do not matter).
  friend bool operator==(const Policy& a, const Policy& b) {
    return a.logs_.vkeys == b.logs_.vkeys &&
           a.witnesses_.vkeys == b.witnesses_.vkeys &&
           a.vendors_.vkeys == b.vendors_.vkeys &&
           a.supervisors_.vkeys == b.supervisors_.vkeys &&
           a.rebuilders_.vkeys == b.rebuilders_.vkeys &&
           a.witness_quorum_ == b.witness_quorum_ &&
           a.supervisor_quorum_ == b.supervisor_quorum_ &&
           a.rebuild_quorum_ == b.rebuild_quorum_;
  }
  friend bool operator!=(const Policy& a, const Policy& b) { return !(a == b); }

 private:
  friend class PolicyParser;

  struct Role {
    std::vector<std::string> vkeys;
    VerifierSet keys;
  };

  Policy() = default;

  Role logs_;
  Role witnesses_;
  Role vendors_;
  Role supervisors_;
  Role rebuilders_;
  size_t witness_quorum_ = 0;
  size_t supervisor_quorum_ = 0;
  size_t rebuild_quorum_ = 0;
};

// Parses a policy file strictly (format above).
absl::StatusOr<Policy> ParsePolicy(absl::string_view text);

// Returns the canonical text of `policy`.
std::string FormatPolicy(const Policy& policy);

// Verifies a signed release statement against the policy's vendor and
// supervisor keys (VerifyStatement) and requires valid signatures from at
// least supervisor_quorum() distinct supervisors: FailedPrecondition
// otherwise, since the statement may still be cosigned and tried again.
absl::StatusOr<VerifiedStatement> VerifyStatementUnderPolicy(
    absl::string_view signed_statement, const Policy& policy);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_POLICY_H_
