#include "log/note/statement.h"

#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "log/note/internal/utf8.h"

namespace vitrine::note {
namespace {

// The lines after the header, in their required order. Only the last one
// (source) is optional.
constexpr absl::string_view kKeywords[] = {"vendor", "artifact", "version",
                                           "sha256", "source"};
constexpr size_t kNumKeywords = sizeof(kKeywords) / sizeof(kKeywords[0]);
constexpr size_t kRequiredKeywords = kNumKeywords - 1;
constexpr size_t kSha256HexSize = 64;

// Quotes untrusted input for an error message, shortened and escaped.
std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, 40)),
                      text.size() > 40 ? "..." : "", "\"");
}

// Returns the index of `keyword` in kKeywords, or kNumKeywords if unknown.
size_t KeywordIndex(absl::string_view keyword) {
  for (size_t i = 0; i < kNumKeywords; ++i) {
    if (kKeywords[i] == keyword) return i;
  }
  return kNumKeywords;
}

// Checks one value against the grammar of statement.h; the message does
// not say which line, the caller adds that. `is_key_name` adds the key
// name rule (no '+') for the vendor.
absl::Status CheckValue(absl::string_view value, bool is_key_name) {
  if (value.empty()) return absl::InvalidArgumentError("empty value");
  if (value.size() > kMaxStatementValueSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("value is ", value.size(), " bytes, above the limit of ",
                     kMaxStatementValueSize));
  }
  for (size_t i = 0; i < value.size();) {
    char32_t c;
    const size_t n = internal::DecodeUtf8(value.substr(i), &c);
    if (n == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("value is not valid UTF-8 at byte ", i));
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("value holds control character U+%04X at byte %d",
                          static_cast<uint32_t>(c), i));
    }
    if (c == ' ' && i == 0) {
      return absl::InvalidArgumentError(
          "value starts with a space (exactly one space follows the keyword)");
    }
    if (c == ' ' && i + 1 == value.size()) {
      return absl::InvalidArgumentError("value ends with a space");
    }
    if (internal::IsUnicodeSpace(c)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "value holds white space U+%04X at byte %d (values are one token)",
          static_cast<uint32_t>(c), i));
    }
    if (is_key_name && c == '+') {
      return absl::InvalidArgumentError(absl::StrCat(
          "value holds '+' at byte ", i, ", which a key name cannot"));
    }
    i += n;
  }
  return absl::OkStatus();
}

absl::StatusOr<merkle::Hash> ParseSha256(absl::string_view value) {
  VITRINE_RETURN_IF_ERROR(CheckValue(value, /*is_key_name=*/false));
  if (value.size() != kSha256HexSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value is ", value.size(), " characters, not 64 hex digits"));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c >= 'A' && c <= 'F') {
      return absl::InvalidArgumentError(absl::StrCat(
          "upper-case hex digit at byte ", i, " (lowercase only)"));
    }
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a hex digit at byte ", i));
    }
  }
  return merkle::Hash::FromHex(value);
}

absl::Status WithField(absl::string_view field, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(
      status.code(), absl::StrCat("statement ", field, ": ", status.message()));
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
      WithField("vendor", CheckValue(statement.vendor, /*is_key_name=*/true)));
  VITRINE_RETURN_IF_ERROR(
      WithField("artifact", CheckValue(statement.artifact, false)));
  VITRINE_RETURN_IF_ERROR(
      WithField("version", CheckValue(statement.version, false)));
  if (statement.source.has_value()) {
    VITRINE_RETURN_IF_ERROR(
        WithField("source", CheckValue(*statement.source, false)));
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
  if (text.empty()) return absl::InvalidArgumentError("statement is empty");
  if (text.back() != '\n') {
    return absl::InvalidArgumentError("statement does not end in a newline");
  }
  Statement statement;
  size_t line_number = 0;
  size_t next = 0;  // Index in kKeywords of the line expected next.
  for (absl::string_view rest = text; !rest.empty();) {
    ++line_number;
    const size_t end = rest.find('\n');  // Found: text ends in a newline.
    const absl::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::string where = absl::StrCat("statement line ", line_number);
    if (!line.empty() && line.back() == '\r') {
      return absl::InvalidArgumentError(
          absl::StrCat(where,
                       " ends in a carriage return (CRLF line endings are not "
                       "allowed)"));
    }
    if (line_number == 1) {
      if (line != kStatementHeader) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": expected the header \"", kStatementHeader,
                         "\", got ", Quote(line)));
      }
      continue;
    }
    if (line.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " is empty"));
    }
    const size_t space = line.find(' ');
    const absl::string_view keyword = line.substr(0, space);
    const size_t index = KeywordIndex(keyword);
    if (index == kNumKeywords) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown keyword ", Quote(keyword)));
    }
    // Lines are consumed strictly in order, so a keyword before the
    // expected one was already seen.
    if (index < next) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate ", keyword, " line"));
    }
    if (index > next) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", keyword, " line out of order (expected ",
                       kKeywords[next], ")"));
    }
    const std::string field = absl::StrCat(where, " (", keyword, ")");
    if (space == line.npos) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": no value"));
    }
    const absl::string_view value = line.substr(space + 1);
    absl::Status value_ok;
    switch (index) {
      case 0:
        value_ok = CheckValue(value, /*is_key_name=*/true);
        statement.vendor = std::string(value);
        break;
      case 1:
        value_ok = CheckValue(value, false);
        statement.artifact = std::string(value);
        break;
      case 2:
        value_ok = CheckValue(value, false);
        statement.version = std::string(value);
        break;
      case 3: {
        absl::StatusOr<merkle::Hash> hash = ParseSha256(value);
        value_ok = hash.status();
        if (hash.ok()) statement.sha256 = *hash;
        break;
      }
      default:
        value_ok = CheckValue(value, false);
        statement.source = std::string(value);
        break;
    }
    if (!value_ok.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", value_ok.message()));
    }
    ++next;
  }
  if (next < kRequiredKeywords) {
    return absl::InvalidArgumentError(absl::StrCat("statement ends after line ",
                                                   line_number, ", before its ",
                                                   kKeywords[next], " line"));
  }
  return statement;
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
