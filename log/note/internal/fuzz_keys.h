// Fixed keys for the log/note fuzz targets: the log and witness keys of the
// shared test vectors (../shared/vectors, README "Parameters") and the
// signed-note spec example key, so that seeds taken from those vectors reach
// the verification code instead of stopping at "unknown key".
//
//   const VerifierSet& trusted = FuzzKeys().all;
//   OpenNote(input, trusted);
//
// Built once on first use and never modified: thread-safe. Test-only: the
// private keys are public test seeds.
#ifndef VITRINE_LOG_NOTE_INTERNAL_FUZZ_KEYS_H_
#define VITRINE_LOG_NOTE_INTERNAL_FUZZ_KEYS_H_

#include <cstdint>
#include <memory>

#include "log/note/note.h"
#include "log/note/signer.h"

namespace vitrine::note::internal {

// The origin of the vectors' checkpoints, also the log key's name.
inline constexpr char kFuzzOrigin[] = "example.com/vitrine/test";
// The vectors' cosignature timestamp, the witness signer's fixed clock.
inline constexpr uint64_t kFuzzTimestamp = 1700000000;

struct FuzzKeySets {
  VerifierSet log;        // The vectors' log key (type 0x01).
  VerifierSet witnesses;  // The vectors' witness key (type 0x04).
  VerifierSet all;        // Both, plus the signed-note spec example key.
  std::unique_ptr<Signer> log_signer;
  std::unique_ptr<Signer> witness_signer;  // Clock fixed at kFuzzTimestamp.
};

// Returns the key sets, aborting if they cannot be built (a broken harness
// must not look like a clean fuzz run).
const FuzzKeySets& FuzzKeys();

}  // namespace vitrine::note::internal

#endif  // VITRINE_LOG_NOTE_INTERNAL_FUZZ_KEYS_H_
