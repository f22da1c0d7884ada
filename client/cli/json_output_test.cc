#include "client/cli/json_output.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"

namespace vitrine::cli {
namespace {

// Deterministic keys: seeds of one repeated byte.
std::string Key(const char* name, note::SignatureType type, char seed) {
  return note::FormatSignerKey(name, type, std::string(32, seed)).value();
}

std::string KeyIdHex(const std::string& signer_key) {
  return absl::StrFormat(
      "%08x",
      note::ParseVerifierKey(note::VerifierKeyOf(signer_key).value()).value().key_id);
}

TEST(JsonOutputTest, TreeAndHashes) {
  const merkle::Hash a = merkle::HashLeaf("a");
  const merkle::Hash b = merkle::HashLeaf("b");
  EXPECT_EQ(TreeJson({"example.com/log \"x\"", 7, a, {}}),
            absl::StrCat("{\"origin\":\"example.com/log \\\"x\\\"\",\"size\":7,\"root\":\"",
                         a.ToBase64(), "\"}"));
  EXPECT_EQ(HashesJson({}), "[]");
  EXPECT_EQ(HashesJson({a, b}),
            absl::StrCat("[\"", a.ToBase64(), "\",\"", b.ToBase64(), "\"]"));
}

// The log's own line is not a cosignature; a witness's line is, listed as
// carried even when the client's keys do not know it.
TEST(JsonOutputTest, CheckpointListsEveryLineButTheLogs) {
  const std::string log_key = Key("example.com/log", note::SignatureType::kEd25519, 'L');
  const std::string witness_key =
      Key("witness.example.org", note::SignatureType::kCosignatureV1, 'W');
  std::unique_ptr<note::Signer> log_signer = note::NewSigner(log_key).value();
  std::unique_ptr<note::Signer> witness =
      note::NewSigner(witness_key, [] { return uint64_t{1700000000}; }).value();
  const note::Checkpoint tree{"example.com/log", 3, merkle::HashLeaf("x"), {}};
  const std::string cosigned =
      note::AddCosignature(note::SignCheckpoint(tree, *log_signer).value(), *witness)
          .value();
  note::VerifierSet log_keys;
  ASSERT_TRUE(log_keys.Add(note::NewVerifier(note::VerifierKeyOf(log_key).value()).value()).ok());
  note::VerifiedCheckpoint head =
      note::OpenCheckpoint(cosigned, "example.com/log", log_keys).value();

  std::string escaped_note = cosigned;
  size_t at = 0;
  while ((at = escaped_note.find('\n', at)) != std::string::npos) {
    escaped_note.replace(at, 1, "\\u000a");
  }
  EXPECT_EQ(CheckpointJson(head, true),
            absl::StrCat("{\"origin\":\"example.com/log\",\"size\":3,\"root\":\"",
                         tree.root.ToBase64(), "\",\"note\":\"", escaped_note,
                         "\",\"witnessed\":true,\"cosignatures\":[{\"name\":"
                         "\"witness.example.org\",\"key_id\":\"",
                         KeyIdHex(witness_key), "\"}]}\n"));
}

TEST(JsonOutputTest, AnEntryThatIsNoStatementIsReportedInvalid) {
  const std::string log_key = Key("example.com/log", note::SignatureType::kEd25519, 'L');
  std::unique_ptr<note::Signer> signer = note::NewSigner(log_key).value();
  const std::string other = note::SignNote("hello\n", *signer).value();
  const std::string line = EntryJson(5, other, false);
  EXPECT_EQ(line.rfind("{\"index\":5,\"kind\":\"invalid\",\"error\":\"", 0), 0u) << line;
  EXPECT_EQ(line.find("signatures"), std::string::npos) << line;
  EXPECT_EQ(line.substr(line.size() - 3), "\"}\n");
  // Not even a note: the same kind, and the bytes with --raw, escaped.
  const std::string junk = EntryJson(6, "\x01", true);
  EXPECT_EQ(junk.rfind("{\"index\":6,\"kind\":\"invalid\",\"error\":\"", 0), 0u) << junk;
  EXPECT_TRUE(absl::EndsWith(junk, "\",\"note\":\"\\u0001\"}\n")) << junk;
}

}  // namespace
}  // namespace vitrine::cli
