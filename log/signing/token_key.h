// A server's signing key in a PKCS#11 token (an HSM, a cloud HSM, SoftHSM)
// instead of a key file: the settings that name it (the pkcs11_* options of
// vitrine-log and vitrine-monitor), the small record `init` leaves beside the
// verifier key so that `serve` finds the token again, and the two steps a
// server takes - make the key inside the token at `init`, open a signer at
// `serve` that provably is the key its vkey names. The signing itself is
// log/note/pkcs11 (dlopen'ed module, CKM_EDDSA).
//
//   TokenOptions token{.module = "/usr/lib/softhsm/libsofthsm2.so",
//                      .token = "vitrine", .key_label = "log",
//                      .pin_file = "/etc/vitrine/token.pin"};
//   VITRINE_RETURN_IF_ERROR(ValidateTokenOptions(token));
//   // init: the key pair is generated in the token; only the vkey leaves it
//   VITRINE_ASSIGN_OR_RETURN(TokenKeyInfo made,
//       InitTokenKey(token, "example.com/log", note::SignatureType::kEd25519));
//   VITRINE_RETURN_IF_ERROR(WriteTokenRecord(data + "/log.pkcs11", token));
//   // serve: the token's public key must be the one the vkey names
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> signer,
//                            OpenTokenSigner(token, made.vkey));
//
// The record (`<data>/log.pkcs11`, `<data>/witness.pkcs11`) holds
// `pkcs11_<name> = value` lines, the option names: module path, token label,
// key label and/or ID, and where the PIN comes from (a file path or an
// environment variable's name) - never the PIN. Thread-safe.
#ifndef VITRINE_LOG_SIGNING_TOKEN_KEY_H_
#define VITRINE_LOG_SIGNING_TOKEN_KEY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/signer.h"

namespace vitrine::signing {

// Where a key lives in a token, and where its PIN comes from.
struct TokenOptions {
  std::string module;     // pkcs11_module: the PKCS#11 module's path
  std::string token;      // pkcs11_token: the token's label
  std::string key_label;  // pkcs11_key_label: CKA_LABEL of the key pair
  std::string key_id;     // pkcs11_key_id: CKA_ID, lowercase hex
  std::string pin_file;   // pkcs11_pin_file: a file holding the user PIN
  std::string pin_env;    // pkcs11_pin_env: an environment variable holding it

  // Whether no field is set (the key is not in a token).
  bool empty() const;
  friend bool operator==(const TokenOptions& a, const TokenOptions& b);
};

// InvalidArgument naming what is missing or malformed: a module, a token
// label, a key label or ID (hex, even length), exactly one PIN source.
absl::Status ValidateTokenOptions(const TokenOptions& options);

// `given` over `recorded`, field by field: a set field of `given` wins; a
// PIN source (or key label/ID) given replaces both recorded ones.
TokenOptions MergeTokenOptions(const TokenOptions& recorded,
                               const TokenOptions& given);

// The record's text and its parser (InvalidArgument with the line for an
// unknown name or a malformed line). ReadTokenRecord: NotFound when absent.
std::string FormatTokenRecord(const TokenOptions& options);
absl::StatusOr<TokenOptions> ParseTokenRecord(absl::string_view text);
absl::StatusOr<TokenOptions> ReadTokenRecord(const std::string& path);
// Written atomically, mode 0644 (it holds no secret), with a relative
// pin_file or module path made absolute: serve may run from elsewhere.
absl::Status WriteTokenRecord(const std::string& path, const TokenOptions& options);

// What InitTokenKey did.
struct TokenKeyInfo {
  std::string vkey;      // the key's verifier key under `name` and `type`
  bool created = false;  // false: the token already held the key
};

// Generates the key pair inside the token (private key sensitive, never
// extractable), or finds the one already there under that label/ID (a key
// made at a key ceremony), and returns its vkey. The token's errors as
// log/note/pkcs11 reports them (wrong PIN, no such token, a key of another
// type...): each names the token and the key.
absl::StatusOr<TokenKeyInfo> InitTokenKey(const TokenOptions& options,
                                          const std::string& name,
                                          note::SignatureType type);

// Opens a signer on the token's key for `vkey` (its name and type come from
// the vkey): FailedPrecondition when the token's public key is not the one
// `vkey` names (another key under that label, a re-initialised token).
absl::StatusOr<std::unique_ptr<note::Signer>> OpenTokenSigner(
    const TokenOptions& options, absl::string_view vkey);

}  // namespace vitrine::signing

#endif  // VITRINE_LOG_SIGNING_TOKEN_KEY_H_
