// The log, a monitor and an endpoint decide every signature alike
// (log/note/ed25519.h, "The verification rule"). Each edge case of
// log/note/internal/ed25519_edge_cases.h is put in a real release statement
// of a registered vendor and decided by:
//   - the log: Add over gRPC to a real vitrine-log service;
//   - the monitor: monitor::StatementChecker, its audit of each entry;
//   - the endpoint: client::VerifyBundle on the statement's bundle. For a
//     statement the log refused, the bundle comes from the same log made to
//     misbehave (the statement appended through the sequencer, past Add's
//     checks), as a compromised log would serve it.
// Weak keys (small order, mixed order, non-canonical, off the curve) are
// refused where each of the three reads keys: the log's vendors file, the
// monitor's, and the endpoint's policy.
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/verifier.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/ed25519.h"
#include "log/note/internal/ed25519_edge_cases.h"
#include "log/note/keys.h"
#include "log/note/policy.h"
#include "log/note/signer.h"
#include "log/sequencer/sequencer.h"
#include "log/server/log_service_testing.h"
#include "log/server/vendor_registry.h"
#include "monitor/follow/statement_check.h"

namespace vitrine {
namespace {

using note::internal::EdgeCase;
using note::internal::EdgeCaseName;
using note::internal::MakeEdgeSignature;
using server::testing::ArtifactDigest;
using server::testing::ClientContext;
using server::testing::TestVendor;
using testing::StatusIs;

// The seed of the fixture's vendors_[0] (MakeVendor(name, 1)).
const std::string kVendorSeed(32, '\x01');

// Signs as a registered vendor, with an edge-case signature of the text.
class EdgeSigner final : public note::Signer {
 public:
  EdgeSigner(const TestVendor& vendor, EdgeCase edge_case)
      : name_(vendor.name), key_id_(vendor.signer->KeyId()),
        edge_case_(edge_case) {}
  std::string Name() const override { return name_; }
  uint32_t KeyId() const override { return key_id_; }
  note::SignatureType Type() const override {
    return note::SignatureType::kEd25519;
  }
  absl::StatusOr<std::string> Sign(absl::string_view text) const override {
    return MakeEdgeSignature(edge_case_, kVendorSeed, text).signature;
  }

 private:
  std::string name_;
  uint32_t key_id_;
  EdgeCase edge_case_;
};

class SignatureRuleTest : public server::testing::LogServiceFixture {
 protected:
  // The endpoint's policy: this log's key and the vendor's; no witnesses.
  note::Policy EndpointPolicy() const {
    return note::ParsePolicy(absl::StrCat("log ", log_key_.verifier_key,
                                          "\nvendor ", vendors_[0].verifier_key,
                                          "\n"))
        .value();
  }

  // Appends `statement` past Add's checks, as a misbehaving log would, and
  // returns its bundle as the log serves it.
  vitrine::v1::Bundle AppendUnchecked(const std::string& statement) {
    std::promise<absl::StatusOr<sequencer::AddResult>> done;
    sequencer::AddRequest request;
    request.leaf = statement;
    sequencer_->Add(std::move(request),
                    [&done](absl::StatusOr<sequencer::AddResult> result) {
                      done.set_value(std::move(result));
                    });
    absl::StatusOr<sequencer::AddResult> added = done.get_future().get();
    EXPECT_OK(added.status());
    vitrine::v1::GetBundleRequest get;
    get.set_leaf_index(added.ok() ? added->index : 0);
    vitrine::v1::Bundle bundle;
    EXPECT_TRUE(stub_->GetBundle(ClientContext().get(), get, &bundle).ok());
    return bundle;
  }
};

TEST_F(SignatureRuleTest, LogMonitorAndEndpointDecideEverySignatureAlike) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<monitor::StatementChecker> monitor,
                       monitor::StatementChecker::Open(dir_ + "/vendors"));
  const note::Policy policy = EndpointPolicy();
  int cases = 0;
  for (EdgeCase edge_case : note::internal::AllEdgeCases()) {
    if (!note::internal::UsesSeedKey(edge_case)) continue;  // next test
    ++cases;
    SCOPED_TRACE(EdgeCaseName(edge_case));
    const bool accepted = note::internal::IsAccepted(edge_case);
    const std::string artifact = EdgeCaseName(edge_case);
    const std::string statement = StatementBy(
        EdgeSigner(vendors_[0], edge_case), vendors_[0].name, artifact);

    // The log.
    vitrine::v1::AddResponse response;
    ASSERT_TRUE(Add({statement}, &response).ok());
    ASSERT_EQ(response.results_size(), 1);
    const vitrine::v1::AddResult& result = response.results(0);
    if (accepted) {
      ASSERT_TRUE(result.has_bundle()) << result.error().message();
    } else {
      ASSERT_TRUE(result.has_error());
      EXPECT_EQ(result.error().code(), grpc::StatusCode::INVALID_ARGUMENT)
          << result.error().message();
    }

    // The monitor.
    const monitor::LeafCheck check = monitor->Check(statement);
    EXPECT_EQ(check.verdict, accepted ? monitor::LeafVerdict::kOk
                                      : monitor::LeafVerdict::kBadSignature)
        << check.error;

    // The endpoint, on the bundle of the log (misbehaving when it refused).
    const vitrine::v1::Bundle bundle =
        accepted ? result.bundle() : AppendUnchecked(statement);
    ASSERT_EQ(bundle.statement(), statement);
    absl::StatusOr<client::VerifiedBundle> verdict =
        client::VerifyBundle(ArtifactDigest(artifact, "1.0"), bundle, policy);
    if (accepted) {
      EXPECT_OK(verdict.status());
    } else {
      EXPECT_EQ(client::GetRefusal(verdict.status()),
                client::Refusal::kStatementMalformed)
          << verdict.status();
    }
  }
  EXPECT_EQ(cases, 7);
}

TEST_F(SignatureRuleTest, WeakVendorKeysAreRefusedWhereverKeysAreRead) {
  int cases = 0;
  for (EdgeCase edge_case : note::internal::AllEdgeCases()) {
    if (note::internal::UsesSeedKey(edge_case)) continue;
    ++cases;
    SCOPED_TRACE(EdgeCaseName(edge_case));
    const std::string key =
        MakeEdgeSignature(edge_case, kVendorSeed, "").public_key;
    ASSERT_OK_AND_ASSIGN(
        std::string vkey,
        note::FormatVerifierKey("example.com/weak",
                                note::SignatureType::kEd25519, key));
    const std::string path = absl::StrCat(dir_, "/vendors-", cases);
    {
      std::ofstream out(path);
      out << vendors_[0].verifier_key << "\n" << vkey << "\n";
    }
    const std::string kWhy = "not a valid Ed25519 public key";
    EXPECT_THAT(server::VendorRegistry::Open(path).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, kWhy));
    EXPECT_THAT(monitor::StatementChecker::Open(path).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, kWhy));
    EXPECT_THAT(note::ParsePolicy(absl::StrCat("log ", log_key_.verifier_key,
                                               "\nvendor ", vkey, "\n"))
                    .status(),
                StatusIs(absl::StatusCode::kInvalidArgument, kWhy));
  }
  EXPECT_EQ(cases, 5);
}

}  // namespace
}  // namespace vitrine
