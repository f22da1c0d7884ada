#include "monitor/follow/statement_check.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/note/note.h"

namespace vitrine::monitor {
namespace {

std::shared_ptr<const note::VendorKeys> NoKeys() {
  return std::make_shared<const note::VendorKeys>();
}

// Reads the rebuilders file named in `files`, if any (StatementKeyFiles).
absl::StatusOr<std::shared_ptr<const note::VendorKeys>> ReadRebuilderKeys(
    const StatementKeyFiles& files) {
  if (files.rebuilders.empty()) return NoKeys();
  absl::StatusOr<std::shared_ptr<const note::VendorKeys>> keys =
      note::ReadVendorKeysFile(files.rebuilders);
  if (absl::IsNotFound(keys.status()) && files.rebuilders_optional) {
    return NoKeys();
  }
  return keys;
}

// Reads both key files: all or nothing, so that a Reload never pairs new
// vendor keys with stale rebuilder keys.
absl::StatusOr<TrustedKeys> ReadTrustedKeys(const StatementKeyFiles& files) {
  TrustedKeys keys;
  VITRINE_ASSIGN_OR_RETURN(keys.vendors, note::ReadVendorKeysFile(files.vendors));
  VITRINE_ASSIGN_OR_RETURN(keys.rebuilders, ReadRebuilderKeys(files));
  return keys;
}

bool Names(const note::VendorKeys& keys, absl::string_view name) {
  return std::binary_search(keys.vendors.begin(), keys.vendors.end(), name);
}

LeafCheck BadGrammar(const absl::Status& status) {
  LeafCheck check;
  check.verdict = LeafVerdict::kBadGrammar;
  check.error = std::string(status.message());
  return check;
}

}  // namespace

absl::string_view VerdictName(LeafVerdict verdict) {
  switch (verdict) {
    case LeafVerdict::kOk:
      return "ok";
    case LeafVerdict::kBadGrammar:
      return "bad_grammar";
    case LeafVerdict::kUnknownVendor:
      return "unknown_vendor";
    case LeafVerdict::kBadSignature:
      return "bad_signature";
    case LeafVerdict::kUnknownRebuilder:
      return "unknown_rebuilder";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<StatementChecker>> StatementChecker::Open(
    const StatementKeyFiles& files, StatementCheckOptions options) {
  if (files.vendors.empty()) {
    return absl::InvalidArgumentError("statement checks: no vendor keys file");
  }
  VITRINE_ASSIGN_OR_RETURN(TrustedKeys keys, ReadTrustedKeys(files));
  return std::unique_ptr<StatementChecker>(
      new StatementChecker(std::move(keys), options, files));
}

absl::StatusOr<std::unique_ptr<StatementChecker>> StatementChecker::Open(
    const std::string& path, StatementCheckOptions options) {
  return Open(StatementKeyFiles{path, "", false}, options);
}

StatementChecker::StatementChecker(TrustedKeys keys,
                                   StatementCheckOptions options)
    : StatementChecker(std::move(keys), options, StatementKeyFiles{}) {}

StatementChecker::StatementChecker(std::shared_ptr<const note::VendorKeys> keys,
                                   StatementCheckOptions options)
    : StatementChecker(TrustedKeys{std::move(keys), NoKeys()}, options,
                       StatementKeyFiles{}) {}

StatementChecker::StatementChecker(TrustedKeys keys,
                                   StatementCheckOptions options,
                                   StatementKeyFiles files)
    : options_(options),
      files_(std::move(files)),
      keys_(std::make_shared<const TrustedKeys>(std::move(keys))) {}

absl::Status StatementChecker::Reload() {
  if (files_.vendors.empty()) {
    return absl::FailedPreconditionError("these vendor keys came from no file");
  }
  absl::StatusOr<TrustedKeys> keys = ReadTrustedKeys(files_);
  if (!keys.ok()) {
    return absl::Status(
        keys.status().code(),
        absl::StrCat(keys.status().message(),
                     "; keeping the previous vendor keys and rebuilder keys"));
  }
  auto fresh = std::make_shared<const TrustedKeys>(*std::move(keys));
  absl::MutexLock lock(&mu_);
  keys_ = std::move(fresh);
  return absl::OkStatus();
}

std::shared_ptr<const TrustedKeys> StatementChecker::Keys() const {
  absl::MutexLock lock(&mu_);
  return keys_;
}

LeafCheck StatementChecker::Check(absl::string_view leaf) const {
  return CheckWith(*Keys(), leaf);
}

LeafCheck StatementChecker::CheckWith(const TrustedKeys& keys,
                                      absl::string_view leaf) const {
  absl::StatusOr<note::Note> parsed =
      note::ParseNote(leaf, note::StatementNoteLimits());
  if (!parsed.ok()) return BadGrammar(parsed.status());
  // The header line alone picks the grammar: a rebuild statement that
  // fails its own grammar is a bad rebuild, never retried as a release.
  if (note::IsRebuildStatementText(parsed->text)) {
    return CheckRebuild(*keys.rebuilders, leaf, parsed->text);
  }
  return CheckRelease(*keys.vendors, leaf, parsed->text);
}

LeafCheck StatementChecker::CheckRelease(const note::VendorKeys& vendors,
                                         absl::string_view leaf,
                                         absl::string_view text) const {
  absl::StatusOr<note::Statement> statement = note::ParseStatement(text);
  if (!statement.ok()) return BadGrammar(statement.status());
  LeafCheck check;
  check.statement = *std::move(statement);
  if (!Names(vendors, check.statement->vendor)) {
    check.verdict = LeafVerdict::kUnknownVendor;
    check.error = absl::StrCat("no key of vendor \"", check.statement->vendor,
                               "\" is known to the monitor");
    return check;
  }
  if (!options_.check_vendor_signatures) return check;
  absl::StatusOr<note::VerifiedStatement> verified =
      note::VerifyStatement(leaf, vendors.verifiers);
  if (!verified.ok()) {
    check.verdict = LeafVerdict::kBadSignature;
    check.error = std::string(verified.status().message());
  }
  return check;
}

LeafCheck StatementChecker::CheckRebuild(const note::VendorKeys& rebuilders,
                                         absl::string_view leaf,
                                         absl::string_view text) const {
  absl::StatusOr<note::RebuildStatement> rebuild =
      note::ParseRebuildStatement(text);
  if (!rebuild.ok()) return BadGrammar(rebuild.status());
  LeafCheck check;
  check.rebuild = *std::move(rebuild);
  if (!Names(rebuilders, check.rebuild->rebuilder)) {
    check.verdict = LeafVerdict::kUnknownRebuilder;
    check.error = absl::StrCat("no key of rebuilder \"",
                               check.rebuild->rebuilder,
                               "\" is known to the monitor");
    return check;
  }
  if (!options_.check_vendor_signatures) return check;
  absl::StatusOr<note::VerifiedRebuildStatement> verified =
      note::VerifyRebuildStatement(leaf, rebuilders.verifiers);
  if (!verified.ok()) {
    check.verdict = LeafVerdict::kBadSignature;
    check.error = std::string(verified.status().message());
  }
  return check;
}

std::vector<LeafCheck> StatementChecker::CheckBatch(
    absl::Span<const std::string> leaves) const {
  std::vector<LeafCheck> checks(leaves.size());
  // One key set for the whole batch, whatever a Reload does meanwhile.
  const std::shared_ptr<const TrustedKeys> keys = Keys();
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::clamp<size_t>(
      options_.threads > 0 ? options_.threads : cores, 1,
      std::max<size_t>(1, leaves.size() / 64));
  // Contiguous slices: each thread writes its own part of `checks`.
  const size_t per_thread = (leaves.size() + threads - 1) / threads;
  auto run = [&](size_t begin) {
    const size_t end = std::min(leaves.size(), begin + per_thread);
    for (size_t i = begin; i < end; ++i) checks[i] = CheckWith(*keys, leaves[i]);
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(run, t * per_thread);
  run(0);
  for (std::thread& worker : workers) worker.join();
  return checks;
}

}  // namespace vitrine::monitor
