// Fuzzes what `vitrine-monitor check-evidence` reads from anyone: evidence
// files (evidence_file.h, evidence.h).
//   - ParseEvidenceJson never crashes on any bytes;
//   - CheckEvidence never crashes on whatever parses, and what it accepts
//     it accepts again after a JSON round trip (the file format loses
//     nothing the proof rests on), and still accepts with its own log key
//     pinned.
// The corpus holds real evidence files written by the monitor tests
// (split view: INCONSISTENT both ways; tampering: ENTRIES_MISMATCH) and
// variants of their kinds.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "monitor/evidence/evidence.h"
#include "monitor/evidence/evidence_file.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<vitrine::v1::Evidence> evidence = vitrine::monitor::ParseEvidenceJson(input);
  if (!evidence.ok()) return 0;
  absl::StatusOr<std::string> report = vitrine::monitor::CheckEvidence(*evidence, std::nullopt);
  if (!report.ok()) return 0;
  absl::StatusOr<std::string> json = vitrine::monitor::FormatEvidenceJson(*evidence);
  Check(json.ok());
  absl::StatusOr<vitrine::v1::Evidence> again = vitrine::monitor::ParseEvidenceJson(*json);
  Check(again.ok());
  Check(vitrine::monitor::CheckEvidence(*again, std::nullopt).ok());
  Check(vitrine::monitor::CheckEvidence(*evidence, evidence->log_verifier_key()).ok());
  return 0;
}
