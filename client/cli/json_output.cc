#include "client/cli/json_output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json_string.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::cli {
namespace {

// Appends the fields both kinds of statement share, after "kind".
void AppendRelease(std::string* line, const note::Statement& statement) {
  AppendJsonStringField(line, "vendor", statement.vendor);
  AppendJsonStringField(line, "artifact", statement.artifact);
  AppendJsonStringField(line, "version", statement.version);
  AppendJsonStringField(line, "sha256", statement.sha256.ToHex());
  // A release without a source line has none: null, never "".
  if (statement.source.has_value()) {
    AppendJsonStringField(line, "source", *statement.source);
  } else {
    absl::StrAppend(line, ",\"source\":null");
  }
}

void AppendRebuild(std::string* line, const note::RebuildStatement& rebuild) {
  AppendJsonStringField(line, "rebuilder", rebuild.rebuilder);
  AppendJsonStringField(line, "vendor", rebuild.vendor);
  AppendJsonStringField(line, "artifact", rebuild.artifact);
  AppendJsonStringField(line, "version", rebuild.version);
  AppendJsonStringField(line, "source", rebuild.source);
  AppendJsonStringField(line, "sha256", rebuild.sha256.ToHex());
}

}  // namespace

std::string TreeJson(const note::Checkpoint& checkpoint) {
  return absl::StrCat("{\"origin\":", JsonString(checkpoint.origin),
                      ",\"size\":", checkpoint.size, ",\"root\":",
                      JsonString(checkpoint.root.ToBase64()), "}");
}

std::string HashesJson(absl::Span<const merkle::Hash> hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", JsonString(hashes[i].ToBase64()));
  }
  return out + "]";
}

std::string SignaturesJson(absl::Span<const note::Signature> signatures) {
  std::string out = "[";
  for (size_t i = 0; i < signatures.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"name\":",
                    JsonString(signatures[i].name));
    AppendJsonStringField(&out, "key_id",
                          absl::StrFormat("%08x", signatures[i].key_id));
    out += "}";
  }
  return out + "]";
}

std::string CheckpointJson(const note::VerifiedCheckpoint& head, bool witnessed) {
  // The log's own lines are those OpenCheckpoint verified with the pinned
  // key; every other line is listed as carried (with --witnessed, the
  // client checked the policy's quorum among them).
  std::vector<note::Signature> cosignatures;
  for (const note::Signature& signature : head.note.note.signatures) {
    bool by_log = false;
    for (const note::Signature& verified : head.note.verified) {
      by_log = by_log || verified == signature;
    }
    if (!by_log) cosignatures.push_back(signature);
  }
  const note::Checkpoint& tree = head.checkpoint;
  return absl::StrCat("{\"origin\":", JsonString(tree.origin), ",\"size\":",
                      tree.size, ",\"root\":", JsonString(tree.root.ToBase64()),
                      ",\"note\":", JsonString(note::FormatNote(head.note.note)),
                      ",\"witnessed\":", witnessed ? "true" : "false",
                      ",\"cosignatures\":", SignaturesJson(cosignatures), "}\n");
}

std::string EntryJson(uint64_t index, const std::string& leaf, bool raw) {
  std::string line = absl::StrCat("{\"index\":", index);
  absl::StatusOr<note::Note> parsed = note::ParseNote(leaf, note::StatementNoteLimits());
  absl::Status invalid = parsed.status();
  if (parsed.ok() && note::IsRebuildStatementText(parsed->text)) {
    absl::StatusOr<note::RebuildStatement> rebuild =
        note::ParseRebuildStatement(parsed->text);
    if (rebuild.ok()) {
      AppendJsonStringField(&line, "kind", "rebuild");
      AppendRebuild(&line, *rebuild);
    }
    invalid = rebuild.status();
  } else if (parsed.ok()) {
    absl::StatusOr<note::Statement> statement = note::ParseStatement(parsed->text);
    if (statement.ok()) {
      AppendJsonStringField(&line, "kind", "release");
      AppendRelease(&line, *statement);
    }
    invalid = statement.status();
  }
  if (invalid.ok()) {
    absl::StrAppend(&line, ",\"signatures\":", SignaturesJson(parsed->signatures));
  } else {
    // The log admits only statements; a verified entry that is none is
    // reported, not skipped, so that the index sequence stays whole.
    AppendJsonStringField(&line, "kind", "invalid");
    AppendJsonStringField(&line, "error", invalid.message());
  }
  if (raw) AppendJsonStringField(&line, "note", leaf);
  return line + "}\n";
}

}  // namespace vitrine::cli
