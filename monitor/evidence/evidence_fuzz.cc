// Fuzzes what `vitrine-monitor check-evidence` reads from anyone: evidence
// files (evidence_file.h, evidence.h).
//   - ParseEvidenceJson never crashes on any bytes;
//   - JudgeEvidence never crashes on whatever parses, its reports hold no
//     control byte but newlines, and what it accepts it accepts again with
//     the same verdict after a JSON round trip (the file format loses
//     nothing the proof rests on) and with its own log key pinned.
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
  using vitrine::monitor::JudgeEvidence;
  absl::StatusOr<vitrine::monitor::EvidenceCheck> check = JudgeEvidence(*evidence, std::nullopt);
  if (!check.ok()) return 0;
  // A report never holds a control byte but the newlines that end its lines.
  for (const char c : check->report) {
    Check(c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
  }
  absl::StatusOr<std::string> json = vitrine::monitor::FormatEvidenceJson(*evidence);
  Check(json.ok());
  absl::StatusOr<vitrine::v1::Evidence> again = vitrine::monitor::ParseEvidenceJson(*json);
  Check(again.ok());
  absl::StatusOr<vitrine::monitor::EvidenceCheck> again_check = JudgeEvidence(*again, std::nullopt);
  Check(again_check.ok() && again_check->verdict == check->verdict);
  absl::StatusOr<vitrine::monitor::EvidenceCheck> pinned =
      JudgeEvidence(*evidence, evidence->log_verifier_key());
  Check(pinned.ok() && pinned->verdict == check->verdict);
  return 0;
}
