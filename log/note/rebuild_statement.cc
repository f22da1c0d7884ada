#include "log/note/rebuild_statement.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
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

// The lines after the header, in their required order; all required. The
// digest comes last: the lines before it name the release, as in the
// release statement, and the last says what this rebuild found.
constexpr LineSpec kLines[] = {{"rebuilder", ValueKind::kKeyName},
                               {"vendor", ValueKind::kKeyName},
                               {"artifact", ValueKind::kToken},
                               {"version", ValueKind::kToken},
                               {"source", ValueKind::kToken},
                               {"sha256", ValueKind::kSha256}};

constexpr absl::string_view kWhat = "rebuild statement";

absl::Status Check(absl::string_view field, absl::string_view value,
                   ValueKind kind) {
  return internal::WithField(kWhat, field, internal::CheckValue(value, kind));
}

}  // namespace

bool IsRebuildStatementText(absl::string_view text) {
  return absl::StartsWith(text, kRebuildStatementHeader) &&
         text.size() > kRebuildStatementHeader.size() &&
         text[kRebuildStatementHeader.size()] == '\n';
}

absl::StatusOr<RebuildStatement> RebuildOf(const Statement& release,
                                           absl::string_view rebuilder,
                                           const merkle::Hash& produced) {
  if (!release.source.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the release ", release.vendor, " ", release.artifact, " ",
        release.version, " names no source to rebuild from"));
  }
  RebuildStatement rebuild;
  rebuild.rebuilder = std::string(rebuilder);
  rebuild.vendor = release.vendor;
  rebuild.artifact = release.artifact;
  rebuild.version = release.version;
  rebuild.source = *release.source;
  rebuild.sha256 = produced;
  return rebuild;
}

bool SameRelease(const RebuildStatement& rebuild, const Statement& release) {
  return release.source.has_value() && rebuild.vendor == release.vendor &&
         rebuild.artifact == release.artifact &&
         rebuild.version == release.version && rebuild.source == *release.source;
}

merkle::Hash ReleaseKey(absl::string_view vendor, absl::string_view artifact,
                        absl::string_view version, absl::string_view source) {
  // Values hold no newline (the grammar), so this encoding is injective.
  return merkle::Sha256(absl::StrCat("vitrine/rebuild-of/v1\n", vendor, "\n",
                                     artifact, "\n", version, "\n", source,
                                     "\n"));
}

merkle::Hash ReleaseKey(const RebuildStatement& rebuild) {
  return ReleaseKey(rebuild.vendor, rebuild.artifact, rebuild.version,
                    rebuild.source);
}

absl::StatusOr<std::string> FormatRebuildStatement(
    const RebuildStatement& statement) {
  VITRINE_RETURN_IF_ERROR(
      Check("rebuilder", statement.rebuilder, ValueKind::kKeyName));
  VITRINE_RETURN_IF_ERROR(Check("vendor", statement.vendor, ValueKind::kKeyName));
  VITRINE_RETURN_IF_ERROR(Check("artifact", statement.artifact, ValueKind::kToken));
  VITRINE_RETURN_IF_ERROR(Check("version", statement.version, ValueKind::kToken));
  VITRINE_RETURN_IF_ERROR(Check("source", statement.source, ValueKind::kToken));
  return absl::StrCat(kRebuildStatementHeader, "\nrebuilder ",
                      statement.rebuilder, "\nvendor ", statement.vendor,
                      "\nartifact ", statement.artifact, "\nversion ",
                      statement.version, "\nsource ", statement.source,
                      "\nsha256 ", statement.sha256.ToHex(), "\n");
}

absl::StatusOr<RebuildStatement> ParseRebuildStatement(absl::string_view text) {
  VITRINE_ASSIGN_OR_RETURN(
      std::vector<std::optional<std::string>> values,
      internal::ParseLines(text, kRebuildStatementHeader, kLines, kWhat));
  RebuildStatement statement;
  statement.rebuilder = *std::move(values[0]);
  statement.vendor = *std::move(values[1]);
  statement.artifact = *std::move(values[2]);
  statement.version = *std::move(values[3]);
  statement.source = *std::move(values[4]);
  VITRINE_ASSIGN_OR_RETURN(statement.sha256, internal::ParseSha256(*values[5]));
  return statement;
}

absl::StatusOr<std::string> SignRebuildStatement(
    const RebuildStatement& statement, const Signer& rebuilder_signer) {
  if (rebuilder_signer.Type() != SignatureType::kEd25519) {
    return absl::InvalidArgumentError(
        absl::StrCat("rebuilder key ", Quote(rebuilder_signer.Name()),
                     " is not a type 0x01 (Ed25519 note) key"));
  }
  if (rebuilder_signer.Name() != statement.rebuilder) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rebuilder key name ", Quote(rebuilder_signer.Name()),
        " differs from the statement's rebuilder ", Quote(statement.rebuilder)));
  }
  VITRINE_ASSIGN_OR_RETURN(std::string text, FormatRebuildStatement(statement));
  VITRINE_ASSIGN_OR_RETURN(std::string signed_note,
                           SignNote(text, rebuilder_signer));
  if (signed_note.size() > kMaxStatementNoteSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat("signed rebuild statement is ", signed_note.size(),
                     " bytes, above the limit of ", kMaxStatementNoteSize));
  }
  return signed_note;
}

absl::StatusOr<VerifiedRebuildStatement> VerifyRebuildStatement(
    absl::string_view signed_statement, const VerifierSet& rebuilder_keys) {
  VerifiedRebuildStatement result;
  VITRINE_ASSIGN_OR_RETURN(result.note,
                           ParseNote(signed_statement, StatementNoteLimits()));
  VITRINE_ASSIGN_OR_RETURN(result.statement,
                           ParseRebuildStatement(result.note.text));
  const std::string& rebuilder = result.statement.rebuilder;
  bool signed_by_rebuilder = false;
  std::vector<std::string> others;  // Trusted keys of other rebuilders.
  for (const Signature& signature : result.note.signatures) {
    const Verifier* key = rebuilder_keys.Find(signature.name, signature.key_id);
    if (key == nullptr) continue;  // Unknown keys are ignored (signed-note).
    if (!key->Verify(result.note.text, signature.bytes)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "rebuild statement signature by %s (key ID %08x) does not verify",
          signature.name, signature.key_id));
    }
    if (key->Type() != SignatureType::kEd25519) continue;
    if (signature.name != rebuilder) {
      others.push_back(signature.name);
    } else if (!signed_by_rebuilder) {
      result.rebuilder_signature = signature;
      signed_by_rebuilder = true;
    }
  }
  if (signed_by_rebuilder) return result;
  if (!others.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("signed by ", absl::StrJoin(others, ", "),
                     ", statement names rebuilder ", rebuilder));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "rebuild statement is not signed by a trusted key of rebuilder ",
      rebuilder));
}

}  // namespace vitrine::note
