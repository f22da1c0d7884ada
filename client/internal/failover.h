// Failover: which of a log's endpoints (the log and its mirrors, issue 16)
// a LogClient call goes to, and when it moves on to the next one. Pure
// policy: an attempt is a callback given an endpoint's index, so this file
// knows nothing of gRPC (LogClient owns one LogStub per endpoint).
//
//   Failover failover({"log.example.com:7400", "mirror.example.net:7401"});
//   absl::Status status = failover.Run(
//       "GetCheckpoint", Failover::Use::kRead, [&](size_t i) {
//         return FetchAndVerifyCheckpoint(*stubs[i]);  // whole verified answer
//       });
//
// Rules (LogClient's header states them for its callers):
//   - a call starts at the endpoint that last answered (sticky; reads and
//     writes keep one each, so a mirror serving reads does not cost every
//     Add a refused round trip), then tries the others in list order;
//   - it moves on when an endpoint cannot answer (UNAVAILABLE,
//     DEADLINE_EXCEEDED; RESOURCE_EXHAUSTED for reads only: a write's
//     back-pressure comes from the one log there is), does not serve the
//     call (UNIMPLEMENTED; FAILED_PRECONDITION, which a mirror answers to
//     Add, naming the log, and to what it does not hold, such as a
//     witnessed checkpoint - the log's own read RPCs never answer it), or
//     answers with something that fails verification (a client::Refusal:
//     a forged proof, a checkpoint not signed by the log key, a rollback, a
//     fork);
//   - any other answer (NOT_FOUND, OUT_OF_RANGE, INVALID_ARGUMENT, ...) is
//     the endpoint's answer and is returned as is; so is the one failure of
//     a single endpoint, exactly as before there were several;
//   - when every endpoint failed, the status names each endpoint and its
//     reason; its code (and Refusal payload) is the first refusal's if any
//     - a lying endpoint is news even when another was only down - else
//     the first failure that is not "this endpoint does not do that"
//     (UNIMPLEMENTED, FAILED_PRECONDITION), else the first.
//
// Thread-safe: Run may be called from many threads at once; the sticky
// endpoints are atomics (a race only decides which one is tried first).
#ifndef VITRINE_CLIENT_INTERNAL_FAILOVER_H_
#define VITRINE_CLIENT_INTERNAL_FAILOVER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::client::internal {

class Failover {
 public:
  enum class Use { kRead, kWrite };
  // Told of each endpoint a call moves on from, with its failure.
  using OnMoveOn =
      std::function<void(const std::string& endpoint, const absl::Status&)>;

  // `targets` is never empty (LogClient checks). `on_move_on` may be null;
  // it runs on the caller's thread, before the next endpoint is tried.
  explicit Failover(std::vector<std::string> targets,
                    OnMoveOn on_move_on = nullptr);

  // Runs `attempt` on one endpoint after another by the rules above, until
  // one answers; returns that answer, or every endpoint's failure.
  // `method` opens the combined failure's message.
  absl::Status Run(absl::string_view method, Use use,
                   absl::FunctionRef<absl::Status(size_t)> attempt);

  // Returns the endpoint a read would try first (the last that answered).
  const std::string& ReadEndpoint() const;
  const std::vector<std::string>& targets() const { return targets_; }

 private:
  const std::vector<std::string> targets_;
  const OnMoveOn on_move_on_;
  std::atomic<size_t> sticky_read_{0};
  std::atomic<size_t> sticky_write_{0};
};

// Returns whether a failure of `status` sends a call of `use` to the next
// endpoint (the rules above).
bool MovesOn(const absl::Status& status, Failover::Use use);

// Returns the status for a call of `method` that failed on every endpoint:
// `failures` holds (endpoint, its failure) in the order tried.
absl::Status AllFailed(
    absl::string_view method,
    const std::vector<std::pair<std::string, absl::Status>>& failures);

// Moves the value of an attempt's answer into `out` and returns its status:
// the glue between attempts that compute a value and Run.
//   std::optional<Checkpoint> head;
//   VITRINE_RETURN_IF_ERROR(failover.Run("GetCheckpoint", Use::kRead,
//       [&](size_t i) { return KeepAnswer(Fetch(i), head); }));
template <typename T>
absl::Status KeepAnswer(absl::StatusOr<T> answer, std::optional<T>& out) {
  if (!answer.ok()) return answer.status();
  out = *std::move(answer);
  return absl::OkStatus();
}

}  // namespace vitrine::client::internal

#endif  // VITRINE_CLIENT_INTERNAL_FAILOVER_H_
