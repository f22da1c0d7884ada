// vitrine proof: a verified inclusion proof (of a leaf by index, leaf hash
// or statement file) or consistency proof (from an earlier checkpoint to
// the latest), printed with the checkpoint it is against.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/cli/command.h"
#include "client/cli/json_output.h"
#include "client/cli/log_flags.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/checkpoint.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    kLogFlag, kLogKeyFlag, kStateFlag, kTimeoutFlag, kJsonFlag,
    {"index", "", "inclusion of the leaf at this 0-based index"},
    {"leaf_hash", "", "inclusion of the leaf with this hash (64 hex digits)"},
    {"statement", "", "inclusion of this statement file (its leaf hash)"},
    {"consistency", "false", "a consistency proof to the latest checkpoint", true},
    {"checkpoint", "", "with --consistency: the old signed checkpoint (a file from "
                       "`vitrine checkpoint`; default: the --state's last seen)"},
};

void PrintProof(const std::vector<merkle::Hash>& proof) {
  for (const merkle::Hash& hash : proof) std::printf("%s\n", hash.ToHex().c_str());
}

void PrintTree(const char* what, const note::Checkpoint& checkpoint) {
  std::printf("%s: %s size %llu root %s\n", what, checkpoint.origin.c_str(),
              static_cast<unsigned long long>(checkpoint.size),
              checkpoint.root.ToHex().c_str());
}

// Prints a verified inclusion proof as text or as one JSON object.
void PrintInclusion(uint64_t leaf_index, const note::Checkpoint& tree,
                    const std::vector<merkle::Hash>& proof, bool json) {
  if (json) {
    std::printf("%s", absl::StrCat("{\"kind\":\"inclusion\",\"leaf_index\":", leaf_index,
                                   ",\"tree\":", TreeJson(tree),
                                   ",\"proof\":", HashesJson(proof), "}\n")
                          .c_str());
    return;
  }
  std::printf("leaf %llu\n", static_cast<unsigned long long>(leaf_index));
  PrintTree("tree", tree);
  PrintProof(proof);
}

// Opens the old checkpoint of --checkpoint with the pinned log key.
absl::StatusOr<note::Checkpoint> OldCheckpoint(const Flags& flags,
                                               const client::LogClient& log) {
  if (!flags.Has("checkpoint")) {
    std::optional<note::Checkpoint> seen = log.LastSeen();
    if (!seen.has_value()) {
      return absl::InvalidArgumentError(
          "--consistency wants --checkpoint=FILE or a --state that has seen one");
    }
    return *seen;
  }
  VITRINE_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(flags.Get("checkpoint"), kMaxInputFileSize));
  VITRINE_ASSIGN_OR_RETURN(std::string vkey, note::ReadVerifierKeyFile(flags.Get("log_key")));
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                           note::NewVerifier(absl::StripAsciiWhitespace(vkey)));
  note::VerifierSet keys;
  VITRINE_RETURN_IF_ERROR(keys.Add(std::move(verifier)));
  VITRINE_ASSIGN_OR_RETURN(note::VerifiedCheckpoint old,
                           note::OpenCheckpoint(text, log.origin(), keys));
  return old.checkpoint;
}

int Run(const Flags& flags) {
  const int kinds = flags.Has("index") + flags.Has("leaf_hash") +
                    flags.Has("statement") + flags.GetBool("consistency");
  if (kinds != 1 || !flags.positional().empty()) {
    return Fail("proof", absl::InvalidArgumentError(
                             "wants exactly one of --index, --leaf_hash, --statement "
                             "or --consistency"));
  }
  absl::StatusOr<LogConnection> log = ConnectToLog(flags);
  if (!log.ok()) return Fail("proof", log.status());
  if (flags.GetBool("consistency")) {
    absl::StatusOr<note::Checkpoint> old = OldCheckpoint(flags, *log->client);
    if (!old.ok()) return Fail("proof", old.status());
    absl::StatusOr<client::ConsistencyProof> proof =
        log->client->GetConsistencyProof(*old);
    if (!proof.ok()) return LogFailure("proof", proof.status());
    if (flags.GetBool("json")) {
      std::printf("%s", absl::StrCat("{\"kind\":\"consistency\",\"old\":",
                                     TreeJson(proof->old_checkpoint), ",\"new\":",
                                     TreeJson(proof->new_checkpoint.checkpoint),
                                     ",\"proof\":", HashesJson(proof->proof), "}\n")
                            .c_str());
      return kExitOk;
    }
    PrintTree("old", proof->old_checkpoint);
    PrintTree("new", proof->new_checkpoint.checkpoint);
    PrintProof(proof->proof);
    return kExitOk;
  }
  if (flags.Has("index")) {
    absl::StatusOr<uint64_t> index = flags.GetUint64("index");
    if (!index.ok()) return Fail("proof", index.status());
    absl::StatusOr<v1::Bundle> bundle = log->client->GetBundle(*index);
    if (!bundle.ok()) return LogFailure("proof", bundle.status());
    // LogClient verified the bundle's checkpoint; only its text is read here.
    absl::StatusOr<note::Note> signed_tree = note::ParseNote(bundle->checkpoint());
    if (!signed_tree.ok()) return Fail("proof", signed_tree.status());
    absl::StatusOr<note::Checkpoint> tree = note::ParseCheckpoint(signed_tree->text);
    if (!tree.ok()) return Fail("proof", tree.status());
    std::vector<merkle::Hash> hashes;
    for (const std::string& hash : bundle->inclusion_proof()) {
      absl::StatusOr<merkle::Hash> h = merkle::Hash::FromBytes(hash);
      if (h.ok()) hashes.push_back(*h);
    }
    PrintInclusion(bundle->leaf_index(), *tree, hashes, flags.GetBool("json"));
    return kExitOk;
  }
  absl::StatusOr<merkle::Hash> leaf_hash;
  if (flags.Has("leaf_hash")) {
    leaf_hash = merkle::Hash::FromHex(flags.Get("leaf_hash"));
  } else {
    absl::StatusOr<std::string> statement = ReadSmallFile(flags.Get("statement"), kMaxInputFileSize);
    if (!statement.ok()) return Fail("proof", statement.status());
    leaf_hash = merkle::HashLeaf(*statement);
  }
  if (!leaf_hash.ok()) return Fail("proof", leaf_hash.status());
  absl::StatusOr<client::InclusionProof> proof = log->client->GetInclusionProof(*leaf_hash);
  if (!proof.ok()) return LogFailure("proof", proof.status());
  PrintInclusion(proof->leaf_index, proof->checkpoint.checkpoint, proof->proof,
                 flags.GetBool("json"));
  return kExitOk;
}

}  // namespace

const Command& ProofCommand() {
  static const Command command{
      "proof", "print a verified inclusion or consistency proof",
      "usage: vitrine proof --log=HOST:PORT --log_key=LOG.vkey\n"
      "                     (--index=N | --leaf_hash=HEX | --statement=FILE)\n"
      "       vitrine proof --log=... --log_key=... --consistency\n"
      "                     [--checkpoint=OLD_CHECKPOINT_FILE | --state=DIR]\n"
      "       (either with --json: one JSON object)\n"
      "\n"
      "Inclusion: prints \"leaf N\", \"tree: <origin> size S root R\" and the proof's\n"
      "hashes (hex, leaf's sibling first), verified against the latest checkpoint.\n"
      "Consistency: prints the old and new trees and the proof from the old\n"
      "checkpoint (verified with the log key) to the latest one.\n"
      "With --json, one JSON object: {\"kind\":\"inclusion\",\"leaf_index\",\"tree\",\n"
      "\"proof\"} or {\"kind\":\"consistency\",\"old\",\"new\",\"proof\"}; a tree is\n"
      "{\"origin\",\"size\",\"root\"}, hashes are base64.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
