#include "monitor/follow/watch_lines.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log_escape.h"
#include "nlohmann/json.hpp"

namespace vitrine::monitor {
namespace {

// Returns `value` as a JSON string literal (RFC 8259 section 7).
std::string JsonString(absl::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

// Appends `,"name":"value"` to `line`.
void AppendString(std::string* line, absl::string_view name,
                  absl::string_view value) {
  absl::StrAppend(line, ",\"", name, "\":", JsonString(value));
}

std::string ReleaseFields(const note::Statement& s) {
  std::string fields = absl::StrCat("\"vendor\":", JsonString(s.vendor));
  AppendString(&fields, "artifact", s.artifact);
  AppendString(&fields, "version", s.version);
  AppendString(&fields, "sha256", s.sha256.ToHex());
  if (s.source.has_value()) AppendString(&fields, "source", *s.source);
  return fields;
}

std::string RebuildFields(const note::RebuildStatement& r, bool trusted) {
  std::string fields = absl::StrCat("\"rebuilder\":", JsonString(r.rebuilder),
                                    ",\"trusted\":", trusted ? "true" : "false");
  AppendString(&fields, "vendor", r.vendor);
  AppendString(&fields, "artifact", r.artifact);
  AppendString(&fields, "version", r.version);
  AppendString(&fields, "source", r.source);
  AppendString(&fields, "sha256", r.sha256.ToHex());
  return fields;
}

// The typed fields of a parsed line; nullopt when absent or of another
// type, so that a foreign line is skipped instead of throwing.
std::optional<std::string> StringField(const nlohmann::json& object,
                                       const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<merkle::Hash> HashField(const nlohmann::json& object,
                                      const char* name) {
  std::optional<std::string> hex = StringField(object, name);
  if (!hex.has_value()) return std::nullopt;
  absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromHex(*hex);
  if (!hash.ok()) return std::nullopt;
  return *hash;
}

std::optional<uint64_t> IndexField(const nlohmann::json& object,
                                   const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

std::optional<note::Statement> ParseRelease(const nlohmann::json& object) {
  std::optional<std::string> vendor = StringField(object, "vendor");
  std::optional<std::string> artifact = StringField(object, "artifact");
  std::optional<std::string> version = StringField(object, "version");
  std::optional<merkle::Hash> sha256 = HashField(object, "sha256");
  if (!vendor || !artifact || !version || !sha256) return std::nullopt;
  return note::Statement{*std::move(vendor), *std::move(artifact),
                         *std::move(version), *sha256,
                         StringField(object, "source")};
}

std::optional<note::RebuildStatement> ParseRebuild(
    const nlohmann::json& object) {
  std::optional<std::string> rebuilder = StringField(object, "rebuilder");
  std::optional<std::string> vendor = StringField(object, "vendor");
  std::optional<std::string> artifact = StringField(object, "artifact");
  std::optional<std::string> version = StringField(object, "version");
  std::optional<std::string> source = StringField(object, "source");
  std::optional<merkle::Hash> sha256 = HashField(object, "sha256");
  if (!rebuilder || !vendor || !artifact || !version || !source || !sha256) {
    return std::nullopt;
  }
  return note::RebuildStatement{*std::move(rebuilder), *std::move(vendor),
                                *std::move(artifact),  *std::move(version),
                                *std::move(source),    *sha256};
}

}  // namespace

std::string FormatWatchLine(absl::string_view origin,
                            const WatchedStatement& watched,
                            uint64_t checkpoint_size) {
  const bool rebuild = watched.rebuild.has_value();
  return absl::StrCat(
      "{\"origin\":", JsonString(origin), ",\"index\":", watched.index, ",",
      rebuild ? RebuildFields(*watched.rebuild, watched.trusted)
              : ReleaseFields(*watched.release),
      ",\"leaf_hash\":", JsonString(watched.leaf_hash.ToHex()),
      ",\"checkpoint_size\":", checkpoint_size, ",\"kind\":",
      rebuild ? "\"rebuild\"" : "\"release\"", "}\n");
}

std::string FormatMismatchLine(absl::string_view origin,
                               const RebuildMismatch& mismatch,
                               uint64_t checkpoint_size) {
  const note::RebuildStatement& r = mismatch.rebuild;
  std::string line = absl::StrCat(
      "{\"origin\":", JsonString(origin),
      ",\"release_index\":", mismatch.release_index,
      ",\"rebuild_index\":", mismatch.rebuild_index);
  AppendString(&line, "rebuilder", r.rebuilder);
  AppendString(&line, "vendor", r.vendor);
  AppendString(&line, "artifact", r.artifact);
  AppendString(&line, "version", r.version);
  AppendString(&line, "source", r.source);
  AppendString(&line, "expected_sha256", mismatch.expected.ToHex());
  AppendString(&line, "produced_sha256", r.sha256.ToHex());
  absl::StrAppend(&line, ",\"checkpoint_size\":", checkpoint_size,
                  ",\"kind\":\"rebuild_mismatch\"}\n");
  return line;
}

std::string FormatMismatchAlarm(absl::string_view origin,
                                const RebuildMismatch& mismatch) {
  const note::RebuildStatement& r = mismatch.rebuild;
  return absl::StrCat(
      "vitrine-monitor: ALARM: log ", EscapeForLog(origin),
      ": rebuild mismatch: rebuilder ", EscapeForLog(r.rebuilder),
      " (entry ", mismatch.rebuild_index, ") rebuilt ", EscapeForLog(r.vendor),
      " ", EscapeForLog(r.artifact), " ", EscapeForLog(r.version), " from ",
      EscapeForLog(r.source), " and got sha256 ", r.sha256.ToHex(),
      "; the release (entry ", mismatch.release_index, ") says ",
      mismatch.expected.ToHex(), "\n");
}

std::optional<WatchLine> ParseWatchLine(absl::string_view line) {
  const nlohmann::json object = nlohmann::json::parse(
      line.begin(), line.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return std::nullopt;
  std::optional<std::string> origin = StringField(object, "origin");
  std::optional<uint64_t> index = IndexField(object, "index");
  std::optional<merkle::Hash> leaf_hash = HashField(object, "leaf_hash");
  if (!origin || !index || !leaf_hash) return std::nullopt;
  WatchLine parsed{*std::move(origin), WatchedStatement{}};
  parsed.watched.index = *index;
  parsed.watched.leaf_hash = *leaf_hash;
  const std::string kind = StringField(object, "kind").value_or("release");
  if (kind == "release") {
    parsed.watched.release = ParseRelease(object);
    if (!parsed.watched.release) return std::nullopt;
  } else if (kind == "rebuild") {
    parsed.watched.rebuild = ParseRebuild(object);
    const auto trusted = object.find("trusted");
    if (!parsed.watched.rebuild || trusted == object.end() ||
        !trusted->is_boolean()) {
      return std::nullopt;
    }
    parsed.watched.trusted = trusted->get<bool>();
  } else {
    return std::nullopt;
  }
  return parsed;
}

}  // namespace vitrine::monitor
