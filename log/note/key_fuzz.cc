// Fuzzes the key string parsers (keys.h, golang.org/x/mod/sumdb/note
// formats):
//   - ParseVerifierKey never crashes; what it accepts formats back to the
//     exact input (FormatVerifierKey) and makes a verifier with the same
//     name, type and key ID;
//   - NewSigner never crashes on any string; what it accepts formats back
//     to the exact input (FormatSignerKey of its fields), and its vkey
//     (VerifierKeyOf) parses to the signer's name, type and key ID.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "log/note/keys.h"

namespace {

using vitrine::note::FormatSignerKey;
using vitrine::note::FormatVerifierKey;
using vitrine::note::NewSigner;
using vitrine::note::NewVerifier;
using vitrine::note::ParseVerifierKey;
using vitrine::note::VerifierKey;
using vitrine::note::VerifierKeyOf;

void Check(bool condition) {
  if (!condition) std::abort();
}

// Returns the seed of a signer key string NewSigner accepted: the base64
// after the second '+' following "PRIVATE+KEY+" (names hold no '+'),
// without its type byte.
std::string SeedOf(absl::string_view signer_key) {
  absl::string_view rest = signer_key;
  Check(absl::ConsumePrefix(&rest, "PRIVATE+KEY+"));
  const size_t plus1 = rest.find('+');
  const size_t plus2 = rest.find('+', plus1 + 1);
  std::string raw;
  Check(absl::Base64Unescape(rest.substr(plus2 + 1), &raw) && raw.size() == 33);
  return raw.substr(1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  if (absl::StatusOr<VerifierKey> key = ParseVerifierKey(input); key.ok()) {
    absl::StatusOr<std::string> formatted =
        FormatVerifierKey(key->name, key->type, key->public_key);
    Check(formatted.ok() && *formatted == input);
    auto verifier = NewVerifier(input);
    Check(verifier.ok() && (*verifier)->Name() == key->name &&
          (*verifier)->Type() == key->type &&
          (*verifier)->KeyId() == key->key_id);
  } else {
    Check(!NewVerifier(input).ok());
  }

  auto signer = NewSigner(input, [] { return uint64_t{0}; });
  absl::StatusOr<std::string> vkey = VerifierKeyOf(input);
  Check(signer.ok() == vkey.ok());
  if (!signer.ok()) return 0;
  absl::StatusOr<std::string> formatted =
      FormatSignerKey((*signer)->Name(), (*signer)->Type(), SeedOf(input));
  Check(formatted.ok() && *formatted == input);
  absl::StatusOr<VerifierKey> public_key = ParseVerifierKey(*vkey);
  Check(public_key.ok() && public_key->name == (*signer)->Name() &&
        public_key->type == (*signer)->Type() &&
        public_key->key_id == (*signer)->KeyId());
  return 0;
}
