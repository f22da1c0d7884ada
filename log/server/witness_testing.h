// Test support for witnessing: an in-process witness (the Witness gRPC
// service of proto/vitrine/v1/witness.proto on 127.0.0.1, tlog-witness
// semantics, state in memory) that cosigns with a type 0x04 key from a
// fixed seed, and can be switched down or stopped. For tests of the log's
// witness pusher and of clients of a witnessed log; not a real witness
// (monitor/witness/ is): it trusts one log key and persists nothing.
//
//   std::unique_ptr<TestWitness> w1 =
//       TestWitness::Start("w1.example", 0x41, log_vkey);
//   config.witnesses.push_back({w1->verifier_key(), w1->address()});
//   ...
//   w1->SetDown(true);    // answers UNAVAILABLE until SetDown(false)
//
// Answers (witness.proto): PERMISSION_DENIED for a checkpoint not signed by
// the log key, INVALID_ARGUMENT for a malformed one, old_size beyond it or a
// consistency proof that does not verify, ABORTED with the trailer
// "vitrine-witness-size" when old_size is not the size it holds,
// FAILED_PRECONDITION for the held size with another root, UNAVAILABLE while
// down. Otherwise it holds the checkpoint and returns its cosignature.
// GetLatestCheckpoint answers the held checkpoint (the log's note) with a
// fresh cosignature, NOT_FOUND before the first or for another origin.
//
// Thread-safety: thread-safe.
#ifndef VITRINE_LOG_SERVER_WITNESS_TESTING_H_
#define VITRINE_LOG_SERVER_WITNESS_TESTING_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "log/note/note.h"
#include "log/note/signer.h"

namespace vitrine::server::testing {

class TestWitness {
 public:
  // Starts a witness named `name` whose key comes from `seed_byte`, trusting
  // checkpoints signed by `log_vkey` (type 0x01, named as the origin).
  static absl::StatusOr<std::unique_ptr<TestWitness>> Start(
      absl::string_view name, char seed_byte, absl::string_view log_vkey);
  ~TestWitness();

  const std::string& address() const;        // "127.0.0.1:<port>"
  const std::string& verifier_key() const;   // type 0x04 vkey
  const std::string& name() const;
  const note::Signer& signer() const;

  // While down, every call answers UNAVAILABLE without looking at it.
  void SetDown(bool down);
  // Makes every call wait `delay` before answering (a slow or hung
  // witness), or less when the caller cancels or its deadline passes.
  void SetDelay(absl::Duration delay);
  // Shuts the gRPC server down: calls then fail as for a dead host.
  void Stop();
  // Serves again on the same address after Stop, holding what it held (as
  // a real witness that persisted its state).
  absl::Status Restart();
  // Holds `signed_note` (a checkpoint of the log) as if cosigned in an
  // earlier run: the next call must name its size as old_size.
  absl::Status Hold(absl::string_view signed_note);

  // The size of the checkpoint held (0 for none).
  uint64_t held_size() const;
  // Calls answered OK / ABORTED / anything else, since Start.
  int cosigned() const;
  int aborted() const;
  int refused() const;

 private:
  class Service;
  explicit TestWitness(std::unique_ptr<Service> service);
  // Starts the gRPC server on `address` ("127.0.0.1:0" picks a port).
  absl::Status Serve(const std::string& address);
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace vitrine::server::testing

#endif  // VITRINE_LOG_SERVER_WITNESS_TESTING_H_
