// Evidence files: a vitrine.v1.Evidence in its proto3 JSON form, written by
// vitrine-monitor to its evidence folder and re-verified by anyone with
// `vitrine-monitor check-evidence FILE`.
//
//   VITRINE_ASSIGN_OR_RETURN(std::string path,
//                            WriteEvidenceFile("/var/lib/monitor/evidence",
//                                              evidence));
//   //
//   .../20261129T111507Z-inconsistent-example.com_log-3f9a0c12d4e5.evidence.json
//   absl::StatusOr<EvidenceCheck> check = JudgeEvidenceFile(path, pinned_vkey);
//
// File names: `<UTC time observed, YYYYMMDDTHHMMSSZ>-<kind slug>-<origin
// with every byte outside [A-Za-z0-9.-] as "_", at most 64>-<the first 12
// hex digits of SHA-256 of the file's bytes>.evidence.json`: sortable by
// time, readable, and distinct for distinct content.
//
// Reading is strict, as for bundles (client/bundle_file.h): unknown fields,
// wrong JSON types and bad base64 are InvalidArgument; a file over
// kMaxEvidenceFileSize is ResourceExhausted; NotFound for a missing file.
// Writing is pretty and stable (one field a line, camelCase names, defaults
// omitted) and crash-safe (common/file.h). Functions are thread-safe.
#ifndef VITRINE_MONITOR_EVIDENCE_EVIDENCE_FILE_H_
#define VITRINE_MONITOR_EVIDENCE_EVIDENCE_FILE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "monitor/evidence/evidence.h"
#include "proto/vitrine/v1/evidence.pb.h"

namespace vitrine::monitor {

inline constexpr absl::string_view kEvidenceFileSuffix = ".evidence.json";
// 64 MiB: ENTRIES_MISMATCH evidence carries the entries the log served (up
// to a GetEntries batch of 16 KiB statements, base64 in JSON); the other
// kinds take a few KiB. The cap bounds what a hostile file costs to read.
inline constexpr size_t kMaxEvidenceFileSize = size_t{64} << 20;

// Returns the evidence's proto3 JSON, pretty and stable, ending in "\n".
absl::StatusOr<std::string> FormatEvidenceJson(
    const vitrine::v1::Evidence& evidence);

// Parses proto3 JSON strictly (unknown fields rejected).
absl::StatusOr<vitrine::v1::Evidence> ParseEvidenceJson(absl::string_view json);

// Returns the file name (no folder) `evidence` is written under.
absl::StatusOr<std::string> EvidenceFileName(
    const vitrine::v1::Evidence& evidence);

// Writes `evidence` crash-safely into the existing folder `dir` (mode 0644)
// and returns the file's path. Checks nothing: see CheckEvidence.
absl::StatusOr<std::string> WriteEvidenceFile(
    const std::string& dir, const vitrine::v1::Evidence& evidence);

// Reads and parses an evidence file (errors name `path`).
absl::StatusOr<vitrine::v1::Evidence> ReadEvidenceFile(const std::string& path);

// Reads the file at `path` and re-verifies it (JudgeEvidence). For
// `vitrine-monitor check-evidence [--log_key=VKEY] FILE`: PROVEN exits 0,
// OBSERVED exits 3 (the report on stdout either way); InvalidArgument or
// FailedPrecondition mean the file shows nothing (exit 1, the message on
// stderr); other codes are I/O errors (exit 2). Errors name `path`.
absl::StatusOr<EvidenceCheck> JudgeEvidenceFile(
    const std::string& path, std::optional<std::string> pinned_log_vkey);

// Returns JudgeEvidenceFile's report, whatever its verdict (see
// CheckEvidence).
absl::StatusOr<std::string> CheckEvidenceFile(
    const std::string& path, std::optional<std::string> pinned_log_vkey);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_EVIDENCE_EVIDENCE_FILE_H_
