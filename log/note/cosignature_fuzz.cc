// Fuzzes witness cosignature verification (c2sp.org/tlog-cosignature) over
// arbitrary notes with the vectors' fixed log and witness keys:
//   - OpenCosignedCheckpoint never crashes for quorums 0..2 (2 exceeds the
//     one witness key: always InvalidArgument), and what it accepts carries
//     at least `quorum` cosignatures from the witness set;
//   - VerifyCosignatures never crashes on any parsed note, even one whose
//     log signature does not verify (the fuzzer rarely forges a log
//     signature, so this reaches the cosignature code far more often), and
//     counts each witness name at most once;
//   - AddCosignature on an accepted checkpoint appends a cosignature that
//     VerifyCosignatures then finds, with the witness's fixed timestamp.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/internal/fuzz_keys.h"
#include "log/note/note.h"

namespace {

using vitrine::note::AddCosignature;
using vitrine::note::Cosignature;
using vitrine::note::Note;
using vitrine::note::OpenCosignedCheckpoint;
using vitrine::note::ParseCheckpoint;
using vitrine::note::ParseNote;
using vitrine::note::VerifiedCheckpoint;
using vitrine::note::VerifierSet;
using vitrine::note::VerifyCosignatures;
using vitrine::note::internal::FuzzKeys;
using vitrine::note::internal::kFuzzTimestamp;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckCosignatures(const std::vector<Cosignature>& cosignatures,
                       const VerifierSet& witnesses) {
  std::set<std::string> names;
  for (const Cosignature& c : cosignatures) {
    Check(names.insert(c.name).second);
    Check(witnesses.Find(c.name, c.key_id) != nullptr);
    Check(c.timestamp <= uint64_t{INT64_MAX});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const auto& keys = FuzzKeys();

  for (size_t quorum = 0; quorum <= 2; ++quorum) {
    auto opened = OpenCosignedCheckpoint(input, keys.origin, keys.log,
                                         keys.witnesses, quorum);
    if (quorum > keys.witnesses.size()) {
      Check(opened.status().code() == absl::StatusCode::kInvalidArgument);
    }
    if (opened.ok()) {
      Check(opened->cosignatures.size() >= quorum);
      CheckCosignatures(opened->cosignatures, keys.witnesses);
    }
  }

  absl::StatusOr<Note> note = ParseNote(input);
  if (!note.ok()) return 0;
  // Stand in for OpenCheckpoint: VerifyCosignatures reads only the note.
  VerifiedCheckpoint unverified;
  unverified.note.note = *std::move(note);
  for (const VerifierSet* witnesses : {&keys.witnesses, &keys.all}) {
    auto cosignatures = VerifyCosignatures(unverified, *witnesses);
    if (cosignatures.ok()) CheckCosignatures(*cosignatures, *witnesses);
  }

  // Cosigning is slow: only for checkpoints the witness has not cosigned.
  if (input.size() <= 1024 && ParseCheckpoint(unverified.note.note.text).ok()) {
    absl::StatusOr<std::string> cosigned =
        AddCosignature(input, *keys.witness_signer);
    if (cosigned.ok()) {
      Check(absl::StartsWith(*cosigned, input));
      absl::StatusOr<Note> cosigned_note = ParseNote(*cosigned);
      Check(cosigned_note.ok());
      VerifiedCheckpoint with_ours;
      with_ours.note.note = *std::move(cosigned_note);
      auto found = VerifyCosignatures(with_ours, keys.witnesses);
      // Only the new line is from the witness key (AddCosignature refuses
      // a second), so it alone is found and it verifies.
      Check(found.ok() && found->size() == 1 &&
            (*found)[0].timestamp == kFuzzTimestamp);
    }
  }
  return 0;
}
