// Test support for a witnessed log: a real vitrine-log (LogServer: RocksDB
// in TEST_TMPDIR, sequencer, gRPC and HTTP on 127.0.0.1 port 0) with
// in-process test witnesses (witness_testing.h) configured, a Log stub, and
// a registered vendor. For the witness pusher's tests and for clients of a
// witnessed log.
//
//   class MyTest : public WitnessedLogFixture {};
//   TEST_F(MyTest, Witnessed) {
//     ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(3, "tool"));
//     ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint c, AwaitWitnessed(size));
//   }
//
// A test sets witness_count_, config_ (e.g. witness_quorum) or
// start_log_in_setup_ in its constructor; SetUp starts the witnesses, then
// the log. Not thread-safe.
#ifndef VITRINE_LOG_SERVER_WITNESSED_LOG_TESTING_H_
#define VITRINE_LOG_SERVER_WITNESSED_LOG_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "log/note/note.h"
#include "log/server/config.h"
#include "log/server/log_server.h"
#include "log/server/log_service_testing.h"
#include "log/server/witness_testing.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::server::testing {

class WitnessedLogFixture : public ::testing::Test {
 protected:
  WitnessedLogFixture();
  void SetUp() override;
  void TearDown() override;

  // Starts (or restarts) the log with config_, and a stub to it.
  absl::Status StartLog();
  // Shuts the log down (witnesses keep running).
  void StopLog();

  // Returns a statement for (artifact, "1.0") signed by the registered
  // vendor.
  std::string Statement(absl::string_view artifact) const;
  // Adds `n` statements "<prefix><i>" in one Add; returns the tree size of
  // the answer's checkpoint.
  absl::StatusOr<uint64_t> AddStatements(int n, absl::string_view prefix);
  // Calls GetCheckpoint (witnessed or not) once.
  grpc::Status GetCheckpoint(bool witnessed, vitrine::v1::Checkpoint* out) const;
  // Polls GetCheckpoint(witnessed) until its size is at least `size`.
  absl::StatusOr<vitrine::v1::Checkpoint> AwaitWitnessed(
      uint64_t size, absl::Duration timeout = absl::Seconds(20)) const;
  // The witnesses' keys, as a client's policy holds them.
  note::VerifierSet WitnessKeys() const;
  note::VerifierSet LogKeys() const;

  // Read in SetUp.
  size_t witness_count_ = 2;
  bool start_log_in_setup_ = true;
  LogConfig config_;  // witnesses are added by SetUp

  LogIdentity identity_;  // origin and log vkey
  TestVendor vendor_;
  std::vector<std::unique_ptr<TestWitness>> witnesses_;
  std::unique_ptr<LogServer> log_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
};

}  // namespace vitrine::server::testing

#endif  // VITRINE_LOG_SERVER_WITNESSED_LOG_TESTING_H_
