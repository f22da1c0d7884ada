#include "log/signing/token_key.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/options.h"
#include "common/status_macros.h"
#include "log/note/keys.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::signing {
namespace {

// A record is a handful of short lines.
constexpr size_t kMaxRecordBytes = 1 << 16;

const OptionTable<TokenOptions>& RecordNames() {
  using T = TokenOptions;
  static const auto* table = new OptionTable<TokenOptions>{
      StringOption(&T::module, "pkcs11_module", ""),
      StringOption(&T::token, "pkcs11_token", ""),
      StringOption(&T::key_label, "pkcs11_key_label", ""),
      StringOption(&T::key_id, "pkcs11_key_id", ""),
      StringOption(&T::pin_file, "pkcs11_pin_file", ""),
      StringOption(&T::pin_env, "pkcs11_pin_env", ""),
  };
  return *table;
}

// "token \"vitrine\" key \"log\"": which key an error is about.
std::string KeyDescription(const TokenOptions& options) {
  std::string key = options.key_label.empty()
                        ? absl::StrCat("ID ", options.key_id)
                        : absl::StrCat("\"", options.key_label, "\"");
  return absl::StrCat("PKCS#11 token \"", options.token, "\" (", options.module,
                      "), key ", key);
}

absl::StatusOr<note::pkcs11::TokenKey> TokenKeyOf(const TokenOptions& options) {
  VITRINE_RETURN_IF_ERROR(ValidateTokenOptions(options));
  note::pkcs11::TokenKey key;
  key.module_path = options.module;
  key.token_label = options.token;
  key.key_label = options.key_label;
  key.key_id_hex = options.key_id;
  absl::StatusOr<std::string> pin =
      note::pkcs11::ReadPin(options.pin_file, options.pin_env);
  if (!pin.ok()) return pin.status();
  key.pin = *std::move(pin);
  return key;
}

}  // namespace

bool TokenOptions::empty() const { return *this == TokenOptions{}; }

bool operator==(const TokenOptions& a, const TokenOptions& b) {
  return a.module == b.module && a.token == b.token &&
         a.key_label == b.key_label && a.key_id == b.key_id &&
         a.pin_file == b.pin_file && a.pin_env == b.pin_env;
}

absl::Status ValidateTokenOptions(const TokenOptions& options) {
  if (options.module.empty()) {
    return absl::InvalidArgumentError(
        "pkcs11_module is missing: the path of the PKCS#11 module (e.g. "
        "/usr/lib/softhsm/libsofthsm2.so)");
  }
  if (options.token.empty()) {
    return absl::InvalidArgumentError("pkcs11_token is missing: the token's label");
  }
  if (options.key_label.empty() && options.key_id.empty()) {
    return absl::InvalidArgumentError(
        "the key in the token needs pkcs11_key_label or pkcs11_key_id");
  }
  if (!options.key_id.empty()) {
    bool hex = options.key_id.size() % 2 == 0;
    for (char c : options.key_id) {
      hex = hex && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'));
    }
    if (!hex) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pkcs11_key_id wants lowercase hex bytes, got \"", options.key_id, "\""));
    }
  }
  if (options.pin_file.empty() == options.pin_env.empty()) {
    return absl::InvalidArgumentError(
        "the token's PIN needs exactly one of pkcs11_pin_file (a file holding "
        "it) and pkcs11_pin_env (an environment variable holding it); never a "
        "flag");
  }
  return absl::OkStatus();
}

TokenOptions MergeTokenOptions(const TokenOptions& recorded,
                               const TokenOptions& given) {
  TokenOptions merged = recorded;
  if (!given.module.empty()) merged.module = given.module;
  if (!given.token.empty()) merged.token = given.token;
  if (!given.key_label.empty() || !given.key_id.empty()) {
    merged.key_label = given.key_label;
    merged.key_id = given.key_id;
  }
  if (!given.pin_file.empty() || !given.pin_env.empty()) {
    merged.pin_file = given.pin_file;
    merged.pin_env = given.pin_env;
  }
  return merged;
}

std::string FormatTokenRecord(const TokenOptions& options) {
  std::string text =
      "# The key is in a PKCS#11 token (vitrine init): serve opens it with\n"
      "# these settings. The PIN is never written here.\n";
  for (const auto& [name, option] : RecordNames()) {
    const std::string value = option.show(options);
    if (!value.empty()) absl::StrAppend(&text, name, " = ", value, "\n");
  }
  return text;
}

absl::StatusOr<TokenOptions> ParseTokenRecord(absl::string_view text) {
  TokenOptions options;
  VITRINE_RETURN_IF_ERROR(ApplyConfigText(RecordNames(), text, options));
  return options;
}

absl::StatusOr<TokenOptions> ReadTokenRecord(const std::string& path) {
  VITRINE_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kMaxRecordBytes));
  absl::StatusOr<TokenOptions> options = ParseTokenRecord(text);
  if (!options.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", options.status().message()));
  }
  return options;
}

absl::Status WriteTokenRecord(const std::string& path, const TokenOptions& options) {
  // serve may run from another folder than init: relative paths are made
  // absolute (a module given by bare name stays one, for the loader).
  TokenOptions recorded = options;
  std::error_code error;
  if (!recorded.pin_file.empty()) {
    recorded.pin_file =
        std::filesystem::absolute(recorded.pin_file, error).lexically_normal().string();
  }
  if (recorded.module.find('/') != std::string::npos) {
    recorded.module =
        std::filesystem::absolute(recorded.module, error).lexically_normal().string();
  }
  if (error) {
    return absl::InternalError(absl::StrCat("cannot make the token's paths absolute: ",
                                            error.message()));
  }
  return WriteFileAtomically(path, FormatTokenRecord(recorded), 0644);
}

absl::StatusOr<TokenKeyInfo> InitTokenKey(const TokenOptions& options,
                                          const std::string& name,
                                          note::SignatureType type) {
  VITRINE_ASSIGN_OR_RETURN(note::pkcs11::TokenKey key, TokenKeyOf(options));
  TokenKeyInfo info;
  absl::StatusOr<std::string> public_key = note::pkcs11::GenerateKeyPair(key);
  info.created = public_key.ok();
  if (absl::IsAlreadyExists(public_key.status())) {
    public_key = note::pkcs11::PublicKey(key);
  }
  if (!public_key.ok()) return public_key.status();
  VITRINE_ASSIGN_OR_RETURN(info.vkey, note::FormatVerifierKey(name, type, *public_key));
  return info;
}

absl::StatusOr<std::unique_ptr<note::Signer>> OpenTokenSigner(
    const TokenOptions& options, absl::string_view vkey) {
  VITRINE_ASSIGN_OR_RETURN(note::VerifierKey expected, note::ParseVerifierKey(vkey));
  VITRINE_ASSIGN_OR_RETURN(note::pkcs11::TokenKey key, TokenKeyOf(options));
  absl::StatusOr<std::string> public_key = note::pkcs11::PublicKey(key);
  if (!public_key.ok()) return public_key.status();
  if (*public_key != expected.public_key) {
    VITRINE_ASSIGN_OR_RETURN(
        std::string held,
        note::FormatVerifierKey(expected.name, expected.type, *public_key));
    return absl::FailedPreconditionError(absl::StrCat(
        KeyDescription(options), " is not the key of ", vkey,
        ": the token's key is ", held,
        " (another key under that label, or a re-initialised token)"));
  }
  absl::StatusOr<std::unique_ptr<note::Signer>> signer =
      note::pkcs11::OpenSigner(key, expected.name, expected.type);
  if (!signer.ok()) return signer.status();
  // One signature now, checked against the vkey: a token that cannot sign
  // with this key fails here, at startup, and not at the first write.
  constexpr absl::string_view kProbe = "vitrine: the token signs\n";
  absl::StatusOr<std::string> probe = (*signer)->Sign(kProbe);
  if (!probe.ok()) return probe.status();
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                           note::NewVerifier(vkey));
  if (!verifier->Verify(kProbe, *probe)) {
    return absl::FailedPreconditionError(absl::StrCat(
        KeyDescription(options), ": its signature does not verify with ", vkey));
  }
  return signer;
}

}  // namespace vitrine::signing
