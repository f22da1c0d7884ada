// Test support for the Log service: a real log (RocksDB store in
// TEST_TMPDIR, sequencer, vendor registry file) behind a real gRPC server on
// 127.0.0.1, a client stub, registered and unregistered vendor keys from
// fixed seeds, and checks that a bundle verifies as an endpoint would.
//
//   class AddTest : public LogServiceFixture {};
//   TEST_F(AddTest, Logs) {
//     vitrine::v1::AddResponse response;
//     ASSERT_TRUE(Add({Statement(0, "tool")}, &response).ok());
//     ExpectBundleVerifies(response.results(0).bundle());
//   }
//
// A test changes limits_, rate_ or sequencer_options_ in its fixture's
// constructor (they are read in SetUp). Not thread-safe, except the stub
// and the const helpers, which tests call from many threads.
#ifndef VITRINE_LOG_SERVER_LOG_SERVICE_TESTING_H_
#define VITRINE_LOG_SERVER_LOG_SERVICE_TESTING_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/signer.h"
#include "log/sequencer/sequencer.h"
#include "log/server/log_service.h"
#include "log/server/rate_limiter.h"
#include "log/server/vendor_registry.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::server::testing {

inline constexpr absl::string_view kOrigin = "example.com/test-log";

struct TestVendor {
  std::string name;
  std::unique_ptr<note::Signer> signer;
  std::string verifier_key;
};

// Returns a vendor key pair from a fixed seed byte.
TestVendor MakeVendor(absl::string_view name, char seed_byte);

// Returns the artifact digest the fixture's statements name for
// (artifact, version): SHA-256 of "<artifact>@<version>".
merkle::Hash ArtifactDigest(absl::string_view artifact,
                            absl::string_view version);

// Returns a client context with a deadline `timeout` from now.
std::unique_ptr<grpc::ClientContext> ClientContext(
    absl::Duration timeout = absl::Seconds(20));

class LogServiceFixture : public ::testing::Test {
 protected:
  LogServiceFixture();
  void SetUp() override;
  void TearDown() override;

  // Returns a statement for (artifact, version) signed by vendors_[vendor].
  std::string Statement(size_t vendor, absl::string_view artifact,
                        absl::string_view version = "1.0") const;
  // Returns the same statement signed by `signer` but naming `vendor_name`.
  static std::string StatementBy(const note::Signer& signer,
                                 absl::string_view vendor_name,
                                 absl::string_view artifact,
                                 absl::string_view version = "1.0");

  // Calls Add with `statements`.
  grpc::Status Add(const std::vector<std::string>& statements,
                   vitrine::v1::AddResponse* response) const;

  // Checks, as an endpoint would, that `bundle` is a checkpoint signed by
  // the log key (note::OpenCheckpoint) whose tree holds the statement at
  // its index (merkle::VerifyInclusion).
  void ExpectBundleVerifies(const vitrine::v1::Bundle& bundle) const;

  // Returns the tree size of the latest checkpoint.
  uint64_t TreeSize() const;

  // Read in SetUp.
  ServiceLimits limits_;
  RateLimiterOptions rate_;
  sequencer::SequencerOptions sequencer_options_;

  std::string dir_;
  note::GeneratedKey log_key_;
  note::VerifierSet log_keys_;
  std::vector<TestVendor> vendors_;  // registered
  TestVendor unregistered_;
  TestVendor supervisor_;  // registered in the supervisors file
  TestVendor rebuilder_;   // registered in the rebuilders file
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sequencer::Sequencer> sequencer_;
  std::unique_ptr<VendorRegistry> registry_;
  std::unique_ptr<RateLimiter> limiter_;
  MetricsRegistry metrics_;
  std::unique_ptr<LogService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
  std::string address_;  // "127.0.0.1:<port>", for clients of their own
};

}  // namespace vitrine::server::testing

#endif  // VITRINE_LOG_SERVER_LOG_SERVICE_TESTING_H_
