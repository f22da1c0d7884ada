#include "monitor/evidence/recorder.h"

#include <dirent.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/log_escape.h"
#include "log/note/note.h"
#include "monitor/evidence/evidence.h"
#include "monitor/evidence/evidence_file.h"

namespace vitrine::monitor {
namespace {

// Returns the text a note signs (its checkpoint), without its signature
// lines: the same checkpoint reached through two monitors carries
// different cosignatures but is the same claim by the log.
std::string NoteText(const std::string& signed_note) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(signed_note);
  return parsed.ok() ? parsed->text : signed_note;
}

// Identifies a conflict: kind, origin and both checkpoints, length-prefixed
// so that no two distinct conflicts share a key.
std::string EvidenceKey(const vitrine::v1::Evidence& evidence) {
  std::string key;
  for (const std::string& part :
       {absl::StrCat(static_cast<int>(evidence.kind())), evidence.origin(),
        NoteText(evidence.first_note()), NoteText(evidence.second_note())}) {
    absl::StrAppend(&key, part.size(), ":", part, ";");
  }
  return key;
}

absl::StatusOr<std::vector<std::string>> EvidenceFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, absl::StrCat("opendir ", dir));
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(d)) {
    if (absl::EndsWith(entry->d_name, kEvidenceFileSuffix)) {
      names.push_back(entry->d_name);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Returns the SHA-256 of `bytes` in lowercase hex.
std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), sizeof(digest)));
}

// Statuses quote file contents (an origin, a key name): one escaped line.
std::string Escaped(const absl::Status& status) {
  return EscapeForLog(status.ToString(), 4096);
}

}  // namespace

absl::Status EvidenceRecorder::RecordOwnObservation(
    const std::string& path) const {
  if (observations_dir_.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> bytes = ReadSmallFile(path, kMaxEvidenceFileSize);
  if (!bytes.ok()) return bytes.status();
  return WriteFileAtomically(
      absl::StrCat(observations_dir_, "/", BaseName(path), ".sha256"),
      Sha256Hex(*bytes) + "\n", 0600);
}

bool EvidenceRecorder::IsOwnObservation(const std::string& path) const {
  if (observations_dir_.empty()) return false;
  absl::StatusOr<std::string> record = ReadSmallFile(
      absl::StrCat(observations_dir_, "/", BaseName(path), ".sha256"), 1024);
  absl::StatusOr<std::string> bytes = ReadSmallFile(path, kMaxEvidenceFileSize);
  return record.ok() && bytes.ok() && *record == Sha256Hex(*bytes) + "\n";
}

absl::StatusOr<std::unique_ptr<EvidenceRecorder>> EvidenceRecorder::Open(
    const std::string& dir, const std::string& observations_dir,
    AlarmVoice voice) {
  if (dir.empty()) return absl::InvalidArgumentError("empty evidence folder");
  absl::Status made = MakeDirs(dir, 0755);
  if (!made.ok()) return made;
  if (!observations_dir.empty()) {
    made = MakeDirs(observations_dir, 0700);
    if (!made.ok()) return made;
  }
  absl::StatusOr<std::vector<std::string>> names = EvidenceFiles(dir);
  if (!names.ok()) return names.status();
  std::unique_ptr<EvidenceRecorder> recorder(
      new EvidenceRecorder(dir, observations_dir, std::move(voice)));
  absl::MutexLock lock(&recorder->mu_);
  for (const std::string& name : *names) {
    const std::string path = absl::StrCat(dir, "/", name);
    // File names are whatever was dropped in the folder.
    const std::string shown = EscapeForLog(path, 4096);
    absl::StatusOr<vitrine::v1::Evidence> evidence = ReadEvidenceFile(path);
    absl::StatusOr<EvidenceCheck> check =
        evidence.ok() ? JudgeEvidence(*evidence, std::nullopt)
                      : absl::StatusOr<EvidenceCheck>(evidence.status());
    if (!check.ok()) {
      std::fprintf(stderr,
                   "%s: ignoring evidence file %s that proves "
                   "nothing: %s\n",
                   recorder->program_.c_str(), shown.c_str(), Escaped(check.status()).c_str());
      continue;
    }
    if (check->verdict == EvidenceVerdict::kObserved &&
        !recorder->IsOwnObservation(path)) {
      std::fprintf(stderr,
                   "%s: evidence file %s is an observation "
                   "(%s, by \"%s\"), not proof, and not one this monitor "
                   "made: log \"%s\" not halted\n",
                   recorder->program_.c_str(), shown.c_str(), KindSlug(evidence->kind()).c_str(),
                   EscapeForLog(evidence->observed_by()).c_str(),
                   EscapeForLog(evidence->origin()).c_str());
      continue;
    }
    recorder->Remember(*evidence, path);
  }
  return recorder;
}

void EvidenceRecorder::Remember(const vitrine::v1::Evidence& evidence,
                                const std::string& path) {
  if (!files_.emplace(EvidenceKey(evidence), path).second) return;
  ++counts_[{evidence.origin(), static_cast<int>(evidence.kind())}];
  halted_.insert(evidence.origin());
}

absl::StatusOr<std::string> EvidenceRecorder::Raise(
    vitrine::v1::Evidence evidence) {
  absl::StatusOr<EvidenceCheck> check = JudgeEvidence(evidence, std::nullopt);
  const std::string origin = EscapeForLog(evidence.origin());
  if (!check.ok()) {
    std::fprintf(stderr,
                 "%s: BUG: refusing to raise an alarm on "
                 "evidence that does not verify (log %s NOT halted): %s\n",
                 program_.c_str(), origin.c_str(), Escaped(check.status()).c_str());
    return absl::InvalidArgumentError(
        absl::StrCat("refused evidence: ", check.status().message()));
  }
  const std::string& report = check->report;
  absl::MutexLock lock(&mu_);
  const auto known = files_.find(EvidenceKey(evidence));
  if (known != files_.end()) return known->second;
  // Halt first: whatever happens to the file, the monitor must not cosign
  // past a proven conflict.
  halted_.insert(evidence.origin());
  absl::StatusOr<std::string> path = WriteEvidenceFile(dir_, evidence);
  if (!path.ok()) {
    std::fprintf(stderr,
                 "%s: ALARM: log %s misbehaved (%s) and is "
                 "halted, but its evidence could not be written: %s\n%s",
                 program_.c_str(), origin.c_str(), KindSlug(evidence.kind()).c_str(),
                 Escaped(path.status()).c_str(), report.c_str());
    return path.status();
  }
  Remember(evidence, *path);
  if (check->verdict == EvidenceVerdict::kObserved) {
    // Without this record the file would prove nothing after a restart.
    absl::Status recorded = RecordOwnObservation(*path);
    if (!recorded.ok()) {
      std::fprintf(stderr,
                   "%s: ALARM: log %s misbehaved (%s) and is "
                   "halted, but the record that this monitor observed it "
                   "could not be written (the halt ends with a restart): "
                   "%s\n",
                   program_.c_str(), origin.c_str(), KindSlug(evidence.kind()).c_str(),
                   Escaped(recorded).c_str());
    }
  }
  std::fprintf(stderr,
               "%s: ALARM: log %s misbehaved (%s); %s halted; "
               "evidence in %s\n%s",
               program_.c_str(), origin.c_str(), KindSlug(evidence.kind()).c_str(),
               halts_.c_str(), path->c_str(), report.c_str());
  return path;
}

bool EvidenceRecorder::Halted(absl::string_view origin) const {
  absl::MutexLock lock(&mu_);
  return halted_.count(std::string(origin)) > 0;
}

std::vector<AlarmCount> EvidenceRecorder::Counts() const {
  absl::MutexLock lock(&mu_);
  std::vector<AlarmCount> counts;
  for (const auto& [key, count] : counts_) {
    counts.push_back({key.first,
                      static_cast<vitrine::v1::Evidence::Kind>(key.second),
                      count});
  }
  return counts;
}

std::vector<std::string> EvidenceRecorder::HaltedOrigins() const {
  absl::MutexLock lock(&mu_);
  return std::vector<std::string>(halted_.begin(), halted_.end());
}

}  // namespace vitrine::monitor
