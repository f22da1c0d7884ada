// The two interfaces through which notes are signed and verified (C2SP
// signed-note), so that a key held in memory, an HSM or a cloud KMS can sign
// checkpoints, statements and cosignatures through the same code.
//
//   std::unique_ptr<Signer> signer = ...;   // e.g. NewSigner(skey) (keys.h)
//   absl::StatusOr<std::string> sig = signer->Sign("text\n");
//   bool ok = verifier->Verify("text\n", *sig);
//
// A signer or verifier is the pair (key name, key ID) plus an algorithm. The
// algorithm is the signature type of signed-note's "Signature types" section:
// it fixes what `Sign` puts after the 4-byte key ID in a signature line. For
// type 0x01 that is the Ed25519 signature of the note text; for type 0x04
// (c2sp.org/tlog-cosignature, cosignature/v1) it is a big-endian timestamp and
// the Ed25519 signature of "cosignature/v1\ntime <t>\n" || text. Keeping this
// inside the key makes note verification the same for both kinds of key.
//
// Implementations must be thread-safe: one signer is shared by every request
// thread of a server.
#ifndef VITRINE_LOG_NOTE_SIGNER_H_
#define VITRINE_LOG_NOTE_SIGNER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::note {

// Signature type identifier bytes assigned by c2sp.org/signed-note.
enum class SignatureType : uint8_t {
  kEd25519 = 0x01,         // Ed25519 over the note text (signed-note).
  kCosignatureV1 = 0x04,   // Timestamped Ed25519 (tlog-cosignature v1).
};

// Signs note text with one private key.
class Signer {
 public:
  virtual ~Signer() = default;

  // Returns the key name, as it appears in signature lines.
  virtual std::string Name() const = 0;
  // Returns the 32-bit key ID: SHA-256(name || 0x0A || type || public key)[:4]
  // read big-endian (signed-note, "Signatures").
  virtual uint32_t KeyId() const = 0;
  virtual SignatureType Type() const = 0;
  // Returns the signature bytes that follow the key ID in a signature line
  // for `text` (the whole note text, ending in a newline). Fails only when the
  // key cannot be used (for example an unreachable HSM: Unavailable).
  virtual absl::StatusOr<std::string> Sign(absl::string_view text) const = 0;
};

// Verifies signatures of one public key.
class Verifier {
 public:
  virtual ~Verifier() = default;

  virtual std::string Name() const = 0;
  virtual uint32_t KeyId() const = 0;
  virtual SignatureType Type() const = 0;
  // Returns whether `signature` (the bytes after the key ID) is a valid
  // signature of `text` by this key. Malformed signatures are simply invalid.
  virtual bool Verify(absl::string_view text,
                      absl::string_view signature) const = 0;
};

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_SIGNER_H_
