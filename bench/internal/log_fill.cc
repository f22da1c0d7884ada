#include "bench/internal/log_fill.h"

#include <atomic>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"
#include "log/note/statement_admission.h"
#include "log/sequencer/sequencer.h"
#include "log/server/config.h"
#include "log/storage/store.h"

namespace vitrine::bench {
namespace {

// Vendors and projects the synthetic releases are spread over.
constexpr uint64_t kVendors = 97;
constexpr uint64_t kProjects = 1000;

}  // namespace

SyntheticEntry MakeSyntheticEntry(uint64_t index) {
  const uint64_t vendor = index % kVendors;
  const uint64_t project = (index / kVendors) % kProjects;
  const merkle::Hash commit = merkle::Sha256(absl::StrCat("synthetic commit ", index));
  note::Statement statement;
  statement.vendor = absl::StrFormat("releases.vendor-%02d.example", vendor);
  statement.artifact = absl::StrFormat("project-%03d-cli_linux_amd64.tar.gz", project);
  statement.version = absl::StrCat("1.", index / 1000, ".", index % 1000);
  statement.sha256 = merkle::Sha256(absl::StrCat("synthetic artifact ", index));
  statement.source = absl::StrFormat("https://git.vendor-%02d.example/project-%03d/tree/%s",
                                     vendor, project, commit.ToHex().substr(0, 40));
  // The grammar holds by construction; a failure here is a bug in this file.
  std::string text = note::FormatStatement(statement).value();
  const merkle::Hash a = merkle::Sha256(absl::StrCat("synthetic signature a ", index));
  const merkle::Hash b = merkle::Sha256(absl::StrCat("synthetic signature b ", index));
  note::Note note;
  note.signatures.push_back(note::Signature{
      statement.vendor, static_cast<uint32_t>(0x5eed0000u + vendor),
      absl::StrCat(a.AsStringView(), b.AsStringView())});
  SyntheticEntry entry;
  entry.artifact_digest = statement.sha256;
  entry.statement_id = note::StatementId(text);
  note.text = std::move(text);
  entry.leaf = note::FormatNote(note);
  return entry;
}

absl::StatusOr<FillResult> FillLog(const FillOptions& options) {
  server::LogConfig config;
  config.data = options.data;
  storage::StoreOptions store_options;
  store_options.path = config.StorePath();
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                           storage::Store::Open(store_options));
  FillResult result;
  result.entries_before = store->EntryCount();
  result.entries_after = result.entries_before;
  if (result.entries_before < options.entries) {
    VITRINE_ASSIGN_OR_RETURN(std::string signer_key, note::ReadSignerKeyFile(config.KeyPath()));
    VITRINE_ASSIGN_OR_RETURN(std::string verifier_key, note::VerifierKeyOf(signer_key));
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> signer, note::NewSigner(signer_key));
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                             note::NewVerifier(verifier_key));
    const absl::Time started = absl::Now();
    VITRINE_ASSIGN_OR_RETURN(
        std::unique_ptr<sequencer::Sequencer> sequencer,
        sequencer::Sequencer::Start(store.get(), std::move(signer), std::move(verifier), {}));
    const absl::Time adding = absl::Now();
    result.start_seconds = absl::ToDoubleSeconds(adding - started);

    std::atomic<uint64_t> acknowledged{0};
    absl::Mutex mu;
    absl::Status failed;  // the first failed Add; guarded by mu
    std::atomic<bool> stop{false};
    uint64_t submitted = 0;
    for (uint64_t index = result.entries_before;
         index < options.entries && !stop.load(std::memory_order_relaxed); ++index) {
      SyntheticEntry entry = MakeSyntheticEntry(index);
      result.leaf_bytes += entry.leaf.size();
      while (submitted - acknowledged.load(std::memory_order_acquire) >= options.max_in_flight) {
        absl::SleepFor(absl::Microseconds(100));
      }
      sequencer::AddRequest request;
      request.leaf = std::move(entry.leaf);
      request.artifact_digest = entry.artifact_digest;
      request.statement_id = entry.statement_id;
      ++submitted;
      sequencer->Add(std::move(request), [&](absl::StatusOr<sequencer::AddResult> added) {
        if (!added.ok() || added->duplicate) {
          absl::MutexLock lock(&mu);
          if (failed.ok()) {
            failed = added.ok() ? absl::InternalError("a synthetic entry was a duplicate")
                                : added.status();
          }
          stop.store(true);
        }
        acknowledged.fetch_add(1, std::memory_order_release);
      });
      if (options.progress && (index + 1) % 1000000 == 0) {
        options.progress(index + 1, absl::ToDoubleSeconds(absl::Now() - adding));
      }
    }
    while (acknowledged.load(std::memory_order_acquire) < submitted) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    result.add_seconds = absl::ToDoubleSeconds(absl::Now() - adding);
    sequencer->Stop();
    {
      absl::MutexLock lock(&mu);
      if (!failed.ok()) {
        return absl::InternalError(absl::StrCat("filling the log: ", failed.ToString()));
      }
    }
    result.entries_after = store->EntryCount();
  }
  VITRINE_RETURN_IF_ERROR(store->Flush());
  result.disk_bytes = store->DiskBytes();
  return result;
}

}  // namespace vitrine::bench
