#include "monitor/follow/watch_lines.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_string.h"
#include "common/log_escape.h"
#include "nlohmann/json.hpp"

namespace vitrine::monitor {
namespace {

std::string ReleaseFields(const note::Statement& s) {
  std::string fields = absl::StrCat("\"vendor\":", JsonString(s.vendor));
  AppendJsonStringField(&fields, "artifact", s.artifact);
  AppendJsonStringField(&fields, "version", s.version);
  AppendJsonStringField(&fields, "sha256", s.sha256.ToHex());
  if (s.source.has_value()) AppendJsonStringField(&fields, "source", *s.source);
  return fields;
}

std::string RebuildFields(const note::RebuildStatement& r, bool trusted) {
  std::string fields = absl::StrCat("\"rebuilder\":", JsonString(r.rebuilder),
                                    ",\"trusted\":", trusted ? "true" : "false");
  AppendJsonStringField(&fields, "vendor", r.vendor);
  AppendJsonStringField(&fields, "artifact", r.artifact);
  AppendJsonStringField(&fields, "version", r.version);
  AppendJsonStringField(&fields, "source", r.source);
  AppendJsonStringField(&fields, "sha256", r.sha256.ToHex());
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
  AppendJsonStringField(&line, "rebuilder", r.rebuilder);
  AppendJsonStringField(&line, "vendor", r.vendor);
  AppendJsonStringField(&line, "artifact", r.artifact);
  AppendJsonStringField(&line, "version", r.version);
  AppendJsonStringField(&line, "source", r.source);
  AppendJsonStringField(&line, "expected_sha256", mismatch.expected.ToHex());
  AppendJsonStringField(&line, "produced_sha256", r.sha256.ToHex());
  absl::StrAppend(&line, ",\"checkpoint_size\":", checkpoint_size,
                  ",\"kind\":\"rebuild_mismatch\"}\n");
  return line;
}

std::string FormatMismatchAlarm(absl::string_view program,
                                absl::string_view origin,
                                const RebuildMismatch& mismatch) {
  const note::RebuildStatement& r = mismatch.rebuild;
  return absl::StrCat(
      program, ": ALARM: log ", EscapeForLog(origin),
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
