#include "monitor/evidence/evidence_file.h"

#include <openssl/sha.h>

#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/proto_json.h"
#include "common/status_macros.h"
#include "monitor/evidence/evidence.h"

namespace vitrine::monitor {
namespace {

// Keeps file names portable and free of path separators.
std::string SanitisedOrigin(absl::string_view origin) {
  std::string out;
  for (const char c : origin.substr(0, 64)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '-';
    out.push_back(keep ? c : '_');
  }
  return out.empty() ? "_" : out;
}

// The observation time as "YYYYMMDDTHHMMSSZ"; now if it does not parse.
std::string FileTime(absl::string_view observed_at) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(observed_at), &time,
                       &error)) {
    time = absl::Now();
  }
  return absl::FormatTime("%Y%m%dT%H%M%SZ", time, absl::UTCTimeZone());
}

std::string ShortDigest(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), 6));
}

}  // namespace

absl::StatusOr<std::string> FormatEvidenceJson(
    const vitrine::v1::Evidence& evidence) {
  return FormatProtoJson(evidence, "evidence");
}

absl::StatusOr<vitrine::v1::Evidence> ParseEvidenceJson(
    absl::string_view json) {
  // Strict: a field this reader does not know may be part of what the
  // writer meant to prove; refuse rather than check something else.
  vitrine::v1::Evidence evidence;
  VITRINE_RETURN_IF_ERROR(ParseProtoJson(json, kMaxEvidenceFileSize, "evidence", evidence));
  return evidence;
}

absl::StatusOr<std::string> EvidenceFileName(
    const vitrine::v1::Evidence& evidence) {
  VITRINE_ASSIGN_OR_RETURN(std::string json, FormatEvidenceJson(evidence));
  return absl::StrCat(FileTime(evidence.observed_at()), "-",
                      KindSlug(evidence.kind()), "-",
                      SanitisedOrigin(evidence.origin()), "-",
                      ShortDigest(json), kEvidenceFileSuffix);
}

absl::StatusOr<std::string> WriteEvidenceFile(
    const std::string& dir, const vitrine::v1::Evidence& evidence) {
  VITRINE_ASSIGN_OR_RETURN(std::string json, FormatEvidenceJson(evidence));
  VITRINE_ASSIGN_OR_RETURN(std::string name, EvidenceFileName(evidence));
  std::string path = absl::StrCat(dir, "/", name);
  VITRINE_RETURN_IF_ERROR(WriteFileAtomically(path, json, 0644));
  return path;
}

absl::StatusOr<vitrine::v1::Evidence> ReadEvidenceFile(
    const std::string& path) {
  VITRINE_ASSIGN_OR_RETURN(std::string json,
                           ReadSmallFile(path, kMaxEvidenceFileSize));
  absl::StatusOr<vitrine::v1::Evidence> evidence = ParseEvidenceJson(json);
  if (!evidence.ok()) {
    return absl::Status(evidence.status().code(),
                        absl::StrCat("evidence file ", path, ": ",
                                     evidence.status().message()));
  }
  return evidence;
}

absl::StatusOr<EvidenceCheck> JudgeEvidenceFile(
    const std::string& path, std::optional<std::string> pinned_log_vkey) {
  VITRINE_ASSIGN_OR_RETURN(vitrine::v1::Evidence evidence,
                           ReadEvidenceFile(path));
  absl::StatusOr<EvidenceCheck> check =
      JudgeEvidence(evidence, std::move(pinned_log_vkey));
  if (!check.ok()) {
    return absl::Status(check.status().code(),
                        absl::StrCat(path, ": ", check.status().message()));
  }
  return check;
}

absl::StatusOr<std::string> CheckEvidenceFile(
    const std::string& path, std::optional<std::string> pinned_log_vkey) {
  VITRINE_ASSIGN_OR_RETURN(EvidenceCheck check,
                           JudgeEvidenceFile(path, std::move(pinned_log_vkey)));
  return std::move(check.report);
}

}  // namespace vitrine::monitor
