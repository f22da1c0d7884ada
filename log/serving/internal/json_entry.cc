#include "log/serving/internal/json_entry.h"

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json_string.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::serving::internal {
namespace {

struct Parsed {
  absl::string_view kind = "unknown";
  std::string statement = "null";  // the JSON value
};

// The "kind" and "statement" values, from the note's text.
Parsed ParseText(absl::string_view text) {
  if (note::IsRebuildStatementText(text)) {
    absl::StatusOr<note::RebuildStatement> rebuild =
        note::ParseRebuildStatement(text);
    if (rebuild.ok()) {
      std::string out = "{\"vendor\":";
      out += JsonString(rebuild->vendor);
      AppendJsonStringField(&out, "artifact", rebuild->artifact);
      AppendJsonStringField(&out, "version", rebuild->version);
      AppendJsonStringField(&out, "sha256", rebuild->sha256.ToHex());
      AppendJsonStringField(&out, "source", rebuild->source);
      AppendJsonStringField(&out, "rebuilder", rebuild->rebuilder);
      return {"rebuild", out + "}"};
    }
  } else if (absl::StatusOr<note::Statement> release =
                 note::ParseStatement(text);
             release.ok()) {
    std::string out = "{\"vendor\":";
    out += JsonString(release->vendor);
    AppendJsonStringField(&out, "artifact", release->artifact);
    AppendJsonStringField(&out, "version", release->version);
    AppendJsonStringField(&out, "sha256", release->sha256.ToHex());
    if (release->source.has_value()) {
      AppendJsonStringField(&out, "source", *release->source);
    }
    return {"release", out + "}"};
  }
  return {};
}

}  // namespace

std::string EntryJson(uint64_t index, absl::string_view leaf) {
  absl::StatusOr<note::Note> parsed =
      note::ParseNote(leaf, note::StatementNoteLimits());
  const Parsed text = parsed.ok() ? ParseText(parsed->text) : Parsed{};
  std::string out = absl::StrCat(
      "{\"index\":", index, ",\"kind\":\"", text.kind, "\",\"entry\":\"",
      absl::Base64Escape(leaf), "\",\"leaf_hash\":\"",
      merkle::HashLeaf(leaf).ToBase64(), "\",\"statement\":", text.statement,
      ",\"signatures\":[");
  if (parsed.ok()) {
    for (size_t i = 0; i < parsed->signatures.size(); ++i) {
      const note::Signature& signature = parsed->signatures[i];
      absl::StrAppend(&out, i == 0 ? "" : ",", "{\"name\":",
                      JsonString(signature.name), ",\"key_id\":\"",
                      absl::StrFormat("%08x", signature.key_id), "\"}");
    }
  }
  return out + "]}";
}

}  // namespace vitrine::serving::internal
