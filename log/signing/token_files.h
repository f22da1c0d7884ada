// What vitrine-log and vitrine-monitor do with their data folder when the
// key is in a PKCS#11 token (token_key.h): find which token holds the key
// (the record `init` left, with the options given over it), and at `init`
// write the verifier key and that record. One rule for both servers.
//
//   // serve:
//   VITRINE_ASSIGN_OR_RETURN(TokenOptions token,
//       ResolveToken(given, data + "/log.pkcs11", data + "/log.key",
//                    /*key_file_set=*/false, "log"));
//   if (!token.empty()) ...  // the key is in the token
//   // init:
//   VITRINE_ASSIGN_OR_RETURN(TokenKeyInfo key,
//       InitTokenKeyFiles(token, "example.com/log", SignatureType::kEd25519,
//                         data + "/log.vkey", data + "/log.pkcs11"));
//
// Thread-safe (plain file calls and token_key.h).
#ifndef VITRINE_LOG_SIGNING_TOKEN_FILES_H_
#define VITRINE_LOG_SIGNING_TOKEN_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/signer.h"
#include "log/signing/token_key.h"

namespace vitrine::signing {

// The pkcs11_* fields of a server config (LogConfig, MonitorConfig).
template <typename Config>
TokenOptions TokenOptionsOf(const Config& config) {
  TokenOptions options;
  options.module = config.pkcs11_module;
  options.token = config.pkcs11_token;
  options.key_label = config.pkcs11_key_label;
  options.key_id = config.pkcs11_key_id;
  options.pin_file = config.pkcs11_pin_file;
  options.pin_env = config.pkcs11_pin_env;
  return options;
}

// Returns the token that holds the `whose` ("log", "witness") key: the
// record at `record_path`, if there is one, with `given` over it
// (MergeTokenOptions), validated; empty when neither names a token (the key
// is a file). FailedPrecondition when a key file is named too
// (`key_file_set`) or exists at `key_path`: "the log key is named twice".
// The record's read and parse errors as ReadTokenRecord gives them.
absl::StatusOr<TokenOptions> ResolveToken(const TokenOptions& given,
                                          const std::string& record_path,
                                          const std::string& key_path,
                                          bool key_file_set, absl::string_view whose);

// `init` for a key in a token. When `vkey_path` exists, checks that the
// token's key is the one it names (OpenTokenSigner); otherwise generates
// the key in the token, or finds it there (InitTokenKey), under `name` and
// `type`, and writes its vkey to `vkey_path` (0644). Then writes the record
// to `record_path` unless one is there. `created`: a key was generated.
absl::StatusOr<TokenKeyInfo> InitTokenKeyFiles(const TokenOptions& token,
                                               const std::string& name,
                                               note::SignatureType type,
                                               const std::string& vkey_path,
                                               const std::string& record_path);

}  // namespace vitrine::signing

#endif  // VITRINE_LOG_SIGNING_TOKEN_FILES_H_
