// vitrine keygen: a new Ed25519 key pair, as PREFIX.key (secret, 0600) and
// PREFIX.vkey (the verifier key to hand out), for a vendor, a supervisor, a
// log or a witness. Witness keys are cosignature/v1 keys (type 0x04,
// c2sp.org/tlog-cosignature); the others sign notes (type 0x01).
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/cli/command.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    {"kind", "vendor", "vendor, supervisor, log or witness"},
    {"name", "", "the key name: the vendor name, the log origin, ... (required)"},
    {"out", "", "file prefix: writes PREFIX.key and PREFIX.vkey (default: the name "
                "with '/' turned into '_')"},
};

absl::StatusOr<note::SignatureType> TypeOf(absl::string_view kind) {
  if (kind == "vendor" || kind == "supervisor" || kind == "log") {
    return note::SignatureType::kEd25519;
  }
  if (kind == "witness") return note::SignatureType::kCosignatureV1;
  return absl::InvalidArgumentError(absl::StrCat(
      "--kind wants vendor, supervisor, log or witness, got \"", kind, "\""));
}

int Run(const Flags& flags) {
  if (!flags.positional().empty()) {
    return Fail("keygen", absl::InvalidArgumentError("takes no arguments"));
  }
  absl::StatusOr<note::SignatureType> type = TypeOf(flags.Get("kind"));
  if (!type.ok()) return Fail("keygen", type.status());
  absl::StatusOr<std::string> name = flags.Require("name");
  if (!name.ok()) return Fail("keygen", name.status());
  std::string prefix = flags.Get("out");
  if (prefix.empty()) {
    prefix = *name;
    for (char& c : prefix) {
      if (c == '/') c = '_';
    }
  }
  absl::StatusOr<note::GeneratedKey> key = note::GenerateKey(*name, *type);
  if (!key.ok()) return Fail("keygen", key.status());
  // The public half first: if the secret cannot be written either, no
  // orphaned secret is left behind; WriteSignerKeyFile never overwrites.
  if (absl::Status s = note::WriteVerifierKeyFile(prefix + ".vkey", key->verifier_key);
      !s.ok()) {
    return Fail("keygen", s);
  }
  if (absl::Status s = note::WriteSignerKeyFile(prefix + ".key", key->signer_key);
      !s.ok()) {
    return Fail("keygen", s);
  }
  std::printf("%s\n", key->verifier_key.c_str());
  std::fprintf(stderr, "wrote %s.key (secret, mode 0600) and %s.vkey\n",
               prefix.c_str(), prefix.c_str());
  return kExitOk;
}

}  // namespace

const Command& KeygenCommand() {
  static const Command command{
      "keygen", "make an Ed25519 key pair (vendor, supervisor, log or witness)",
      "usage: vitrine keygen --kind=vendor|supervisor|log|witness --name=NAME "
      "[--out=PREFIX]\n"
      "\n"
      "Writes PREFIX.key (the signer key, mode 0600, never overwritten) and\n"
      "PREFIX.vkey (the verifier key), and prints the verifier key. A vendor\n"
      "key's name is the vendor name statements carry; a log key's name is\n"
      "the log's origin. Witness keys are cosignature/v1 (type 0x04) keys.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
