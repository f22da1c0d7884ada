#include "client/internal/failover.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/verifier.h"

namespace vitrine::client::internal {
namespace {

// Whether the failure only says that this endpoint does not serve the call
// (a mirror asked for a write, or for an RPC it lacks).
bool NotServedHere(const absl::Status& status) {
  if (GetRefusal(status) != Refusal::kNone) return false;
  return status.code() == absl::StatusCode::kUnimplemented ||
         status.code() == absl::StatusCode::kFailedPrecondition;
}

}  // namespace

Failover::Failover(std::vector<std::string> targets, OnMoveOn on_move_on)
    : targets_(std::move(targets)), on_move_on_(std::move(on_move_on)) {}

const std::string& Failover::ReadEndpoint() const {
  return targets_[sticky_read_.load(std::memory_order_relaxed)];
}

absl::Status Failover::Run(absl::string_view method, Use use,
                           absl::FunctionRef<absl::Status(size_t)> attempt) {
  std::atomic<size_t>& sticky =
      use == Use::kRead ? sticky_read_ : sticky_write_;
  const size_t first = sticky.load(std::memory_order_relaxed);
  std::vector<size_t> order = {first};
  for (size_t i = 0; i < targets_.size(); ++i) {
    if (i != first) order.push_back(i);
  }
  std::vector<std::pair<std::string, absl::Status>> failures;
  for (size_t i : order) {
    absl::Status status = attempt(i);
    if (status.ok() || !MovesOn(status, use)) {
      // An answer, even NOT_FOUND: this endpoint works.
      sticky.store(i, std::memory_order_relaxed);
      return status;
    }
    if (targets_.size() == 1) return status;
    if (on_move_on_ != nullptr) on_move_on_(targets_[i], status);
    failures.emplace_back(targets_[i], std::move(status));
  }
  return AllFailed(method, failures);
}

bool MovesOn(const absl::Status& status, Failover::Use use) {
  if (GetRefusal(status) != Refusal::kNone) return true;
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kFailedPrecondition:
      return true;
    case absl::StatusCode::kResourceExhausted:
      return use == Failover::Use::kRead;
    default:
      return false;
  }
}

absl::Status AllFailed(
    absl::string_view method,
    const std::vector<std::pair<std::string, absl::Status>>& failures) {
  const absl::Status* chosen = nullptr;
  for (const auto& [target, status] : failures) {
    if (GetRefusal(status) != Refusal::kNone) {
      chosen = &status;
      break;
    }
  }
  for (const auto& [target, status] : failures) {
    if (chosen == nullptr && !NotServedHere(status)) chosen = &status;
  }
  if (chosen == nullptr) chosen = &failures.front().second;

  std::string message =
      absl::StrCat(method, ": all ", failures.size(), " endpoints failed");
  for (const auto& [target, status] : failures) {
    const Refusal refusal = GetRefusal(status);
    absl::StrAppend(&message, "; ", target, ": ",
                    refusal != Refusal::kNone
                        ? absl::StrCat("refused: ", RefusalName(refusal))
                        : absl::StatusCodeToString(status.code()),
                    ": ", status.message());
  }
  const Refusal refusal = GetRefusal(*chosen);
  if (refusal != Refusal::kNone) return MakeRefusal(refusal, message);
  return absl::Status(chosen->code(), message);
}

}  // namespace vitrine::client::internal
