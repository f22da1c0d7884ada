// `vitrine checkpoint`, `proof` and `entries` with --json (issue 17), end
// to end: the real vitrine-log on loopback holding a release and a rebuild
// statement, and the real `vitrine`. Every expected value is recomputed
// here from the statement files and the log's key (Ed25519 signatures are
// deterministic, so the log's signed checkpoint is too), never read back
// from the command under test.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/note/rebuild_statement.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "json.test/log";

// The key ID of a vkey file's key: the field after the name (names hold no
// '+'; the base64 key after it may).
std::string KeyId(const std::string& vkey) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(vkey), absl::MaxSplits('+', 2));
  return parts.size() == 3 ? parts[1] : "";
}

// The checkpoint of [leaf0, leaf1] as the log signs it.
std::string SignedTree(const std::string& data, uint64_t size, const merkle::Hash& root) {
  std::string key = note::ReadSignerKeyFile(data + "/log.key").value();
  std::unique_ptr<note::Signer> signer = note::NewSigner(key).value();
  return note::SignCheckpoint({kOrigin, size, root, {}}, *signer).value();
}

class JsonOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir("json");
    data_ = dir_ + "/log";
    ASSERT_FALSE(InitLog(data_, kOrigin).empty());
    ASSERT_EQ(RunVitrine({"keygen", "--kind=vendor", "--name=example.com/acme",
                          "--out=" + dir_ + "/acme"})
                  .exit_code,
              0);
    // A rebuilder's key is an Ed25519 key like a vendor's, in another file.
    ASSERT_EQ(RunVitrine({"keygen", "--kind=vendor", "--name=rebuild.example.org",
                          "--out=" + dir_ + "/rebuilder"})
                  .exit_code,
              0);
    acme_vkey_ = ReadFileOrEmpty(dir_ + "/acme.vkey");
    rebuilder_vkey_ = ReadFileOrEmpty(dir_ + "/rebuilder.vkey");
    WriteFileOrDie(data_ + "/vendors", acme_vkey_);
    WriteFileOrDie(data_ + "/rebuilders", rebuilder_vkey_);
    log_ = StartLog(data_);
    ASSERT_TRUE(log_.running()) << log_.startup_output();

    // Leaf 0: a release with a source; leaf 1: a rebuild of it.
    const std::string artifact = dir_ + "/acme-tool.tar.gz";
    WriteFileOrDie(artifact, "acme tool, release 1.4.2\n");
    Outcome statement = RunVitrine({"statement", "--key=" + dir_ + "/acme.key",
                                    "--artifact=" + artifact, "--version=1.4.2",
                                    "--source=https://git.example.com/acme/tool@v1.4.2"});
    ASSERT_EQ(statement.exit_code, 0) << statement.err;
    release_ = ReadFileOrEmpty(artifact + ".statement");
    note::RebuildStatement rebuild{
        "rebuild.example.org", "example.com/acme", "acme-tool.tar.gz", "1.4.2",
        "https://git.example.com/acme/tool@v1.4.2",
        merkle::Hash::FromHex(kDigest).value()};
    std::unique_ptr<note::Signer> rebuilder =
        note::NewSigner(note::ReadSignerKeyFile(dir_ + "/rebuilder.key").value()).value();
    rebuild_ = note::SignRebuildStatement(rebuild, *rebuilder).value();
    WriteFileOrDie(dir_ + "/rebuild.statement", rebuild_);
    for (const std::string& file : {artifact + ".statement", dir_ + "/rebuild.statement"}) {
      Outcome submit = RunVitrine({"submit", "--log=" + log_.grpc_address(),
                                   "--log_key=" + data_ + "/log.vkey", file});
      ASSERT_EQ(submit.exit_code, 0) << submit.err;
    }
    leaf0_ = merkle::HashLeaf(release_);
    leaf1_ = merkle::HashLeaf(rebuild_);
    root2_ = merkle::HashChildren(leaf0_, leaf1_);
  }

  Outcome Vitrine(const std::string& command, std::vector<std::string> args) {
    args.insert(args.begin(), {command, "--log=" + log_.grpc_address(),
                               "--log_key=" + data_ + "/log.vkey"});
    return RunVitrine(args);
  }

  // SHA-256 of "acme tool, release 1.4.2\n", the artifact's bytes.
  static constexpr char kDigest[] =
      "6376ad94e46398263d5f2460e35e59e080f0dab6062cb7cf56338de0ee0013e7";

  std::string dir_, data_, acme_vkey_, rebuilder_vkey_, release_, rebuild_;
  merkle::Hash leaf0_, leaf1_, root2_;
  LogProcess log_;
};

TEST_F(JsonOutputTest, CheckpointIsOneObjectWithTheSignedNote) {
  Outcome out = Vitrine("checkpoint", {"--json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  std::string note = SignedTree(data_, 2, root2_);
  // The note's newlines and its em dash, as JSON writes them.
  std::string escaped = note;
  absl::StrReplaceAll({{"\n", "\\u000a"}}, &escaped);
  EXPECT_EQ(out.out, absl::StrCat("{\"origin\":\"json.test/log\",\"size\":2,\"root\":\"",
                                  root2_.ToBase64(), "\",\"note\":\"", escaped,
                                  "\",\"witnessed\":false,\"cosignatures\":[]}\n"));
  EXPECT_EQ(out.err, "");
}

TEST_F(JsonOutputTest, InclusionProofByIndexAndByLeafHash) {
  const std::string expected =
      absl::StrCat("{\"kind\":\"inclusion\",\"leaf_index\":0,\"tree\":{\"origin\":"
                   "\"json.test/log\",\"size\":2,\"root\":\"",
                   root2_.ToBase64(), "\"},\"proof\":[\"", leaf1_.ToBase64(), "\"]}\n");
  Outcome by_index = Vitrine("proof", {"--json", "--index=0"});
  ASSERT_EQ(by_index.exit_code, 0) << by_index.err;
  EXPECT_EQ(by_index.out, expected);
  Outcome by_hash = Vitrine("proof", {"--json", "--leaf_hash=" + leaf0_.ToHex()});
  ASSERT_EQ(by_hash.exit_code, 0) << by_hash.err;
  EXPECT_EQ(by_hash.out, expected);
  // The text output is unchanged by the flag's existence.
  Outcome text = Vitrine("proof", {"--index=0"});
  EXPECT_EQ(text.out, absl::StrCat("leaf 0\ntree: json.test/log size 2 root ",
                                   root2_.ToHex(), "\n", leaf1_.ToHex(), "\n"));
}

TEST_F(JsonOutputTest, ConsistencyProofFromAnOldCheckpoint) {
  const std::string old_file = dir_ + "/size1.checkpoint";
  WriteFileOrDie(old_file, SignedTree(data_, 1, leaf0_));
  Outcome out = Vitrine("proof", {"--json", "--consistency", "--checkpoint=" + old_file});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out,
            absl::StrCat("{\"kind\":\"consistency\",\"old\":{\"origin\":\"json.test/log\","
                         "\"size\":1,\"root\":\"",
                         leaf0_.ToBase64(), "\"},\"new\":{\"origin\":\"json.test/log\","
                         "\"size\":2,\"root\":\"",
                         root2_.ToBase64(), "\"},\"proof\":[\"", leaf1_.ToBase64(), "\"]}\n"));
}

TEST_F(JsonOutputTest, EntriesAreJsonLinesOfReleasesAndRebuilds) {
  const std::string acme_sig = absl::StrCat(
      "\"signatures\":[{\"name\":\"example.com/acme\",\"key_id\":\"", KeyId(acme_vkey_),
      "\"}]");
  const std::string rebuilder_sig = absl::StrCat(
      "\"signatures\":[{\"name\":\"rebuild.example.org\",\"key_id\":\"",
      KeyId(rebuilder_vkey_), "\"}]");
  const std::string release_line = absl::StrCat(
      "{\"index\":0,\"kind\":\"release\",\"vendor\":\"example.com/acme\","
      "\"artifact\":\"acme-tool.tar.gz\",\"version\":\"1.4.2\",\"sha256\":\"",
      kDigest, "\",\"source\":\"https://git.example.com/acme/tool@v1.4.2\",", acme_sig);
  const std::string rebuild_line = absl::StrCat(
      "{\"index\":1,\"kind\":\"rebuild\",\"rebuilder\":\"rebuild.example.org\","
      "\"vendor\":\"example.com/acme\",\"artifact\":\"acme-tool.tar.gz\","
      "\"version\":\"1.4.2\",\"source\":\"https://git.example.com/acme/tool@v1.4.2\","
      "\"sha256\":\"",
      kDigest, "\",", rebuilder_sig);
  Outcome all = Vitrine("entries", {"--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, absl::StrCat(release_line, "}\n", rebuild_line, "}\n"));

  // A range not starting at 0 (verified by inclusion proofs), with --raw:
  // the whole note as logged.
  Outcome one = Vitrine("entries", {"--json", "--raw", "--start=1", "--end=2"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  std::string note = rebuild_;
  absl::StrReplaceAll({{"\n", "\\u000a"}}, &note);
  EXPECT_EQ(one.out, absl::StrCat(rebuild_line, ",\"note\":\"", note, "\"}\n"));

  // Bad input is still refused before anything is printed.
  Outcome bad = Vitrine("entries", {"--json", "--start=2", "--end=1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(bad.err, "vitrine entries: --end is before --start\n");
}

}  // namespace
}  // namespace vitrine::tests
