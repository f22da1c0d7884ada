#include "monitor/follow/statement_check.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/note/note.h"

namespace vitrine::monitor {

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
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<StatementChecker>> StatementChecker::Open(
    const std::string& path, StatementCheckOptions options) {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const note::VendorKeys> keys,
                           note::ReadVendorKeysFile(path));
  return std::make_unique<StatementChecker>(std::move(keys), options, path);
}

StatementChecker::StatementChecker(
    std::shared_ptr<const note::VendorKeys> keys,
    StatementCheckOptions options, std::string path)
    : options_(options), path_(std::move(path)), keys_(std::move(keys)) {}

absl::Status StatementChecker::Reload() {
  if (path_.empty()) {
    return absl::FailedPreconditionError("these vendor keys came from no file");
  }
  absl::StatusOr<std::shared_ptr<const note::VendorKeys>> keys =
      note::ReadVendorKeysFile(path_);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat(keys.status().message(), "; keeping the previous vendor keys"));
  }
  absl::MutexLock lock(&mu_);
  keys_ = *std::move(keys);
  return absl::OkStatus();
}

std::shared_ptr<const note::VendorKeys> StatementChecker::Keys() const {
  absl::MutexLock lock(&mu_);
  return keys_;
}

LeafCheck StatementChecker::Check(absl::string_view leaf) const {
  return CheckWith(*Keys(), leaf);
}

LeafCheck StatementChecker::CheckWith(const note::VendorKeys& keys,
                                      absl::string_view leaf) const {
  LeafCheck check;
  absl::StatusOr<note::Note> parsed =
      note::ParseNote(leaf, note::StatementNoteLimits());
  if (!parsed.ok()) {
    check.verdict = LeafVerdict::kBadGrammar;
    check.error = std::string(parsed.status().message());
    return check;
  }
  absl::StatusOr<note::Statement> statement = note::ParseStatement(parsed->text);
  if (!statement.ok()) {
    check.verdict = LeafVerdict::kBadGrammar;
    check.error = std::string(statement.status().message());
    return check;
  }
  check.statement = *std::move(statement);
  if (!std::binary_search(keys.vendors.begin(), keys.vendors.end(),
                          check.statement->vendor)) {
    check.verdict = LeafVerdict::kUnknownVendor;
    check.error = absl::StrCat("no key of vendor \"", check.statement->vendor,
                               "\" is known to the monitor");
    return check;
  }
  if (!options_.check_vendor_signatures) return check;
  absl::StatusOr<note::VerifiedStatement> verified =
      note::VerifyStatement(leaf, keys.verifiers);
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
  const std::shared_ptr<const note::VendorKeys> keys = Keys();
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
