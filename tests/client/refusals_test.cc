// Refusals (issue 6): every way a bundle can be wrong for an endpoint gets
// exit code 1 and its one reason, from the real `vitrine verify`; plus the
// read commands (checkpoint, proof, entries, bundle) against a real log.
//
// The suite logs three statements on a real vitrine-log once: a1 by acme
// (bundle at size 1), a2 by acme cosigned by a supervisor, a3 by another
// registered vendor; then fetches a fresh bundle of a1 (size 3).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/bundle_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

std::string Keygen(const std::string& kind, const std::string& name,
                   const std::string& prefix) {
  Outcome keygen =
      RunVitrine({"keygen", "--kind=" + kind, "--name=" + name, "--out=" + prefix});
  EXPECT_EQ(keygen.exit_code, 0) << keygen.err;
  return ReadFileOrEmpty(prefix + ".vkey");
}

class RefusalsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(FreshDir("refusals"));
    data_ = new std::string(*dir_ + "/log");
    log_vkey_ = new std::string(InitLog(*data_, "refusal.test/log"));
    acme_vkey_ = new std::string(Keygen("vendor", "example.com/acme", *dir_ + "/acme"));
    other_vkey_ = new std::string(Keygen("vendor", "example.org/other", *dir_ + "/other"));
    supervisor_vkey_ =
        new std::string(Keygen("supervisor", "builds.example.net", *dir_ + "/supervisor"));
    witness_vkey_ = new std::string(Keygen("witness", "witness.example.org", *dir_ + "/witness"));
    // Same origin, another key: what a policy pinning the wrong key holds.
    impostor_vkey_ = new std::string(Keygen("log", "refusal.test/log", *dir_ + "/impostor"));
    WriteFileOrDie(*data_ + "/vendors", *acme_vkey_ + *other_vkey_);
    // The log stores only signatures it can check: a2's supervisor is
    // registered with it.
    WriteFileOrDie(*data_ + "/supervisors", *supervisor_vkey_);
    log_ = new LogProcess(StartLog(*data_));
    if (!log_->running()) return;

    for (const char* name : {"a1", "a2", "a3"}) {
      WriteFileOrDie(Path(name), absl::StrCat("artifact ", name, "\n"));
    }
    Statement("acme", "a1");
    Statement("acme", "a2");
    Statement("other", "a3");
    Outcome cosign = RunVitrine({"statement", "--cosign",
                                 "--key=" + *dir_ + "/supervisor.key",
                                 Path("a2") + ".statement"});
    EXPECT_EQ(cosign.exit_code, 0) << cosign.err;
    // One at a time, so that a1's bundle is at size 1.
    for (const char* name : {"a1", "a2", "a3"}) {
      Outcome submit = Online({"submit", Path(name) + ".statement"});
      EXPECT_EQ(submit.exit_code, 0) << submit.err;
    }
    Outcome fresh = Online({"bundle", "--artifact=" + Path("a1"),
                            "--out=" + Path("a1.fresh.vitrine.json")});
    EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
    EXPECT_EQ(fresh.out, Path("a1.fresh.vitrine.json") + ": index 0\n");

    WritePolicy("policy", {"log " + *log_vkey_, "vendor " + *acme_vkey_});
  }

  static void TearDownTestSuite() {
    delete log_;  // SIGTERM and wait.
    log_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(log_->running()) << log_->startup_output(); }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  static void Statement(const std::string& key, const std::string& artifact) {
    Outcome out = RunVitrine({"statement", "--key=" + *dir_ + "/" + key + ".key",
                              "--artifact=" + Path(artifact), "--version=1.0.0"});
    EXPECT_EQ(out.exit_code, 0) << out.err;
  }

  static Outcome Online(std::vector<std::string> args) {
    args.push_back("--log=" + log_->grpc_address());
    args.push_back("--log_key=" + *data_ + "/log.vkey");
    return RunVitrine(args);
  }

  // Writes a policy file from its lines (vkeys already end in "\n").
  static std::string WritePolicy(const std::string& name,
                                 const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
      absl::StrAppend(&text, line, line.back() == '\n' ? "" : "\n");
    }
    WriteFileOrDie(Path(name), text);
    return Path(name);
  }

  static Outcome Verify(const std::string& policy, const std::string& artifact,
                        const std::string& bundle, const std::string& state = "") {
    std::vector<std::string> args = {"verify", "--policy=" + policy,
                                     "--bundle=" + bundle, artifact};
    if (!state.empty()) args.push_back("--state=" + state);
    return RunVitrine(args);
  }

  // Copies a1's fresh bundle with one change; returns the new file.
  static std::string AlteredBundle(const std::string& name,
                                   void (*alter)(v1::Bundle&)) {
    absl::StatusOr<v1::Bundle> bundle =
        client::ReadBundleFile(Path("a1.fresh.vitrine.json"));
    EXPECT_TRUE(bundle.ok()) << bundle.status();
    alter(*bundle);
    EXPECT_TRUE(client::WriteBundleFile(Path(name), *bundle).ok());
    return Path(name);
  }

  static void ExpectRefused(const Outcome& outcome, const std::string& reason) {
    EXPECT_EQ(outcome.exit_code, 1) << outcome.out << outcome.err;
    EXPECT_THAT(outcome.err, HasSubstr("refused: " + reason + ":"));
    EXPECT_EQ(outcome.out, "");
  }

  static std::string* dir_;
  static std::string* data_;
  static std::string* log_vkey_;
  static std::string* acme_vkey_;
  static std::string* other_vkey_;
  static std::string* supervisor_vkey_;
  static std::string* witness_vkey_;
  static std::string* impostor_vkey_;
  static LogProcess* log_;
};

std::string* RefusalsTest::dir_;
std::string* RefusalsTest::data_;
std::string* RefusalsTest::log_vkey_;
std::string* RefusalsTest::acme_vkey_;
std::string* RefusalsTest::other_vkey_;
std::string* RefusalsTest::supervisor_vkey_;
std::string* RefusalsTest::witness_vkey_;
std::string* RefusalsTest::impostor_vkey_;
LogProcess* RefusalsTest::log_;

TEST_F(RefusalsTest, GoodBundlesAreAccepted) {
  Outcome a1 = Verify(Path("policy"), Path("a1"), Path("a1.vitrine.json"));
  EXPECT_EQ(a1.exit_code, 0) << a1.err;
  EXPECT_EQ(a1.out, "OK: a1 1.0.0 by example.com/acme is logged at index 0 of "
                    "refusal.test/log (size 1)\n");
  Outcome fresh = Verify(Path("policy"), Path("a1"), Path("a1.fresh.vitrine.json"));
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr("at index 0 of refusal.test/log (size 3)"));
}

TEST_F(RefusalsTest, TamperedArtifact) {
  const std::string tampered = Path("a1.tampered");
  WriteFileOrDie(tampered, "artifact a1 with a backdoor\n");
  ExpectRefused(Verify(Path("policy"), tampered, Path("a1.vitrine.json")),
                "artifact-mismatch");
}

TEST_F(RefusalsTest, AlteredStatement) {
  const std::string bundle = AlteredBundle("statement.vitrine.json", [](v1::Bundle& b) {
    b.set_statement(absl::StrReplaceAll(b.statement(), {{"version 1.0.0", "version 1.0.1"}}));
  });
  ExpectRefused(Verify(Path("policy"), Path("a1"), bundle), "statement-malformed");
}

TEST_F(RefusalsTest, AlteredIndex) {
  const std::string bundle = AlteredBundle("index.vitrine.json", [](v1::Bundle& b) {
    b.set_leaf_index(1);
  });
  ExpectRefused(Verify(Path("policy"), Path("a1"), bundle), "proof-invalid");
}

TEST_F(RefusalsTest, AlteredProof) {
  const std::string bundle = AlteredBundle("proof.vitrine.json", [](v1::Bundle& b) {
    ASSERT_GT(b.inclusion_proof_size(), 0);
    (*b.mutable_inclusion_proof(0))[0] ^= 1;
  });
  ExpectRefused(Verify(Path("policy"), Path("a1"), bundle), "proof-invalid");
}

TEST_F(RefusalsTest, AlteredCheckpoint) {
  // A different tree size under the log's signature.
  const std::string bundle = AlteredBundle("checkpoint.vitrine.json", [](v1::Bundle& b) {
    b.set_checkpoint(absl::StrReplaceAll(b.checkpoint(), {{"\n3\n", "\n4\n"}}));
  });
  ExpectRefused(Verify(Path("policy"), Path("a1"), bundle), "checkpoint-bad-signature");
}

TEST_F(RefusalsTest, GarbledBundleFile) {
  WriteFileOrDie(Path("garbled.vitrine.json"), "{\"statement\": 12}\n");
  ExpectRefused(Verify(Path("policy"), Path("a1"), Path("garbled.vitrine.json")),
                "bundle-malformed");
}

TEST_F(RefusalsTest, VendorNotInPolicy) {
  ExpectRefused(Verify(Path("policy"), Path("a3"), Path("a3.vitrine.json")),
                "vendor-not-accepted");
}

TEST_F(RefusalsTest, SupervisorRequired) {
  const std::string policy =
      WritePolicy("policy.supervised", {"log " + *log_vkey_, "vendor " + *acme_vkey_,
                                        "supervisor " + *supervisor_vkey_,
                                        "supervisor-quorum 1"});
  ExpectRefused(Verify(policy, Path("a1"), Path("a1.vitrine.json")), "supervisor-missing");
  Outcome cosigned = Verify(policy, Path("a2"), Path("a2.vitrine.json"));
  EXPECT_EQ(cosigned.exit_code, 0) << cosigned.err;
}

TEST_F(RefusalsTest, WrongLogKey) {
  const std::string policy = WritePolicy(
      "policy.impostor", {"log " + *impostor_vkey_, "vendor " + *acme_vkey_});
  ExpectRefused(Verify(policy, Path("a1"), Path("a1.vitrine.json")), "wrong-log");
}

TEST_F(RefusalsTest, TooFewCosignatures) {
  const std::string policy = WritePolicy(
      "policy.witnessed", {"log " + *log_vkey_, "witness " + *witness_vkey_,
                           "witness-quorum 1", "vendor " + *acme_vkey_});
  ExpectRefused(Verify(policy, Path("a1"), Path("a1.vitrine.json")),
                "too-few-cosignatures");
}

TEST_F(RefusalsTest, RollbackAfterSeeingANewerCheckpoint) {
  const std::string state = FreshDir("state");
  // The endpoint sees size 1, then size 3: both fine, in that order.
  EXPECT_EQ(Verify(Path("policy"), Path("a1"), Path("a1.vitrine.json"), state).exit_code, 0);
  Outcome newer = Verify(Path("policy"), Path("a1"), Path("a1.fresh.vitrine.json"), state);
  EXPECT_EQ(newer.exit_code, 0) << newer.err;
  // Back to size 1: a rollback for this client, though valid for a new one.
  ExpectRefused(Verify(Path("policy"), Path("a1"), Path("a1.vitrine.json"), state),
                "rollback");
  EXPECT_EQ(Verify(Path("policy"), Path("a1"), Path("a1.vitrine.json")).exit_code, 0);
}

TEST_F(RefusalsTest, MissingFilesAreErrorsNotRefusals) {
  Outcome no_bundle = Verify(Path("policy"), Path("a1"), Path("none.vitrine.json"));
  EXPECT_EQ(no_bundle.exit_code, 2);
  EXPECT_THAT(no_bundle.err, HasSubstr("none.vitrine.json"));
  Outcome no_artifact = Verify(Path("policy"), Path("none"), Path("a1.vitrine.json"));
  EXPECT_EQ(no_artifact.exit_code, 2);
}

TEST_F(RefusalsTest, ReadCommandsVerifyAgainstTheLog) {
  Outcome checkpoint = Online({"checkpoint"});
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  EXPECT_THAT(checkpoint.out, HasSubstr("refusal.test/log\n3\n"));
  EXPECT_THAT(checkpoint.err, HasSubstr("verified: refusal.test/log size 3"));

  Outcome by_index = Online({"proof", "--index=2"});
  ASSERT_EQ(by_index.exit_code, 0) << by_index.err;
  EXPECT_THAT(by_index.out, HasSubstr("leaf 2\ntree: refusal.test/log size 3 root "));
  Outcome by_statement = Online({"proof", "--statement=" + Path("a2.statement")});
  ASSERT_EQ(by_statement.exit_code, 0) << by_statement.err;
  EXPECT_THAT(by_statement.out, HasSubstr("leaf 1\n"));

  // Consistency from the size-1 checkpoint a1's first bundle carries.
  absl::StatusOr<v1::Bundle> old = client::ReadBundleFile(Path("a1.vitrine.json"));
  ASSERT_TRUE(old.ok()) << old.status();
  WriteFileOrDie(Path("old.checkpoint"), old->checkpoint());
  Outcome consistency =
      Online({"proof", "--consistency", "--checkpoint=" + Path("old.checkpoint")});
  ASSERT_EQ(consistency.exit_code, 0) << consistency.err;
  EXPECT_THAT(consistency.out, HasSubstr("old: refusal.test/log size 1 root "));
  EXPECT_THAT(consistency.out, HasSubstr("new: refusal.test/log size 3 root "));

  Outcome entries = Online({"entries", "--start=0"});
  ASSERT_EQ(entries.exit_code, 0) << entries.err;
  EXPECT_THAT(entries.out, HasSubstr("0 example.com/acme a1 1.0.0 "));
  EXPECT_THAT(entries.out, HasSubstr("2 example.org/other a3 1.0.0 "));
  Outcome tail = Online({"entries", "--start=1", "--end=3"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_THAT(tail.out, HasSubstr("1 example.com/acme a2 1.0.0 "));
  EXPECT_THAT(tail.out, ::testing::Not(HasSubstr("0 example.com/acme a1")));
  Outcome follow = Online({"entries", "--start=2", "--follow", "--follow_seconds=1"});
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_THAT(follow.out, HasSubstr("2 example.org/other a3 1.0.0 "));

  Outcome unknown = Online({"bundle", "--sha256=" + std::string(64, '0')});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
}

}  // namespace
}  // namespace vitrine::tests
