#include "log/note/statement_admission.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace vitrine::note {
namespace {

// The key a signature line claims, as "name+keyid" for messages.
std::string KeyLabel(const Signature& signature) {
  return absl::StrFormat("%s+%08x", signature.name, signature.key_id);
}

// The key that screening accepts for `signature`, or nullptr: a type 0x01
// vendor key named like the vendor, else a type 0x01 supervisor key named
// otherwise.
const Verifier* RecognisedKey(const Signature& signature,
                              absl::string_view vendor,
                              const VerifierSet& vendor_keys,
                              const VerifierSet& supervisor_keys) {
  if (signature.name == vendor) {
    const Verifier* key = vendor_keys.Find(signature.name, signature.key_id);
    if (key != nullptr && key->Type() == SignatureType::kEd25519) return key;
    return nullptr;
  }
  const Verifier* key = supervisor_keys.Find(signature.name, signature.key_id);
  if (key != nullptr && key->Type() == SignatureType::kEd25519) return key;
  return nullptr;
}

// Refuses, before anything is decoded, a note whose signature block has
// more than `max_lines` lines or one line twice byte for byte: the cheap
// shapes of a verification flood (issue 11: 99 copies of one signature),
// which a full parse would first base64-decode line by line.
absl::Status PrescreenSignatureBlock(absl::string_view signed_statement,
                                     size_t max_lines,
                                     absl::string_view what = "statement") {
  if (signed_statement.size() > kMaxStatementNoteSize) {
    return absl::OkStatus();  // ParseNote refuses it with its own code
  }
  const size_t blank = signed_statement.rfind("\n\n");
  if (blank == signed_statement.npos) return absl::OkStatus();
  absl::string_view block = signed_statement.substr(blank + 2);
  const size_t lines =
      static_cast<size_t>(std::count(block.begin(), block.end(), '\n'));
  if (lines > max_lines) {
    if (max_lines == 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " carries ", lines,
                       " signature lines; it carries exactly one"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        what, " carries ", lines,
        " signature lines; a log entry carries at most ", max_lines,
        " (the vendor's and up to ", max_lines - 1, " supervisors')"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t number = 1; !block.empty(); ++number) {
    const size_t end = block.find('\n');
    const absl::string_view line = block.substr(0, end);
    if (!seen.insert(line).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "signature line ", number,
          " repeats an earlier line; each key signs once"));
    }
    if (end == block.npos) break;
    block.remove_prefix(end + 1);
  }
  return absl::OkStatus();
}

}  // namespace

merkle::Hash StatementId(absl::string_view text) { return merkle::Sha256(text); }

absl::StatusOr<ScreenedStatement> ScreenStatement(
    absl::string_view signed_statement, const VerifierSet& vendor_keys,
    const VerifierSet& supervisor_keys, const AdmissionLimits& limits) {
  ScreenedStatement screened;
  VITRINE_RETURN_IF_ERROR(
      PrescreenSignatureBlock(signed_statement, 1 + limits.max_supervisors));
  VITRINE_ASSIGN_OR_RETURN(screened.note,
                           ParseNote(signed_statement, StatementNoteLimits()));
  VITRINE_ASSIGN_OR_RETURN(screened.statement,
                           ParseStatement(screened.note.text));
  const std::string& vendor = screened.statement.vendor;
  const size_t max_lines = 1 + limits.max_supervisors;
  if (screened.note.signatures.size() > max_lines) {
    return absl::InvalidArgumentError(absl::StrCat(
        "statement carries ", screened.note.signatures.size(),
        " signature lines; a log entry carries at most ", max_lines,
        " (the vendor's and up to ", limits.max_supervisors, " supervisors')"));
  }
  std::set<std::pair<std::string, uint32_t>> seen;
  bool vendor_signed = false;
  for (size_t i = 0; i < screened.note.signatures.size(); ++i) {
    const Signature& signature = screened.note.signatures[i];
    if (!seen.emplace(signature.name, signature.key_id).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "signature line ", i + 1, ": key ", KeyLabel(signature),
          " already signed this statement; each key signs once"));
    }
    if (RecognisedKey(signature, vendor, vendor_keys, supervisor_keys) ==
        nullptr) {
      if (signature.name == vendor) {
        return absl::PermissionDeniedError(absl::StrCat(
            "signature line ", i + 1, ": ", KeyLabel(signature),
            " is not a registered key of vendor ", vendor));
      }
      if (vendor_keys.Find(signature.name, signature.key_id) != nullptr) {
        // A registered vendor signing for another: impersonation.
        return absl::PermissionDeniedError(absl::StrCat(
            "signature line ", i + 1, ": signed by ", signature.name,
            ", statement names vendor ", vendor));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "signature line ", i + 1, ": ", KeyLabel(signature),
          " is neither a key of vendor ", vendor,
          " nor a supervisor key registered with this log; the log stores "
          "only signatures it can check (remove the line)"));
    }
    if (signature.name == vendor) vendor_signed = true;
  }
  if (!vendor_signed) {
    return absl::PermissionDeniedError(absl::StrCat(
        "statement is not signed by a registered key of vendor ", vendor));
  }
  screened.id = StatementId(screened.note.text);
  return screened;
}

absl::StatusOr<ScreenedRebuild> ScreenRebuildStatement(
    absl::string_view signed_statement, const VerifierSet& rebuilder_keys) {
  ScreenedRebuild screened;
  VITRINE_RETURN_IF_ERROR(PrescreenSignatureBlock(signed_statement, 1,
                                                  "rebuild statement"));
  VITRINE_ASSIGN_OR_RETURN(screened.note,
                           ParseNote(signed_statement, StatementNoteLimits()));
  VITRINE_ASSIGN_OR_RETURN(screened.statement,
                           ParseRebuildStatement(screened.note.text));
  if (screened.note.signatures.size() != 1) {  // ParseNote demands one
    return absl::InvalidArgumentError(absl::StrCat(
        "rebuild statement carries ", screened.note.signatures.size(),
        " signature lines; it carries exactly its rebuilder's"));
  }
  const Signature& signature = screened.note.signatures.front();
  const std::string& rebuilder = screened.statement.rebuilder;
  const Verifier* key = rebuilder_keys.Find(signature.name, signature.key_id);
  const bool registered =
      key != nullptr && key->Type() == SignatureType::kEd25519;
  if (registered && signature.name != rebuilder) {
    return absl::PermissionDeniedError(absl::StrCat(
        "signed by ", signature.name, ", statement names rebuilder ",
        rebuilder));
  }
  if (!registered) {
    return absl::PermissionDeniedError(absl::StrCat(
        "rebuild statement is signed by ", KeyLabel(signature),
        ", not by a registered key of rebuilder ", rebuilder));
  }
  screened.id = StatementId(screened.note.text);
  return screened;
}

absl::Status VerifyScreenedRebuild(const ScreenedRebuild& screened,
                                   const VerifierSet& rebuilder_keys) {
  const Signature& signature = screened.note.signatures.front();
  const Verifier* key = rebuilder_keys.Find(signature.name, signature.key_id);
  if (key == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        "key ", KeyLabel(signature), " is no longer registered"));
  }
  if (!key->Verify(screened.note.text, signature.bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rebuild statement signature by ", KeyLabel(signature),
        " does not verify"));
  }
  return absl::OkStatus();
}

absl::Status VerifyScreened(const ScreenedStatement& screened,
                            const VerifierSet& vendor_keys,
                            const VerifierSet& supervisor_keys) {
  const std::string& vendor = screened.statement.vendor;
  for (const Signature& signature : screened.note.signatures) {
    const Verifier* key =
        RecognisedKey(signature, vendor, vendor_keys, supervisor_keys);
    if (key == nullptr) {
      // The keys changed since screening (a registry reload in between).
      return absl::PermissionDeniedError(absl::StrCat(
          "key ", KeyLabel(signature), " is no longer registered"));
    }
    if (!key->Verify(screened.note.text, signature.bytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat("statement signature by ", KeyLabel(signature),
                       " does not verify"));
    }
  }
  return absl::OkStatus();
}

}  // namespace vitrine::note
