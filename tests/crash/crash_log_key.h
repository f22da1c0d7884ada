// The fixed log key shared by crash_test and its child, crash_appender: the
// parent must verify the checkpoints the child signs. Test use only.
#ifndef VITRINE_TESTS_CRASH_CRASH_LOG_KEY_H_
#define VITRINE_TESTS_CRASH_CRASH_LOG_KEY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "log/note/ed25519.h"
#include "log/note/signer.h"

namespace vitrine::tests {

inline constexpr char kCrashLogOrigin[] = "crash.test/vitrine";

inline std::string CrashLogSeed() { return std::string(32, '\x42'); }

inline absl::StatusOr<std::unique_ptr<note::Signer>> CrashLogSigner() {
  return note::NewEd25519Signer(kCrashLogOrigin, CrashLogSeed());
}

inline absl::StatusOr<std::shared_ptr<const note::Verifier>> CrashLogVerifier() {
  absl::StatusOr<std::string> public_key = note::Ed25519PublicKey(CrashLogSeed());
  if (!public_key.ok()) return public_key.status();
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier =
      note::NewEd25519Verifier(kCrashLogOrigin, *public_key);
  if (!verifier.ok()) return verifier.status();
  return std::shared_ptr<const note::Verifier>(std::move(*verifier));
}

}  // namespace vitrine::tests

#endif  // VITRINE_TESTS_CRASH_CRASH_LOG_KEY_H_
