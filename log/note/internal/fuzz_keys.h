// Fixed keys for the log/note fuzz targets: the log and witness keys that
// signed the corpus seeds (taken from ../shared/vectors) and the signed-note
// spec example key, so that those seeds reach the verification code instead
// of stopping at "unknown key". The keys are read, at build time, from the
// key corpus itself (testdata/key_corpus: skey-log, vkey-log, skey-witness,
// vkey-witness, vkey-spec-example).
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
#include <string>

#include "log/note/note.h"
#include "log/note/signer.h"

namespace vitrine::note::internal {

// The witness signer's fixed clock: any value, so that a cosignature it adds
// can be told by its timestamp.
inline constexpr uint64_t kFuzzTimestamp = 1234567890;

struct FuzzKeySets {
  std::string origin;     // The checkpoints' origin: the log key's name.
  VerifierSet log;        // The log key (type 0x01).
  VerifierSet witnesses;  // The witness key (type 0x04).
  VerifierSet all;        // Both, plus the signed-note spec example key.
  std::unique_ptr<Signer> log_signer;
  std::unique_ptr<Signer> witness_signer;  // Clock fixed at kFuzzTimestamp.
};

// Returns the key sets, aborting if they cannot be built (a broken harness
// must not look like a clean fuzz run).
const FuzzKeySets& FuzzKeys();

}  // namespace vitrine::note::internal

#endif  // VITRINE_LOG_NOTE_INTERNAL_FUZZ_KEYS_H_
