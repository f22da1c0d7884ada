// `vitrine bundle --witnessed --policy=...` run in-process against a real
// witnessed log (witnessed_log_testing.h): the bundle it writes carries the
// witness quorum and `vitrine verify`'s check (VerifyBundle) accepts it.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/bundle_file.h"
#include "client/cli/command.h"
#include "client/cli/flags.h"
#include "client/verifier.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/policy.h"
#include "log/server/log_service_testing.h"
#include "log/server/witnessed_log_testing.h"

namespace vitrine::cli {
namespace {

using ::vitrine::server::testing::ArtifactDigest;

class BundleWitnessedTest : public server::testing::WitnessedLogFixture {
 protected:
  // Writes the log key and a policy requiring both witnesses; returns the
  // flags every call shares.
  std::vector<std::string> CommonFlags() {
    const std::string key = config_.data + "/log.vkey";
    const std::string policy = config_.data + "/policy";
    std::ofstream(policy) << PolicyText();
    return {"--log=" + log_->grpc_address(), "--log_key=" + key,
            "--policy=" + policy};
  }

  std::string PolicyText() const {
    std::string text = absl::StrCat("log ", identity_.verifier_key, "\n",
                                    "vendor ", vendor_.verifier_key, "\n");
    for (const auto& witness : witnesses_) {
      absl::StrAppend(&text, "witness ", witness->verifier_key(), "\n");
    }
    return text + "witness-quorum 2\n";
  }

  int Run(std::vector<std::string> args) {
    const Command& command = BundleCommand();
    absl::StatusOr<Flags> flags = ParseFlags(args, command.flags);
    EXPECT_OK(flags);
    if (!flags.ok()) return -1;
    return command.run(*flags);
  }
};

TEST_F(BundleWitnessedTest, FetchesABundleTheEndpointAccepts) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(3, "app"));
  ASSERT_OK(AwaitWitnessed(size).status());
  const merkle::Hash digest = ArtifactDigest("app1", "1.0");
  const std::string out = config_.data + "/app1.vitrine.json";
  std::vector<std::string> args = CommonFlags();
  args.push_back("--sha256=" + digest.ToHex());
  args.push_back("--out=" + out);
  args.push_back("--witnessed");
  ASSERT_EQ(Run(args), kExitOk);
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle bundle, client::ReadBundleFile(out));
  EXPECT_EQ(bundle.leaf_index(), 1u);
  ASSERT_OK_AND_ASSIGN(note::Policy policy, note::ParsePolicy(PolicyText()));
  ASSERT_OK_AND_ASSIGN(client::VerifiedBundle verified,
                       client::VerifyBundle(digest, bundle, policy));
  EXPECT_EQ(verified.cosignatures.size(), 2u);

  // Without --witnessed the bundle is against the log's latest checkpoint,
  // which carries no cosignature: the same policy refuses it.
  args.pop_back();
  ASSERT_EQ(Run(args), kExitOk);
  ASSERT_OK_AND_ASSIGN(bundle, client::ReadBundleFile(out));
  EXPECT_EQ(client::GetRefusal(client::VerifyBundle(digest, bundle, policy).status()),
            client::Refusal::kTooFewCosignatures);
}

TEST_F(BundleWitnessedTest, WitnessedNeedsAPolicy) {
  std::vector<std::string> args = {"--log=" + log_->grpc_address(),
                                   "--log_key=" + config_.data + "/log.vkey",
                                   "--sha256=" + std::string(64, 'a'),
                                   "--witnessed"};
  EXPECT_EQ(Run(args), kExitError);
}

}  // namespace
}  // namespace vitrine::cli
