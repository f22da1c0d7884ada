#include "bench/internal/rebuild_watcher.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::bench {
namespace {

// The log streams at most this many entries per GetEntries (log.proto).
constexpr uint64_t kEntriesPerCall = 10000;
constexpr absl::Duration kFetchDeadline = absl::Seconds(30);
constexpr absl::Duration kReconnectDelay = absl::Milliseconds(100);

}  // namespace

class RebuildWatcher::Rep {
 public:
  explicit Rep(const std::string& address)
      : stub_(vitrine::v1::Log::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}
  vitrine::v1::Log::Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
};

absl::StatusOr<std::unique_ptr<RebuildWatcher>> RebuildWatcher::Start(const std::string& address,
                                                                      uint64_t after_size) {
  std::unique_ptr<RebuildWatcher> watcher(
      new RebuildWatcher(std::make_unique<Rep>(address), after_size));
  watcher->thread_ = std::thread([w = watcher.get()] { w->Loop(); });
  return watcher;
}

RebuildWatcher::RebuildWatcher(std::unique_ptr<Rep> rep, uint64_t after_size)
    : rep_(std::move(rep)), size_(after_size) {}

RebuildWatcher::~RebuildWatcher() { Stop(); }

void RebuildWatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

std::optional<absl::Time> RebuildWatcher::ReleaseSeen(const std::string& version) const {
  absl::MutexLock lock(&mu_);
  auto it = by_version_.find(version);
  return it == by_version_.end() ? std::nullopt : it->second.release;
}

std::optional<absl::Time> RebuildWatcher::RebuildSeen(const std::string& rebuilder,
                                                      const std::string& version) const {
  absl::MutexLock lock(&mu_);
  auto it = by_version_.find(version);
  if (it == by_version_.end()) return std::nullopt;
  auto seen = it->second.rebuilds.find(rebuilder);
  if (seen == it->second.rebuilds.end()) return std::nullopt;
  return seen->second;
}

uint64_t RebuildWatcher::RebuildsBy(const std::string& rebuilder) const {
  absl::MutexLock lock(&mu_);
  auto it = rebuilds_by_.find(rebuilder);
  return it == rebuilds_by_.end() ? 0 : it->second;
}

uint64_t RebuildWatcher::size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

std::string RebuildWatcher::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

void RebuildWatcher::Loop() {
  for (;;) {
    grpc::ClientContext context;
    vitrine::v1::WatchCheckpointsRequest request;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      stream_ = &context;
      request.set_after_size(size_);
    }
    std::unique_ptr<grpc::ClientReader<vitrine::v1::Checkpoint>> reader =
        rep_->stub().WatchCheckpoints(&context, request);
    vitrine::v1::Checkpoint checkpoint;
    absl::Status fetched;
    while (fetched.ok() && reader->Read(&checkpoint)) {
      const absl::Time seen = absl::Now();
      if (checkpoint.size() > size()) fetched = Fetch(checkpoint.size(), seen);
    }
    {
      absl::MutexLock lock(&mu_);
      stream_ = nullptr;
    }
    context.TryCancel();  // when a fetch failed, the stream is still open
    const grpc::Status finished = reader->Finish();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    last_error_ = !fetched.ok() ? fetched.ToString()
                                : absl::StrCat("WatchCheckpoints ended: ", finished.error_message());
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kReconnectDelay);
  }
}

absl::Status RebuildWatcher::Fetch(uint64_t end, absl::Time seen) {
  uint64_t next = size();
  while (next < end) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kFetchDeadline));
    vitrine::v1::GetEntriesRequest request;
    request.set_start(next);
    request.set_end(std::min(end, next + kEntriesPerCall));
    std::unique_ptr<grpc::ClientReader<vitrine::v1::Entry>> reader =
        rep_->stub().GetEntries(&context, request);
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) {
      if (entry.index() != next) {
        context.TryCancel();
        reader->Finish();
        return absl::DataLossError(
            absl::StrCat("GetEntries: entry ", entry.index(), " where ", next, " was due"));
      }
      Record(entry.leaf(), seen);
      absl::MutexLock lock(&mu_);
      size_ = ++next;
    }
    const grpc::Status finished = reader->Finish();
    if (!finished.ok()) {
      return absl::UnavailableError(absl::StrCat("GetEntries: ", finished.error_message()));
    }
  }
  return absl::OkStatus();
}

void RebuildWatcher::Record(const std::string& leaf, absl::Time seen) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(leaf, note::StatementNoteLimits());
  if (!parsed.ok()) return;
  if (note::IsRebuildStatementText(parsed->text)) {
    absl::StatusOr<note::RebuildStatement> rebuild = note::ParseRebuildStatement(parsed->text);
    if (!rebuild.ok()) return;
    absl::MutexLock lock(&mu_);
    if (by_version_[rebuild->version].rebuilds.emplace(rebuild->rebuilder, seen).second) {
      ++rebuilds_by_[rebuild->rebuilder];
    }
    return;
  }
  absl::StatusOr<note::Statement> release = note::ParseStatement(parsed->text);
  if (!release.ok()) return;
  absl::MutexLock lock(&mu_);
  std::optional<absl::Time>& first = by_version_[release->version].release;
  if (!first.has_value()) first = seen;
}

}  // namespace vitrine::bench
