#include "log/note/statement.h"

#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "log/note/internal/statement_grammar.h"

namespace vitrine::note {
namespace {

using internal::LineSpec;
using internal::Quote;
using internal::ValueKind;

// The lines after the header, in their required order; source is optional.
constexpr LineSpec kLines[] = {{"vendor", ValueKind::kKeyName},
                               {"artifact", ValueKind::kToken},
                               {"version", ValueKind::kToken},
                               {"sha256", ValueKind::kSha256},
                               {"source", ValueKind::kToken, /*optional=*/true}};

absl::Status WithField(absl::string_view field, const absl::Status& status) {
  return internal::WithField("statement", field, status);
}

absl::Status CheckVendorSigner(const Signer& signer, absl::string_view role) {
  if (signer.Type() != SignatureType::kEd25519) {
    return absl::InvalidArgumentError(
        absl::StrCat(role, " key ", Quote(signer.Name()),
                     " is not a type 0x01 (Ed25519 note) key"));
  }
  return absl::OkStatus();
}

std::string KeyLabel(const Signature& signature) {
  return absl::StrFormat("%s+%08x", signature.name, signature.key_id);
}

}  // namespace

NoteLimits StatementNoteLimits() {
  NoteLimits limits;
  limits.max_size = kMaxStatementNoteSize;
  return limits;
}

absl::StatusOr<std::string> FormatStatement(const Statement& statement) {
  VITRINE_RETURN_IF_ERROR(
      WithField("vendor", internal::CheckValue(statement.vendor, ValueKind::kKeyName)));
  VITRINE_RETURN_IF_ERROR(
      WithField("artifact", internal::CheckValue(statement.artifact, ValueKind::kToken)));
  VITRINE_RETURN_IF_ERROR(
      WithField("version", internal::CheckValue(statement.version, ValueKind::kToken)));
  if (statement.source.has_value()) {
    VITRINE_RETURN_IF_ERROR(
        WithField("source", internal::CheckValue(*statement.source, ValueKind::kToken)));
  }
  std::string text = absl::StrCat(
      kStatementHeader, "\nvendor ", statement.vendor, "\nartifact ",
      statement.artifact, "\nversion ", statement.version, "\nsha256 ",
      statement.sha256.ToHex(), "\n");
  if (statement.source.has_value()) {
    absl::StrAppend(&text, "source ", *statement.source, "\n");
  }
  return text;
}

absl::StatusOr<Statement> ParseStatement(absl::string_view text) {
  VITRINE_ASSIGN_OR_RETURN(
      std::vector<std::optional<std::string>> values,
      internal::ParseLines(text, kStatementHeader, kLines, "statement"));
  Statement statement;
  statement.vendor = *std::move(values[0]);
  statement.artifact = *std::move(values[1]);
  statement.version = *std::move(values[2]);
  VITRINE_ASSIGN_OR_RETURN(statement.sha256, internal::ParseSha256(*values[3]));
  statement.source = std::move(values[4]);
  return statement;
}

absl::Status CheckVendorName(absl::string_view vendor) {
  return WithField("vendor", internal::CheckValue(vendor, ValueKind::kKeyName));
}

absl::StatusOr<std::string> SignStatement(const Statement& statement,
                                          const Signer& vendor_signer) {
  VITRINE_RETURN_IF_ERROR(CheckVendorSigner(vendor_signer, "vendor"));
  if (vendor_signer.Name() != statement.vendor) {
    return absl::InvalidArgumentError(absl::StrCat(
        "vendor key name ", Quote(vendor_signer.Name()),
        " differs from the statement's vendor ", Quote(statement.vendor)));
  }
  VITRINE_ASSIGN_OR_RETURN(std::string text, FormatStatement(statement));
  VITRINE_ASSIGN_OR_RETURN(std::string signed_note,
                           SignNote(text, vendor_signer));
  if (signed_note.size() > kMaxStatementNoteSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat("signed statement is ", signed_note.size(),
                     " bytes, above the limit of ", kMaxStatementNoteSize));
  }
  return signed_note;
}

absl::StatusOr<std::string> CosignStatement(absl::string_view signed_statement,
                                            const Signer& supervisor) {
  VITRINE_RETURN_IF_ERROR(CheckVendorSigner(supervisor, "supervisor"));
  const NoteLimits limits = StatementNoteLimits();
  VITRINE_ASSIGN_OR_RETURN(Note note, ParseNote(signed_statement, limits));
  // Only statements are cosigned: refuse to vouch for other text.
  VITRINE_ASSIGN_OR_RETURN(Statement statement, ParseStatement(note.text));
  if (supervisor.Name() == statement.vendor) {
    return absl::InvalidArgumentError(absl::StrCat(
        "supervisor key ", Quote(supervisor.Name()),
        " is the statement's vendor; a vendor cannot supervise itself"));
  }
  return AddSignature(signed_statement, supervisor, limits);
}

absl::StatusOr<VerifiedStatement> VerifyStatement(
    absl::string_view signed_statement, const VerifierSet& vendor_keys,
    const VerifierSet& supervisor_keys) {
  VerifiedStatement result;
  VITRINE_ASSIGN_OR_RETURN(result.note,
                           ParseNote(signed_statement, StatementNoteLimits()));
  VITRINE_ASSIGN_OR_RETURN(result.statement, ParseStatement(result.note.text));
  const std::string& vendor = result.statement.vendor;
  bool vendor_signed = false;
  std::vector<std::string> other_vendors;  // Valid, but under another name.
  std::set<std::string> supervisor_names;
  for (const Signature& signature : result.note.signatures) {
    const Verifier* as_vendor =
        vendor_keys.Find(signature.name, signature.key_id);
    const Verifier* as_supervisor =
        supervisor_keys.Find(signature.name, signature.key_id);
    for (const Verifier* verifier : {as_vendor, as_supervisor}) {
      if (verifier != nullptr &&
          !verifier->Verify(result.note.text, signature.bytes)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "statement signature by %s (key ID %08x) does not verify",
            signature.name, signature.key_id));
      }
    }
    const bool vendor_key =
        as_vendor != nullptr && as_vendor->Type() == SignatureType::kEd25519;
    if (vendor_key && signature.name == vendor && !vendor_signed) {
      result.vendor_signature = signature;
      vendor_signed = true;
      continue;
    }
    if (vendor_key && signature.name != vendor) {
      other_vendors.push_back(signature.name);
    }
    result.further.push_back(signature);
    if (as_supervisor != nullptr &&
        as_supervisor->Type() == SignatureType::kEd25519 &&
        signature.name != vendor &&
        supervisor_names.insert(signature.name).second) {
      result.supervisors.push_back(signature);
    }
  }
  if (!vendor_signed && !other_vendors.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("signed by ", absl::StrJoin(other_vendors, ", "),
                     ", statement names vendor ", vendor));
  }
  if (!vendor_signed) {
    std::vector<std::string> keys;
    for (const Signature& s : result.note.signatures)
      keys.push_back(KeyLabel(s));
    return absl::PermissionDeniedError(
        absl::StrCat("statement is not signed by a registered key of vendor ",
                     vendor, " (signed by: ", absl::StrJoin(keys, ", "), ")"));
  }
  return result;
}

}  // namespace vitrine::note
