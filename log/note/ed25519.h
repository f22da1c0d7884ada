// Ed25519 keys for signed notes (type 0x01, c2sp.org/signed-note) and for
// witness cosignatures (type 0x04, c2sp.org/tlog-cosignature cosignature/v1),
// through libsodium (key IDs hash with OpenSSL's or BoringSSL's SHA-256).
// Signatures are RFC 8032's, deterministic: the same key and text give the
// same bytes whichever library signs.
//
// The verification rule. Every component of Vitrine (the log, monitors,
// the offline verifier, the `vitrine` command) verifies here, so all of
// them decide every signature the same way. It has two parts:
//   - Keys. A public key is accepted only when it is the canonical encoding
//     of a point of prime order L (crypto_core_ed25519_is_valid_point):
//     small-order keys, keys with a torsion component ("mixed order"),
//     non-canonical encodings and bytes that decode to no point are refused
//     where the key is read (ValidateEd25519PublicKey, so vendors files,
//     policies, witness and log keys), with that reason, instead of
//     silently failing or, worse, verifying forgeries: with the identity as
//     key, [S]B = R holds for every message.
//   - Signatures: libsodium 1.0.18's crypto_sign_verify_detached. A
//     signature (R, S) of a message by key A is valid when it is 64 bytes;
//     S is canonical (S < L); R is not of small order; and the encoding of
//     [S]B - [SHA-512(R || A || M)]A equals R's bytes (the cofactorless
//     equation, so a non-canonical R never verifies).
// OpenSSL 3.0 (and BoringSSL) accept some signatures this rule refuses:
// small-order keys and small-order R. The cases of "Taming the Many
// EdDSAs" (Chalkias, Garillot, Nikolaenko, 2020) and Vitrine's own are in
// log/note/testdata and ed25519_test.cc; tests/signatures shows the log, a
// monitor and the offline verifier deciding each one alike.
//
//   VITRINE_ASSIGN_OR_RETURN(std::string seed, GenerateEd25519Seed());
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer,
//                            NewEd25519Signer("example.com/log", seed));
//   VITRINE_ASSIGN_OR_RETURN(std::string sig, signer->Sign("text\n"));
//
// Most callers want the key strings of keys.h instead of raw seeds.
// Every signer and verifier returned here is immutable and thread-safe.
#ifndef VITRINE_LOG_NOTE_ED25519_H_
#define VITRINE_LOG_NOTE_ED25519_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/signer.h"

namespace vitrine::note {

inline constexpr size_t kEd25519SeedSize = 32;       // RFC 8032 private key
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
// cosignature/v1 signature bytes: u64 big-endian timestamp || Ed25519.
inline constexpr size_t kCosignatureV1Size = 8 + kEd25519SignatureSize;

// Returns OK when `name` may name a key: non-empty valid UTF-8 with no '+',
// no Unicode space (signed-note, "Format") and, stricter than the spec, no
// control character (C0, DEL or C1), so that names print safely in logs.
// InvalidArgument names the offending byte offset otherwise.
absl::Status ValidateKeyName(absl::string_view name);

// Returns SHA-256(name || 0x0A || type || public_key)[:4] read big-endian,
// the key ID of signed-note "Signatures" and tlog-cosignature "Format".
uint32_t ComputeKeyId(absl::string_view name, SignatureType type,
                      absl::string_view public_key);

// Returns 32 random bytes from libsodium's CSPRNG (randombytes_buf, the
// kernel's getrandom); Internal if libsodium cannot initialise.
absl::StatusOr<std::string> GenerateEd25519Seed();

// Returns the 32-byte public key of a 32-byte seed (InvalidArgument on a
// wrong length).
absl::StatusOr<std::string> Ed25519PublicKey(absl::string_view seed);

// Returns a type 0x01 signer: Sign(text) is the 64-byte Ed25519 signature of
// text. InvalidArgument for a bad name or seed length.
absl::StatusOr<std::unique_ptr<Signer>> NewEd25519Signer(
    absl::string_view name, absl::string_view seed);

// Returns OK when `public_key` is 32 bytes encoding canonically a point of
// prime order L (the key part of the verification rule above), otherwise
// InvalidArgument saying so.
absl::Status ValidateEd25519PublicKey(absl::string_view public_key);

// Returns the type 0x01 verifier of a 32-byte public key; InvalidArgument
// when ValidateEd25519PublicKey refuses the key.
absl::StatusOr<std::unique_ptr<Verifier>> NewEd25519Verifier(
    absl::string_view name, absl::string_view public_key);

// Returns the POSIX time in seconds at which a cosignature is made.
using CosignatureClock = std::function<uint64_t()>;

// Returns the current system time; the default clock of cosigners.
uint64_t SystemClockSeconds();

// Returns "cosignature/v1\ntime <timestamp>\n" || text, the message a
// cosignature/v1 signs (tlog-cosignature, "Ed25519 signed message").
std::string CosignatureV1Message(uint64_t timestamp, absl::string_view text);

// Returns a type 0x04 signer (a witness): Sign(text) is the 72-byte
// u64be(clock()) || Ed25519(CosignatureV1Message(clock(), text)). `text` is
// the checkpoint body. Sign fails with OutOfRange if the clock returns a time
// above 2^63-1, which the spec forbids.
absl::StatusOr<std::unique_ptr<Signer>> NewCosignatureV1Signer(
    absl::string_view name, absl::string_view seed,
    CosignatureClock clock = SystemClockSeconds);

// Returns the 64-byte Ed25519 signature of `message` by a key held outside
// this process (log/note/pkcs11: a key in an HSM).
using Ed25519SignFunction =
    std::function<absl::StatusOr<std::string>(absl::string_view message)>;

// Returns a signer of `type` whose Ed25519 operation is `sign`: the same
// framing code as NewEd25519Signer's and NewCosignatureV1Signer's (for type
// 0x04 the timestamp from `clock` and CosignatureV1Message), for a key that
// is not in memory. `public_key` (32 bytes, checked by
// ValidateEd25519PublicKey) gives the key ID. `sign` must be thread-safe;
// Sign returns its errors unchanged, and Internal when it returns other
// than 64 bytes. InvalidArgument for a bad name or key, no `sign`, or a
// type 0x04 signer without a clock.
absl::StatusOr<std::unique_ptr<Signer>> NewEd25519FunctionSigner(
    absl::string_view name, absl::string_view public_key, SignatureType type,
    Ed25519SignFunction sign, CosignatureClock clock = SystemClockSeconds);

// Returns the type 0x04 verifier of a witness's 32-byte public key (refused
// as by NewEd25519Verifier): it
// accepts exactly 72-byte signatures whose timestamp is at most 2^63-1.
absl::StatusOr<std::unique_ptr<Verifier>> NewCosignatureV1Verifier(
    absl::string_view name, absl::string_view public_key);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_ED25519_H_
