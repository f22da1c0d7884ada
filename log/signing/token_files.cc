#include "log/signing/token_files.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"

namespace vitrine::signing {

absl::StatusOr<TokenOptions> ResolveToken(const TokenOptions& given,
                                          const std::string& record_path,
                                          const std::string& key_path,
                                          bool key_file_set, absl::string_view whose) {
  TokenOptions recorded;
  if (PathExists(record_path)) {
    VITRINE_ASSIGN_OR_RETURN(recorded, ReadTokenRecord(record_path));
  }
  TokenOptions token = MergeTokenOptions(recorded, given);
  if (token.empty()) return token;
  if (key_file_set || PathExists(key_path)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", whose, " key is named twice: key file ", key_path,
        key_file_set ? " is set" : " exists", " and ",
        recorded.empty() ? std::string("pkcs11_* options are given")
                         : absl::StrCat(record_path, " puts it in a PKCS#11 token"),
        ": keep one (a key file, or a key in a token)"));
  }
  VITRINE_RETURN_IF_ERROR(ValidateTokenOptions(token));
  return token;
}

absl::StatusOr<TokenKeyInfo> InitTokenKeyFiles(const TokenOptions& token,
                                               const std::string& name,
                                               note::SignatureType type,
                                               const std::string& vkey_path,
                                               const std::string& record_path) {
  TokenKeyInfo info;
  if (PathExists(vkey_path)) {
    VITRINE_ASSIGN_OR_RETURN(info.vkey, note::ReadVerifierKeyFile(vkey_path));
    // The token's key must be the one this server already publishes.
    VITRINE_RETURN_IF_ERROR(OpenTokenSigner(token, info.vkey).status());
  } else {
    VITRINE_ASSIGN_OR_RETURN(info, InitTokenKey(token, name, type));
    VITRINE_RETURN_IF_ERROR(WriteFileAtomically(vkey_path, info.vkey + "\n", 0644));
  }
  if (!PathExists(record_path)) {
    VITRINE_RETURN_IF_ERROR(WriteTokenRecord(record_path, token));
  }
  return info;
}

}  // namespace vitrine::signing
