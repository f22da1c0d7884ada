// One WatchCheckpoints stream read through gRPC's callback API, so that no
// thread of the monitor waits inside gRPC's poller for the next checkpoint.
//
// Why: with gRPC's epoll engine every thread blocked in a synchronous call
// polls the process's one epoll set, so a follower parked in
// ClientReader::Read for minutes also picks up the events of the mirror's
// server connections and hands them to the server's threads: a futex wake
// and a context switch per call. mirror_bench measured a mirror's
// inclusion proofs at 25 us of CPU each against the log's 20 with such a
// reader, and 19-20 with the stream gone (bench/RESULTS.md, issue 16).
// Here the waiting thread waits on a condition of its own, outside gRPC.
//
//   WatchReader reader(stub, context, after_size);   // starts the call
//   std::string note;
//   while (reader.Next(note)) { ... }                 // or TryCancel, then
//   grpc::Status status = reader.Finish();            // always: waits for
//                                                      // the call's end
//
// Thread-safety: Next and Finish from one thread; gRPC's callbacks run on
// its own threads. `context` must outlive Finish, which must be called
// before the reader is destroyed.
#ifndef VITRINE_MONITOR_FOLLOW_INTERNAL_WATCH_READER_H_
#define VITRINE_MONITOR_FOLLOW_INTERNAL_WATCH_READER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::monitor::internal {

class WatchReader final
    : public grpc::ClientReadReactor<vitrine::v1::Checkpoint> {
 public:
  // Starts WatchCheckpoints(after_size) on `stub` and the first read.
  WatchReader(vitrine::v1::Log::Stub& stub, grpc::ClientContext& context,
              uint64_t after_size);

  WatchReader(const WatchReader&) = delete;
  WatchReader& operator=(const WatchReader&) = delete;

  // Waits for the next checkpoint's note: true with `note` set, false once
  // the stream has ended (then call Finish). One read stays outstanding
  // while the caller handles a note, so a slow caller holds back the
  // stream by one message, as a synchronous reader does.
  bool Next(std::string& note);

  // Waits until the call is over and returns how it ended.
  grpc::Status Finish();

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  // Lets the call go on to OnDone: once, when no read will be started
  // again (the stream ended, or Finish).
  void ReleaseHold();

  vitrine::v1::WatchCheckpointsRequest request_;
  // Whether the hold taken at the start is still held (Next and Finish's
  // thread only).
  bool held_ = true;
  // Written by the outstanding read only.
  vitrine::v1::Checkpoint reading_;

  absl::Mutex mu_;
  std::optional<std::string> ready_ ABSL_GUARDED_BY(mu_);
  bool reads_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor::internal

#endif  // VITRINE_MONITOR_FOLLOW_INTERNAL_WATCH_READER_H_
