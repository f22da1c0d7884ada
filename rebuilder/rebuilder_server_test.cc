// A real vitrine-rebuilder (RebuilderServer, in-process) following a real
// log (the Log service over RocksDB in TEST_TMPDIR, log_service_testing.h)
// on 127.0.0.1: releases logged by a vendor are rebuilt by /bin/sh recipes
// and the rebuild statements land in the log, exactly once across a
// restart; an unregistered rebuilder is refused until it is registered.
#include "rebuilder/rebuilder_server.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/server/log_service_testing.h"
#include "rebuilder/config.h"

namespace vitrine::rebuilder {
namespace {

using ::vitrine::testing::StatusIs;

// The file's content; "" when it cannot be read.
std::string ReadAll(const std::string& path) {
  return ReadSmallFile(path, 1 << 20).value_or("");
}

class RebuilderServerTest : public server::testing::LogServiceFixture {
 protected:
  void SetUp() override {
    LogServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    config_.data = dir_ + "/rebuilder";
    config_.name = "rebuild.test/r1";
    config_.log = address_;
    config_.log_key = log_key_.verifier_key;
    config_.vendors_file = dir_ + "/vendors";
    config_.vendors = {"example.com/acme"};
    // Records each build, then builds an artifact holding the version.
    config_.recipe = absl::StrCat("echo \"$VITRINE_VERSION\" >> ", dir_,
                                  "/builds.txt; printf %s \"$VITRINE_VERSION\" > "
                                  "\"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"");
    config_.sandbox = SandboxMode::kOff;
    config_.http_listen = "127.0.0.1:0";
    config_.batch_delay_ms = 20;
    config_.poll_interval_ms = 20;
    config_.min_free_bytes = 0;  // the test's disk may be small
  }

  void TearDown() override {
    if (rebuilder_server_ != nullptr) rebuilder_server_->Shutdown();
    rebuilder_server_.reset();
    LogServiceFixture::TearDown();
  }

  // Creates the rebuilder's key and registers it with the log.
  void Register() {
    ASSERT_OK_AND_ASSIGN(RebuilderIdentity identity, InitRebuilderData(config_));
    EXPECT_TRUE(identity.created);
    EXPECT_EQ(identity.name, "rebuild.test/r1");
    std::ofstream(dir_ + "/rebuilders", std::ios::app) << identity.verifier_key << "\n";
    ASSERT_OK(registry_->Reload());
  }

  // Logs a release of vendors_[vendor] whose artifact holds `claimed`.
  void Release(size_t vendor, const std::string& version, const std::string& claimed) {
    note::Statement release;
    release.vendor = vendors_[vendor].name;
    release.artifact = "tool.tar.gz";
    release.version = version;
    release.sha256 = merkle::Sha256(claimed);
    release.source = "https://git.example.com/tool";
    ASSERT_OK_AND_ASSIGN(std::string signed_note,
                         note::SignStatement(release, *vendors_[vendor].signer));
    vitrine::v1::AddResponse response;
    ASSERT_TRUE(Add({signed_note}, &response).ok());
    ASSERT_TRUE(response.results(0).has_bundle());
  }

  // The value of an unlabelled series (or one with labels as rendered).
  double Metric(const std::string& series) const {
    for (absl::string_view line : absl::StrSplit(rebuilder_server_->RenderMetrics(), '\n')) {
      if (absl::ConsumePrefix(&line, series + " ")) {
        double value = -1;
        return absl::SimpleAtod(line, &value) ? value : -1;
      }
    }
    return -1;
  }

  bool WaitFor(const std::function<bool()>& condition) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (!condition()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }

  // The rebuild statements in the log, by the release version they name.
  std::vector<note::RebuildStatement> LoggedRebuilds() const {
    std::vector<note::RebuildStatement> rebuilds;
    for (uint64_t i = 0; i < TreeSize(); ++i) {
      absl::StatusOr<std::string> leaf = store_->GetEntry(i);
      absl::StatusOr<note::Note> parsed = leaf.ok() ? note::ParseNote(*leaf)
                                                    : absl::StatusOr<note::Note>(leaf.status());
      if (!parsed.ok() || !note::IsRebuildStatementText(parsed->text)) continue;
      absl::StatusOr<note::RebuildStatement> rebuild = note::ParseRebuildStatement(parsed->text);
      if (rebuild.ok()) rebuilds.push_back(*rebuild);
    }
    return rebuilds;
  }

  RebuilderConfig config_;
  std::unique_ptr<RebuilderServer> rebuilder_server_;
};

TEST_F(RebuilderServerTest, RebuildsAndLogsMatchesAndMismatches) {
  Register();
  Release(0, "1.0", "1.0");       // rebuilt: match
  Release(1, "1.0", "1.0");       // another vendor: not rebuilt
  Release(0, "2.0", "tampered");  // rebuilt: mismatch
  ASSERT_OK_AND_ASSIGN(rebuilder_server_, RebuilderServer::Start(config_));
  EXPECT_EQ(rebuilder_server_->origin(), server::testing::kOrigin);
  EXPECT_EQ(rebuilder_server_->sandbox(), "none (sandbox=off)");
  ASSERT_TRUE(WaitFor([&] {
    return Metric("vitrine_rebuilder_statements_submitted_total{result=\"new\"}") == 2;
  })) << rebuilder_server_->RenderMetrics();
  EXPECT_EQ(TreeSize(), 5u);
  const std::vector<note::RebuildStatement> rebuilds = LoggedRebuilds();
  ASSERT_EQ(rebuilds.size(), 2u);
  EXPECT_EQ(rebuilds[0].rebuilder, "rebuild.test/r1");
  EXPECT_EQ(rebuilds[0].version, "1.0");
  EXPECT_EQ(rebuilds[0].sha256, merkle::Sha256("1.0"));
  EXPECT_EQ(rebuilds[1].version, "2.0");
  EXPECT_EQ(rebuilds[1].sha256, merkle::Sha256("2.0"));  // what it built, not the claim

  EXPECT_EQ(Metric("vitrine_rebuilder_mismatches_total"), 1);
  EXPECT_EQ(Metric("vitrine_rebuilder_rebuilds_total{result=\"match\"}"), 1);
  EXPECT_EQ(Metric("vitrine_rebuilder_pending_statements"), 0);
  const std::string mismatches = ReadAll(config_.data + "/mismatches.jsonl");
  EXPECT_NE(mismatches.find("\"release_index\":2,"), std::string::npos) << mismatches;
  EXPECT_NE(mismatches.find(absl::StrCat("\"expected_sha256\":\"",
                                         merkle::Sha256("tampered").ToHex(), "\"")),
            std::string::npos)
      << mismatches;
  std::string health;
  EXPECT_TRUE(rebuilder_server_->Healthy(&health)) << health;
  EXPECT_NE(health.find("submitting: 0 pending, 2 logged"), std::string::npos) << health;
  // Its own statements pass the follower's audit (init trusts its key).
  ASSERT_TRUE(WaitFor([&] {
    return Metric(absl::StrCat("vitrine_rebuilder_verified_size{origin=\"",
                               server::testing::kOrigin, "\"}")) == 5;
  }));
  EXPECT_EQ(Metric(absl::StrCat("vitrine_rebuilder_statements_total{origin=\"",
                                server::testing::kOrigin, "\",verdict=\"unknown_rebuilder\"}")),
            0);
}

TEST_F(RebuilderServerTest, ARestartRebuildsAndLogsNothingTwice) {
  Register();
  Release(0, "1.0", "1.0");
  ASSERT_OK_AND_ASSIGN(rebuilder_server_, RebuilderServer::Start(config_));
  ASSERT_TRUE(WaitFor([&] { return TreeSize() == 2; }));
  rebuilder_server_->Shutdown();
  rebuilder_server_.reset();

  Release(0, "2.0", "2.0");
  ASSERT_OK_AND_ASSIGN(rebuilder_server_, RebuilderServer::Start(config_));
  ASSERT_TRUE(WaitFor([&] { return TreeSize() == 4; }));
  absl::SleepFor(absl::Milliseconds(300));  // time to do anything twice
  EXPECT_EQ(TreeSize(), 4u);
  EXPECT_EQ(ReadAll(dir_ + "/builds.txt"), "1.0\n2.0\n");
  EXPECT_EQ(LoggedRebuilds().size(), 2u);
}

TEST_F(RebuilderServerTest, RebuildFromSkipsEarlierReleases) {
  Register();
  Release(0, "1.0", "1.0");
  Release(0, "2.0", "2.0");
  config_.rebuild_from = 1;
  ASSERT_OK_AND_ASSIGN(rebuilder_server_, RebuilderServer::Start(config_));
  ASSERT_TRUE(WaitFor([&] { return TreeSize() == 3; }));
  EXPECT_EQ(ReadAll(dir_ + "/builds.txt"), "2.0\n");
}

TEST_F(RebuilderServerTest, AnUnregisteredRebuilderIsUnhealthyUntilRegistered) {
  ASSERT_OK_AND_ASSIGN(RebuilderIdentity identity, InitRebuilderData(config_));
  Release(0, "1.0", "1.0");
  ASSERT_OK_AND_ASSIGN(rebuilder_server_, RebuilderServer::Start(config_));
  std::string health;
  ASSERT_TRUE(WaitFor([&] { return !rebuilder_server_->Healthy(&health); }));
  EXPECT_NE(health.find("submitting: PERMISSION_DENIED: release 0 refused"), std::string::npos)
      << health;
  EXPECT_EQ(Metric("vitrine_rebuilder_pending_statements"), 1);

  std::ofstream(dir_ + "/rebuilders", std::ios::app) << identity.verifier_key << "\n";
  ASSERT_OK(registry_->Reload());
  ASSERT_TRUE(WaitFor([&] { return rebuilder_server_->Healthy(&health); })) << health;
  EXPECT_EQ(TreeSize(), 2u);
}

TEST_F(RebuilderServerTest, RefusesToStartWithoutKeyOrVendorKey) {
  EXPECT_THAT(RebuilderServer::Start(config_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "vitrine-rebuilder init"));
  config_.init_if_missing = true;
  config_.vendors = {"example.com/unknown"};
  EXPECT_THAT(RebuilderServer::Start(config_),
              StatusIs(absl::StatusCode::kInvalidArgument, "example.com/unknown has no key"));
  config_.vendors.clear();
  EXPECT_THAT(RebuilderServer::Start(config_), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RebuilderServerTest, ChoosesTheSandboxThatWorksHere) {
  Register();
  config_.sandbox = SandboxMode::kAuto;
  ASSERT_OK_AND_ASSIGN(rebuilder_server_, RebuilderServer::Start(config_));
  const std::string& sandbox = rebuilder_server_->sandbox();
  EXPECT_TRUE(sandbox.rfind("bwrap (", 0) == 0 || sandbox.rfind("none (", 0) == 0) << sandbox;
  EXPECT_EQ(Metric("vitrine_rebuilder_sandboxed"), sandbox.rfind("bwrap", 0) == 0 ? 1 : 0);
  Release(0, "1.0", "1.0");
  ASSERT_TRUE(WaitFor([&] { return TreeSize() == 2; })) << rebuilder_server_->RenderMetrics();
}

}  // namespace
}  // namespace vitrine::rebuilder
