#include "client/internal/bundle_testing.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "log/merkle/proof.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::client::testing {

absl::StatusOr<TestKey> MakeKey(absl::string_view name,
                                note::SignatureType type, char seed) {
  absl::StatusOr<std::string> skey =
      note::FormatSignerKey(name, type, std::string(32, seed));
  if (!skey.ok()) return skey.status();
  TestKey key;
  absl::StatusOr<std::unique_ptr<note::Signer>> signer =
      note::NewSigner(*skey, [] { return uint64_t{1700000000}; });
  if (!signer.ok()) return signer.status();
  key.signer = *std::move(signer);
  absl::StatusOr<std::string> vkey = note::VerifierKeyOf(*skey);
  if (!vkey.ok()) return vkey.status();
  key.vkey = *std::move(vkey);
  return key;
}

merkle::Hash Digest(absl::string_view name) { return merkle::HashLeaf(name); }

absl::StatusOr<std::unique_ptr<TestWorld>> TestWorld::Create(
    size_t witnesses) {
  std::unique_ptr<TestWorld> world(new TestWorld);
  using note::SignatureType;
  auto make = [](absl::string_view name, SignatureType type, char seed,
                 TestKey* out) -> absl::Status {
    absl::StatusOr<TestKey> key = MakeKey(name, type, seed);
    if (!key.ok()) return key.status();
    *out = *std::move(key);
    return absl::OkStatus();
  };
  for (absl::Status s :
       {make(kLogOrigin, SignatureType::kEd25519, 1, &world->log),
        make(kLogOrigin, SignatureType::kEd25519, 2, &world->decoy_log),
        make(kVendor, SignatureType::kEd25519, 3, &world->vendor),
        make("example.org/other", SignatureType::kEd25519, 4,
             &world->other_vendor),
        make(kSupervisor, SignatureType::kEd25519, 5, &world->supervisor)}) {
    if (!s.ok()) return s;
  }
  for (size_t i = 0; i < witnesses; ++i) {
    TestKey key;
    absl::Status s =
        make(absl::StrCat("witness", i, ".example.org"),
             SignatureType::kCosignatureV1, static_cast<char>(10 + i), &key);
    if (!s.ok()) return s;
    world->witnesses.push_back(std::move(key));
  }
  return world;
}

std::string TestWorld::SignedStatement(const merkle::Hash& sha256,
                                       bool supervised,
                                       absl::string_view version) const {
  note::Statement statement;
  statement.vendor = std::string(kVendor);
  statement.artifact = "acme-cli_linux_amd64.tar.gz";
  statement.version = std::string(version);
  statement.sha256 = sha256;
  statement.source = "https://git.example.com/acme/cli";
  std::string leaf = note::SignStatement(statement, *vendor.signer).value();
  if (supervised) leaf = note::CosignStatement(leaf, *supervisor.signer).value();
  return leaf;
}

uint64_t TestWorld::Append(absl::string_view leaf) {
  leaves.emplace_back(leaf);
  tree_->Append(merkle::HashLeaf(leaf));
  return leaves.size() - 1;
}

absl::StatusOr<std::string> TestWorld::SignedCheckpoint(
    const std::vector<size_t>& cosigners, bool decoy_log) const {
  note::Checkpoint checkpoint;
  checkpoint.origin = std::string(kLogOrigin);
  checkpoint.size = tree_->size();
  checkpoint.root = tree_->Root();
  absl::StatusOr<std::string> signed_note = note::SignCheckpoint(
      checkpoint, *(decoy_log ? this->decoy_log.signer : log.signer));
  for (size_t w : cosigners) {
    if (!signed_note.ok()) break;
    signed_note = note::AddCosignature(*signed_note, *witnesses.at(w).signer);
  }
  return signed_note;
}

absl::StatusOr<vitrine::v1::Bundle> TestWorld::MakeBundle(
    uint64_t index, const std::vector<size_t>& cosigners) const {
  absl::StatusOr<std::string> checkpoint = SignedCheckpoint(cosigners);
  if (!checkpoint.ok()) return checkpoint.status();
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      merkle::InclusionProof(index, tree_->size(), *tree_);
  if (!proof.ok()) return proof.status();
  vitrine::v1::Bundle bundle;
  bundle.set_statement(leaves.at(index));
  bundle.set_leaf_index(index);
  bundle.set_checkpoint(*checkpoint);
  for (const merkle::Hash& h : *proof) {
    bundle.add_inclusion_proof(std::string(h.AsStringView()));
  }
  return bundle;
}

absl::StatusOr<note::Policy> TestWorld::MakePolicy(
    size_t witness_quorum, size_t supervisor_quorum) const {
  std::string text = absl::StrCat("log ", log.vkey, "\n");
  for (const TestKey& w : witnesses) absl::StrAppend(&text, "witness ", w.vkey, "\n");
  if (!witnesses.empty()) {
    absl::StrAppend(&text, "witness-quorum ", witness_quorum, "\n");
  }
  absl::StrAppend(&text, "vendor ", vendor.vkey, "\n");
  absl::StrAppend(&text, "supervisor ", supervisor.vkey, "\n");
  absl::StrAppend(&text, "supervisor-quorum ", supervisor_quorum, "\n");
  return note::ParsePolicy(text);
}

}  // namespace vitrine::client::testing
