#include "rebuilder/rebuilder_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/log_client.h"
#include "common/disk_reserve.h"
#include "common/file.h"
#include "common/host_port.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/note/vendor_keys.h"
#include "monitor/evidence/recorder.h"
#include "monitor/follow/follower.h"
#include "monitor/follow/verified_copy.h"
#include "monitor/server/status_http.h"
#include "rebuilder/internal/sandbox_choice.h"
#include "rebuilder/progress_store.h"
#include "rebuilder/rebuild_worker.h"
#include "rebuilder/rebuilder_metrics.h"
#include "rebuilder/recipe_runner.h"
#include "rebuilder/report_file.h"
#include "rebuilder/submitter.h"

namespace vitrine::rebuilder {
namespace {

// TLS roots are a few KiB; anything near this is not a PEM file.
constexpr size_t kMaxPemFileSize = 1 << 20;

// The worker reads what the follower verified.
class CopyEntries : public EntrySource {
 public:
  explicit CopyEntries(const monitor::VerifiedCopy* copy) : copy_(copy) {}
  uint64_t VerifiedSize() const override {
    std::shared_ptr<const monitor::VerifiedHead> head = copy_->Latest();
    return head == nullptr ? 0 : head->checkpoint.size;
  }
  absl::StatusOr<std::vector<std::string>> Entries(uint64_t begin, uint64_t end) const override {
    return copy_->store().GetEntries(begin, end);
  }

 private:
  const monitor::VerifiedCopy* const copy_;
};

// Reads the vendor keys and checks that each configured vendor has one:
// without, none of its releases could be verified, and so none rebuilt.
absl::StatusOr<std::shared_ptr<const note::VendorKeys>> ReadVendorKeys(
    const RebuilderConfig& config) {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const note::VendorKeys> keys,
                           note::ReadVendorKeysFile(config.VendorsPath()));
  for (const std::string& vendor : config.vendors) {
    if (std::find(keys->vendors.begin(), keys->vendors.end(), vendor) == keys->vendors.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "vendor ", vendor, " has no key in ", config.VendorsPath(),
          ": none of its releases could be verified"));
    }
  }
  return keys;
}

}  // namespace

// Members in the order they are built; Shutdown stops the threads in the
// reverse order of their dependencies, then the destructor frees the rest.
struct RebuilderServer::Rep {
  RebuilderConfig config;
  RebuilderIdentity identity;
  std::string log_vkey;
  std::string origin;
  SandboxChoice sandbox;
  std::unique_ptr<note::Signer> signer;
  std::unique_ptr<ProgressStore> store;
  std::unique_ptr<ReportFile> mismatches;
  std::unique_ptr<ReportFile> failures;
  std::unique_ptr<monitor::EvidenceRecorder> alarm;
  std::unique_ptr<DiskReserve> disk;
  std::unique_ptr<monitor::VerifiedCopy> copy;
  std::unique_ptr<CopyEntries> entries;
  std::unique_ptr<client::LogClient> log;
  std::unique_ptr<Submitter> submitter;
  std::unique_ptr<RecipeRunner> runner;
  std::unique_ptr<RebuilderMetrics> metrics;
  std::unique_ptr<RebuildWorker> worker;
  std::unique_ptr<monitor::Follower> follower;
  std::unique_ptr<monitor::StatusHttp> http;
  std::string http_host;
  bool shut_down = false;

  RebuilderSnapshot Snapshot() const {
    RebuilderSnapshot s;
    s.origin = origin;
    s.follower = follower->stats();
    s.halted = alarm->Halted(origin);
    s.evidence_dir = config.EvidenceDir();
    s.cursor = store->cursor();
    if (absl::Status broken = store->WriteFailure(); !broken.ok()) {
      s.store_failure = broken.ToString();
    }
    s.worker = worker->stats();
    s.submitter = submitter->stats();
    s.sandboxed = !sandbox.bwrap.empty();
    return s;
  }
};

RebuilderServer::RebuilderServer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

RebuilderServer::~RebuilderServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<RebuilderServer>> RebuilderServer::Start(
    const RebuilderConfig& config) {
  VITRINE_RETURN_IF_ERROR(ValidateForServe(config));
  VITRINE_ASSIGN_OR_RETURN(HostPort http_address, SplitHostPort(config.http_listen));
  auto rep = std::make_unique<Rep>();
  Rep* r = rep.get();
  rep->config = config;
  VITRINE_ASSIGN_OR_RETURN(rep->log_vkey, ResolveLogKey(config));
  VITRINE_ASSIGN_OR_RETURN(note::VerifierKey log_key, note::ParseVerifierKey(rep->log_vkey));
  rep->origin = log_key.name;
  if (!config.init_if_missing && !PathExists(config.KeyPath())) {
    return absl::FailedPreconditionError(
        absl::StrCat("no rebuilder key at ", config.KeyPath(),
                     ": run `vitrine-rebuilder init` or pass --init_if_missing"));
  }
  VITRINE_ASSIGN_OR_RETURN(rep->identity, InitRebuilderData(config));
  VITRINE_ASSIGN_OR_RETURN(std::string signer_key, note::ReadSignerKeyFile(config.KeyPath()));
  VITRINE_ASSIGN_OR_RETURN(rep->signer, note::NewSigner(signer_key));
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const note::VendorKeys> vendor_keys,
                           ReadVendorKeys(config));
  std::optional<std::string> tls_roots;
  if (!config.tls_roots_file.empty()) {
    VITRINE_ASSIGN_OR_RETURN(tls_roots, ReadSmallFile(config.tls_roots_file, kMaxPemFileSize));
  }

  VITRINE_ASSIGN_OR_RETURN(rep->sandbox, ChooseSandbox(config));
  VITRINE_ASSIGN_OR_RETURN(rep->store, ProgressStore::Open(config.StatePath()));
  VITRINE_RETURN_IF_ERROR(rep->store->AdvanceCursor(static_cast<uint64_t>(config.rebuild_from)));
  VITRINE_ASSIGN_OR_RETURN(rep->mismatches, ReportFile::Open(config.MismatchPath()));
  VITRINE_ASSIGN_OR_RETURN(rep->failures, ReportFile::Open(config.FailuresPath()));
  VITRINE_ASSIGN_OR_RETURN(
      rep->alarm, monitor::EvidenceRecorder::Open(
                         config.EvidenceDir(), config.ObservedDir(),
                         monitor::AlarmVoice{"vitrine-rebuilder", "rebuilding"}));
  DiskReserveOptions disk_options;
  disk_options.min_free_bytes = config.min_free_bytes;
  rep->disk = std::make_unique<DiskReserve>(config.data, disk_options);
  monitor::VerifiedCopyOptions copy_options;
  copy_options.program = "vitrine-rebuilder";
  VITRINE_ASSIGN_OR_RETURN(rep->copy,
                           monitor::VerifiedCopy::Open(config.CopyPath(), rep->log_vkey,
                                                       {}, copy_options));
  rep->entries = std::make_unique<CopyEntries>(rep->copy.get());

  client::LogClientOptions log_options;
  log_options.deadline = absl::Milliseconds(config.submit_timeout_ms);
  log_options.tls_root_certs = tls_roots;
  VITRINE_ASSIGN_OR_RETURN(rep->log,
                           client::LogClient::Create(config.log, rep->log_vkey, log_options));
  SubmitterOptions submit_options;
  submit_options.batch_size = static_cast<size_t>(config.batch_size);
  submit_options.batch_delay = absl::Milliseconds(config.batch_delay_ms);
  VITRINE_ASSIGN_OR_RETURN(
      rep->submitter,
      Submitter::Create(submit_options, rep->store.get(),
                        [r](absl::Span<const std::string> notes) { return r->log->Add(notes); }));

  RecipeRunnerOptions recipe;
  recipe.recipe = config.recipe;
  recipe.timeout = absl::Seconds(config.recipe_timeout_seconds);
  recipe.bwrap = rep->sandbox.bwrap;
  recipe.network = config.sandbox_network;
  recipe.read_only = config.sandbox_read_only;
  rep->runner = std::make_unique<RecipeRunner>(recipe);
  rep->metrics = std::make_unique<RebuilderMetrics>();
  RebuildWorkerOptions worker_options;
  worker_options.origin = rep->origin;
  worker_options.vendors = config.vendors;
  worker_options.work_dir = config.WorkDir();
  worker_options.build_log_dir = config.BuildLogDir();
  worker_options.keep_work = config.keep_work;
  worker_options.max_pending = static_cast<size_t>(config.max_pending);
  RebuildWorkerParts parts;
  parts.entries = rep->entries.get();
  parts.runner = rep->runner.get();
  parts.signer = rep->signer.get();
  parts.store = rep->store.get();
  parts.submitter = rep->submitter.get();
  parts.mismatches = rep->mismatches.get();
  parts.failures = rep->failures.get();
  parts.disk = rep->disk.get();
  parts.build_seconds = &rep->metrics->build_seconds();
  rep->worker = std::make_unique<RebuildWorker>(worker_options, parts, vendor_keys);

  monitor::FollowerOptions follow;
  follow.target = config.log;
  follow.log_vkey = rep->log_vkey;
  follow.tls_root_certs = tls_roots;
  follow.vendor_keys_file = config.VendorsPath();
  follow.rebuilder_keys_file = config.RebuildersPath();
  follow.rebuilder_keys_optional = config.rebuilders_file.empty();
  follow.entries_per_fetch = static_cast<uint64_t>(config.entries_per_fetch);
  follow.poll_interval = absl::Milliseconds(config.poll_interval_ms);
  follow.monitor_name = rep->identity.name;
  follow.program = "vitrine-rebuilder";
  follow.disk = rep->disk.get();
  VITRINE_ASSIGN_OR_RETURN(
      rep->follower,
      monitor::Follower::Create(follow, rep->copy.get(), rep->alarm.get(),
                                [r](std::shared_ptr<const monitor::VerifiedHead>) {
                                  r->worker->Notify();
                                }));

  monitor::StatusHttp::Handlers handlers;
  handlers.metrics = [r] { return r->metrics->Render(r->Snapshot()); };
  handlers.health = [r] {
    monitor::Health health;
    health.ok = HealthText(r->Snapshot(), &health.text);
    return health;
  };
  VITRINE_ASSIGN_OR_RETURN(
      rep->http, monitor::StatusHttp::Start(http_address.host, http_address.port, handlers));
  rep->http_host = http_address.host;

  // Pending statements from before a restart go first; then what the copy
  // already holds is scanned; then the log is followed.
  rep->submitter->Start();
  rep->worker->Start();
  rep->follower->Start();
  return std::unique_ptr<RebuilderServer>(new RebuilderServer(std::move(rep)));
}

const RebuilderIdentity& RebuilderServer::identity() const { return rep_->identity; }
const std::string& RebuilderServer::origin() const { return rep_->origin; }
const std::string& RebuilderServer::sandbox() const { return rep_->sandbox.description; }

std::string RebuilderServer::http_address() const {
  return absl::StrCat(rep_->http_host, ":", rep_->http->port());
}

std::string RebuilderServer::RenderMetrics() const {
  return rep_->metrics->Render(rep_->Snapshot());
}

bool RebuilderServer::Healthy(std::string* text) const {
  return HealthText(rep_->Snapshot(), text);
}

absl::Status RebuilderServer::ReloadVendors() {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const note::VendorKeys> keys,
                           ReadVendorKeys(rep_->config));
  VITRINE_RETURN_IF_ERROR(rep_->follower->ReloadVendorKeys());
  rep_->worker->set_vendor_keys(std::move(keys));
  return absl::OkStatus();
}

void RebuilderServer::Shutdown() {
  if (rep_ == nullptr || rep_->shut_down) return;
  rep_->shut_down = true;
  // What feeds the worker, then the worker (its recipe killed), then what
  // it feeds, which may send its last batch; the HTTP port last, so
  // /healthz answers while the rest stops.
  rep_->follower->Stop();
  rep_->worker->Stop();
  rep_->submitter->Stop(/*flush=*/true);
  rep_->http->Stop();
}

}  // namespace vitrine::rebuilder
