// The builders of evidence.h: every field filled, and an explanation that
// states in words what a checker will find.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "monitor/evidence/evidence.h"

namespace vitrine::monitor {
namespace {

using vitrine::v1::Evidence;

// Returns "size N (root R)" for a note, without verifying it: the builders
// only describe; CheckEvidence verifies.
std::string Describe(absl::string_view signed_note) {
  if (signed_note.empty()) return "the empty tree";
  absl::StatusOr<note::Note> parsed = note::ParseNote(signed_note);
  if (!parsed.ok()) return "an unparsable note";
  absl::StatusOr<note::Checkpoint> checkpoint =
      note::ParseCheckpoint(parsed->text);
  if (!checkpoint.ok()) return "a note that is not a checkpoint";
  return absl::StrCat("size ", checkpoint->size, " (root ",
                      checkpoint->root.ToBase64(), ")");
}

Evidence Common(Evidence::Kind kind, absl::string_view origin,
                absl::string_view log_vkey, absl::string_view first_note,
                absl::string_view second_note, const Observation& observation) {
  Evidence evidence;
  evidence.set_kind(kind);
  evidence.set_origin(std::string(origin));
  evidence.set_log_verifier_key(std::string(log_vkey));
  evidence.set_first_note(std::string(first_note));
  evidence.set_second_note(std::string(second_note));
  evidence.set_observed_by(observation.observed_by);
  evidence.set_observed_at(
      FormatRfc3339Utc(observation.observed_at.value_or(absl::Now())));
  evidence.set_source(observation.source);
  return evidence;
}

void AddHashes(absl::Span<const merkle::Hash> hashes,
               google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const merkle::Hash& hash : hashes) {
    out->Add(std::string(hash.AsStringView()));
  }
}

}  // namespace

std::string FormatRfc3339Utc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

std::string KindSlug(Evidence::Kind kind) {
  if (!Evidence::Kind_IsValid(kind))
    return absl::StrCat("kind-", static_cast<int>(kind));
  return absl::StrReplaceAll(absl::AsciiStrToLower(Evidence::Kind_Name(kind)),
                             {{"_", "-"}});
}

Evidence SameSizeDifferentRootsEvidence(absl::string_view origin,
                                        absl::string_view log_vkey,
                                        absl::string_view first_note,
                                        absl::string_view second_note,
                                        const Observation& observation) {
  Evidence evidence = Common(Evidence::SAME_SIZE_DIFFERENT_ROOTS, origin,
                             log_vkey, first_note, second_note, observation);
  evidence.set_explanation(absl::StrCat(
      "the log signed two checkpoints of one size with different roots: ",
      Describe(first_note), " and ", Describe(second_note)));
  return evidence;
}

Evidence InconsistentEvidence(absl::string_view origin,
                              absl::string_view log_vkey,
                              absl::string_view smaller_note,
                              absl::string_view larger_note,
                              const merkle::Hash& prefix_root,
                              absl::Span<const merkle::Hash> proof,
                              const Observation& observation) {
  Evidence evidence = Common(Evidence::INCONSISTENT, origin, log_vkey,
                             smaller_note, larger_note, observation);
  evidence.set_prefix_root(std::string(prefix_root.AsStringView()));
  AddHashes(proof, evidence.mutable_consistency_proof());
  evidence.set_explanation(absl::StrCat(
      "the log signed ", Describe(smaller_note), " and ", Describe(larger_note),
      "; the consistency proof shows the larger tree's first leaves have root ",
      prefix_root.ToBase64(),
      ", not the smaller checkpoint's: the two trees share no prefix"));
  return evidence;
}

Evidence RollbackEvidence(absl::string_view origin, absl::string_view log_vkey,
                          absl::string_view earlier_note,
                          absl::string_view later_note,
                          const Observation& observation,
                          std::optional<merkle::Hash> fork_prefix_root,
                          absl::Span<const merkle::Hash> fork_proof) {
  Evidence evidence = Common(Evidence::ROLLBACK, origin, log_vkey, earlier_note,
                             later_note, observation);
  std::string explanation = absl::StrCat(
      "after ", Describe(earlier_note), " the log presented ",
      Describe(later_note), " from ", observation.source, " as its latest");
  if (fork_prefix_root.has_value()) {
    evidence.set_prefix_root(std::string(fork_prefix_root->AsStringView()));
    AddHashes(fork_proof, evidence.mutable_consistency_proof());
    absl::StrAppend(&explanation,
                    "; the consistency proof shows the larger tree's prefix "
                    "has root ",
                    fork_prefix_root->ToBase64(), ": a fork as well");
  }
  evidence.set_explanation(std::move(explanation));
  return evidence;
}

Evidence EntriesMismatchEvidence(absl::string_view origin,
                                 absl::string_view log_vkey,
                                 absl::string_view verified_note,
                                 absl::Span<const merkle::Hash> prefix_range,
                                 absl::Span<const std::string> entries,
                                 absl::string_view signed_note,
                                 const Observation& observation) {
  Evidence evidence = Common(Evidence::ENTRIES_MISMATCH, origin, log_vkey,
                             verified_note, signed_note, observation);
  AddHashes(prefix_range, evidence.mutable_prefix_range());
  for (const std::string& entry : entries) evidence.add_entries(entry);
  evidence.set_explanation(
      absl::StrCat("the ", entries.size(), " entries the log served after ",
                   Describe(verified_note), " do not hash to its signed ",
                   Describe(signed_note)));
  return evidence;
}

}  // namespace vitrine::monitor
