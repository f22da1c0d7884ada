#include "monitor/evidence/recorder.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
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

}  // namespace

absl::StatusOr<std::unique_ptr<EvidenceRecorder>> EvidenceRecorder::Open(
    const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("empty evidence folder");
  absl::Status made = MakeDirs(dir, 0755);
  if (!made.ok()) return made;
  absl::StatusOr<std::vector<std::string>> names = EvidenceFiles(dir);
  if (!names.ok()) return names.status();
  std::unique_ptr<EvidenceRecorder> recorder(new EvidenceRecorder(dir));
  absl::MutexLock lock(&recorder->mu_);
  for (const std::string& name : *names) {
    const std::string path = absl::StrCat(dir, "/", name);
    absl::StatusOr<vitrine::v1::Evidence> evidence = ReadEvidenceFile(path);
    absl::Status checked = evidence.status();
    if (checked.ok()) checked = CheckEvidence(*evidence, std::nullopt).status();
    if (!checked.ok()) {
      std::fprintf(stderr,
                   "vitrine-monitor: ignoring evidence file %s that proves "
                   "nothing: %s\n",
                   path.c_str(), checked.ToString().c_str());
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
  absl::StatusOr<std::string> report = CheckEvidence(evidence, std::nullopt);
  if (!report.ok()) {
    std::fprintf(stderr,
                 "vitrine-monitor: BUG: refusing to raise an alarm on "
                 "evidence that does not verify (log %s NOT halted): %s\n",
                 evidence.origin().c_str(), report.status().ToString().c_str());
    return absl::InvalidArgumentError(
        absl::StrCat("refused evidence: ", report.status().message()));
  }
  absl::MutexLock lock(&mu_);
  const auto known = files_.find(EvidenceKey(evidence));
  if (known != files_.end()) return known->second;
  // Halt first: whatever happens to the file, the monitor must not cosign
  // past a proven conflict.
  halted_.insert(evidence.origin());
  absl::StatusOr<std::string> path = WriteEvidenceFile(dir_, evidence);
  if (!path.ok()) {
    std::fprintf(stderr,
                 "vitrine-monitor: ALARM: log %s misbehaved (%s) and is "
                 "halted, but its evidence could not be written: %s\n%s",
                 evidence.origin().c_str(), KindSlug(evidence.kind()).c_str(),
                 path.status().ToString().c_str(), report->c_str());
    return path.status();
  }
  Remember(evidence, *path);
  std::fprintf(stderr,
               "vitrine-monitor: ALARM: log %s misbehaved (%s); cosigning "
               "halted; evidence in %s\n%s",
               evidence.origin().c_str(), KindSlug(evidence.kind()).c_str(),
               path->c_str(), report->c_str());
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
