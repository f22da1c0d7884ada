// The witness core: every add-checkpoint rule with its exact code, real
// consistency proofs, state files in TEST_TMPDIR, forks raised on a fake
// Alarm, and cosignatures checked with the client-side verifier.
#include "monitor/witness/witness.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/disk_reserve.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/note/breakable_signer.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "monitor/witness/internal/origin_state.h"
#include "monitor/witness/witness_testing.h"

namespace vitrine::monitor {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::vitrine::monitor::testing::FakeAlarm;
using ::vitrine::monitor::testing::FakeVerifiedLog;
using ::vitrine::monitor::testing::NewTempDir;
using ::vitrine::monitor::testing::TestLog;
using ::vitrine::testing::StatusIs;

constexpr char kWitnessName[] = "witness.example/w1";

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(witness_key_,
                         note::GenerateKey(kWitnessName,
                                           note::SignatureType::kCosignatureV1));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Verifier> verifier,
                         note::NewVerifier(witness_key_.verifier_key));
    ASSERT_OK(witness_keys_.Add(std::move(verifier)));
    dir_ = NewTempDir("witness");
    ASSERT_OK_AND_ASSIGN(witness_, OpenWitness());
  }

  absl::StatusOr<std::unique_ptr<Witness>> OpenWitness(
      std::vector<std::string> log_vkeys = {}) {
    if (log_vkeys.empty()) log_vkeys = {log_.vkey()};
    return Witness::OpenWithKey(witness_key_.signer_key, std::move(log_vkeys),
                                dir_, &alarm_);
  }

  // Adds and asserts success; returns the lines.
  std::vector<std::string> Add(uint64_t old_size, uint64_t size) {
    uint64_t held = 0;
    absl::StatusOr<std::vector<std::string>> lines = witness_->AddCheckpoint(
        old_size, log_.RawProof(old_size, size), log_.Note(size), &held);
    EXPECT_OK(lines.status());
    return lines.ok() ? *lines : std::vector<std::string>{};
  }

  // Checks that `lines` are valid cosignatures of `signed_note` by this
  // witness, the way a client checks a quorum.
  void ExpectCosigned(const std::string& signed_note,
                      const std::vector<std::string>& lines, uint64_t size) {
    ASSERT_THAT(lines, SizeIs(1));
    EXPECT_THAT(lines[0], ::testing::StartsWith(absl::StrCat(
                              "\xE2\x80\x94 ", kWitnessName, " ")));
    ASSERT_OK_AND_ASSIGN(
        note::CosignedCheckpoint cosigned,
        note::OpenCosignedCheckpoint(signed_note + absl::StrJoin(lines, ""),
                                     log_.origin(), log_.keys(),
                                     witness_keys_, 1));
    EXPECT_EQ(cosigned.checkpoint.checkpoint.size, size);
    ASSERT_THAT(cosigned.cosignatures, SizeIs(1));
    EXPECT_EQ(cosigned.cosignatures[0].name, kWitnessName);
  }

  note::GeneratedKey witness_key_;
  note::VerifierSet witness_keys_;
  TestLog log_{"log.example/a", 40};
  FakeAlarm alarm_;
  std::string dir_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, NameAndVerifierKey) {
  EXPECT_EQ(witness_->name(), kWitnessName);
  EXPECT_EQ(witness_->verifier_key(), witness_key_.verifier_key);
  EXPECT_EQ(witness_->Latest(log_.origin()), std::nullopt);
  EXPECT_EQ(witness_->Latest("log.example/unknown"), std::nullopt);
  ASSERT_OK_AND_ASSIGN(uint64_t held, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(held, 0u);
  EXPECT_THAT(witness_->HeldSize("log.example/unknown"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(WitnessTest, FirstCheckpointFromZero) {
  const std::string note = log_.Note(5);
  uint64_t held = 99;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines,
                       witness_->AddCheckpoint(0, {}, note, &held));
  EXPECT_EQ(held, 99u);  // Only set on Aborted.
  ExpectCosigned(note, lines, 5);
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 5u);
  // Persisted as received, under the hashed origin.
  ASSERT_OK_AND_ASSIGN(
      std::string file,
      ReadSmallFile(dir_ + "/" + internal::StateFileName(log_.origin()),
                    1 << 20));
  EXPECT_EQ(file, note);
  EXPECT_EQ(internal::StateFileName(log_.origin()).size(), 64u + 11u);
}

TEST_F(WitnessTest, EmptyTreeThenGrowth) {
  ExpectCosigned(log_.Note(0), Add(0, 0), 0);
  ExpectCosigned(log_.Note(1), Add(0, 1), 1);
  ExpectCosigned(log_.Note(13), Add(1, 13), 13);
  ExpectCosigned(log_.Note(40), Add(13, 40), 40);
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 40u);
}

TEST_F(WitnessTest, LatestCarriesTheCosignature) {
  Add(0, 7);
  std::optional<std::string> latest = witness_->Latest(log_.origin());
  ASSERT_TRUE(latest.has_value());
  EXPECT_THAT(*latest, ::testing::StartsWith(log_.Note(7).substr(0, 20)));
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint cosigned,
                       note::OpenCosignedCheckpoint(*latest, log_.origin(),
                                                    log_.keys(), witness_keys_,
                                                    1));
  EXPECT_EQ(cosigned.checkpoint.checkpoint.size, 7u);
  EXPECT_EQ(cosigned.checkpoint.checkpoint.root, log_.Root(7));
}

TEST_F(WitnessTest, SameSizeSameRootCosignsAgain) {
  Add(0, 9);
  const std::string note = log_.Note(9);
  uint64_t held = 0;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines,
                       witness_->AddCheckpoint(9, {}, note, &held));
  ExpectCosigned(note, lines, 9);
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 9u);
  EXPECT_THAT(alarm_.raised(), SizeIs(0));
}

TEST_F(WitnessTest, OtherWitnessesCosignaturesAreIgnored) {
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey other,
                       note::GenerateKey("witness.example/other",
                                         note::SignatureType::kCosignatureV1));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> other_signer,
                       note::NewSigner(other.signer_key));
  ASSERT_OK_AND_ASSIGN(std::string with_other,
                       note::AddCosignature(log_.Note(6), *other_signer));
  uint64_t held = 0;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines,
                       witness_->AddCheckpoint(0, {}, with_other, &held));
  ExpectCosigned(with_other, lines, 6);
  // Latest is canonical: the other witness's line, which this witness
  // cannot verify, is dropped; the log's and this witness's lines remain.
  std::optional<std::string> latest = witness_->Latest(log_.origin());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(*latest, log_.Note(6) + lines[0]);
  // A note already carrying this witness's line gets it replaced in Latest.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> me,
                       note::NewSigner(witness_key_.signer_key));
  ASSERT_OK_AND_ASSIGN(std::string with_me,
                       note::AddCosignature(log_.Note(8), *me));
  ASSERT_OK(witness_->AddCheckpoint(6, log_.RawProof(6, 8), with_me, &held)
                .status());
  latest = witness_->Latest(log_.origin());
  ASSERT_TRUE(latest.has_value());
  ASSERT_OK_AND_ASSIGN(note::Note parsed, note::ParseNote(*latest));
  EXPECT_THAT(parsed.signatures, SizeIs(2));  // The log's and this witness's.
}

// A signature line by an unknown key: `bytes` bytes of key ID and
// signature, as junk a sender pads a genuine checkpoint with.
std::string JunkLine(int i, size_t bytes) {
  std::string raw(bytes, '\0');
  std::mt19937 random(i);
  for (char& c : raw) c = static_cast<char>(random());
  return absl::StrCat("\xE2\x80\x94 junk", i, ".example/w ",
                      absl::Base64Escape(raw), "\n");
}

TEST_F(WitnessTest, PaddedNoteIsStoredAndServedCanonical) {
  Add(0, 4);
  // 99 junk lines: 100 signature lines in all, past 64 KiB.
  std::string padded = log_.Note(11);
  for (int i = 0; i < 99; ++i) padded += JunkLine(i, 700);
  ASSERT_GT(padded.size(), 64u << 10);
  uint64_t held = 0;
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> lines,
      witness_->AddCheckpoint(4, log_.RawProof(4, 11), padded, &held));
  ExpectCosigned(log_.Note(11), lines, 11);
  // Stored: the text and the log's line; served: plus this witness's.
  ASSERT_OK_AND_ASSIGN(
      std::string file,
      ReadSmallFile(dir_ + "/" + internal::StateFileName(log_.origin()),
                    1 << 20));
  EXPECT_EQ(file, log_.Note(11));
  EXPECT_EQ(witness_->Latest(log_.origin()), log_.Note(11) + lines[0]);
  // And so after a restart.
  witness_.reset();
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness());
  EXPECT_EQ(witness_->Latest(log_.origin()), log_.Note(11) + lines[0]);
}

TEST_F(WitnessTest, OldStateFileWithExtraLinesIsServedCanonical) {
  Add(0, 5);
  witness_.reset();
  std::string padded = log_.Note(5) + JunkLine(1, 100) + JunkLine(2, 100);
  ASSERT_OK(WriteFileAtomically(
      dir_ + "/" + internal::StateFileName(log_.origin()), padded, 0644));
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness());
  std::optional<std::string> latest = witness_->Latest(log_.origin());
  ASSERT_TRUE(latest.has_value());
  EXPECT_THAT(*latest, ::testing::StartsWith(log_.Note(5)));
  ASSERT_OK_AND_ASSIGN(note::Note parsed, note::ParseNote(*latest));
  EXPECT_THAT(parsed.signatures, SizeIs(2));
}

TEST_F(WitnessTest, TwoLinesByTheLogKeyAreRefusedBeforeVerifying) {
  // The log's line twice, the second with other bytes: refused before
  // any signature is verified, whatever the lines hold.
  const std::string note = log_.Note(3);
  const std::string line = note.substr(note.rfind("\xE2\x80\x94"));
  std::string twice = note + line;
  twice[twice.size() - 10] = twice[twice.size() - 10] == 'A' ? 'B' : 'A';
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, twice, &held),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "two signature lines by the log key"));
  // 101 signature lines: over note::NoteLimits, also before verifying.
  std::string many = log_.Note(3);
  for (int i = 0; i < 100; ++i) many += JunkLine(i, 8);
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, many, &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 0u);
}

TEST_F(WitnessTest, RollbackIsAbortedWithTheHeldSize) {
  Add(0, 20);
  uint64_t held = 0;
  // A smaller checkpoint, as a log that forgot the witness would send it.
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, log_.Note(10), &held),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(held, 20u);
  // Even from a size it once held, with a valid proof.
  held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(5, log_.RawProof(5, 10), log_.Note(10),
                                      &held),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(held, 20u);
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 20u);
}

TEST_F(WitnessTest, StaleOldSizeIsAbortedThenRetrySucceeds) {
  Add(0, 5);
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(3, log_.RawProof(3, 12), log_.Note(12),
                                      &held),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(held, 5u);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines,
                       witness_->AddCheckpoint(held, log_.RawProof(held, 12),
                                               log_.Note(12), &held));
  ExpectCosigned(log_.Note(12), lines, 12);
}

TEST_F(WitnessTest, BadProofsAreInvalidArgument) {
  Add(0, 5);
  uint64_t held = 0;
  std::vector<std::string> proof = log_.RawProof(5, 13);
  ASSERT_FALSE(proof.empty());
  std::vector<std::string> flipped = proof;
  flipped[0][0] ^= 1;
  EXPECT_THAT(witness_->AddCheckpoint(5, flipped, log_.Note(13), &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> short_proof(proof.begin(), proof.end() - 1);
  EXPECT_THAT(witness_->AddCheckpoint(5, short_proof, log_.Note(13), &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> bad_length = proof;
  bad_length[0].pop_back();
  EXPECT_THAT(witness_->AddCheckpoint(5, bad_length, log_.Note(13), &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> too_long(64, std::string(32, 'x'));
  EXPECT_THAT(witness_->AddCheckpoint(5, too_long, log_.Note(13), &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A proof where none belongs: same size.
  EXPECT_THAT(witness_->AddCheckpoint(5, proof, log_.Note(5), &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The proof of another log's tree does not verify against the held root.
  TestLog other("log.example/a", 13, "other-");
  EXPECT_THAT(witness_->AddCheckpoint(5, other.RawProof(5, 13), log_.Note(13),
                                      &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 5u);
  EXPECT_THAT(alarm_.raised(), SizeIs(0));
}

TEST_F(WitnessTest, OldSizeBeyondTheCheckpointIsInvalidArgument) {
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(6, {}, log_.Note(5), &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WitnessTest, UnknownOriginIsNotFound) {
  TestLog stranger("log.example/stranger", 3);
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, stranger.Note(3), &held),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(WitnessTest, UntrustedSignaturesArePermissionDenied) {
  uint64_t held = 0;
  // Same origin, another key.
  TestLog impostor("log.example/a", 3);
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, impostor.Note(3), &held),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The trusted key's line, forged.
  std::string forged = log_.Note(3);
  const size_t sig = forged.rfind(' ') + 10;
  forged[sig] = forged[sig] == 'A' ? 'B' : 'A';
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, forged, &held),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // A cosignature alone (another witness) is no log signature.
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey other,
                       note::GenerateKey("witness.example/other",
                                         note::SignatureType::kCosignatureV1));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> other_signer,
                       note::NewSigner(other.signer_key));
  ASSERT_OK_AND_ASSIGN(std::string text,
                       note::FormatCheckpoint({log_.origin(), 3, log_.Root(3),
                                               {}}));
  ASSERT_OK_AND_ASSIGN(note::Checkpoint checkpoint, note::ParseCheckpoint(text));
  ASSERT_OK_AND_ASSIGN(note::Signature line,
                       note::Cosign(checkpoint, *other_signer));
  note::Note cosigned_only{text, {line}};
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, note::FormatNote(cosigned_only),
                                      &held),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 0u);
}

TEST_F(WitnessTest, MalformedNotesAreInvalidArgument) {
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, "", &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, "not a note", &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A signed note whose text is not a checkpoint.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> signer,
                       note::NewSigner(log_.signer_key()));
  ASSERT_OK_AND_ASSIGN(std::string not_checkpoint,
                       note::SignNote("log.example/a\nhello\n", *signer));
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, not_checkpoint, &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Over 1 MiB.
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, std::string((1 << 20) + 1, 'a'),
                                      &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, log_.Note(1), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WitnessTest, ForkAtTheSameSizeRaisesOneEvidenceAndHalts) {
  Add(0, 10);
  const std::string first = log_.Note(10);
  TestLog fork = log_.Fork("forked-", 40);
  const std::string second = fork.Note(10);
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(10, {}, second, &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<vitrine::v1::Evidence> raised = alarm_.raised();
  ASSERT_THAT(raised, SizeIs(1));
  const vitrine::v1::Evidence& evidence = raised[0];
  EXPECT_EQ(evidence.kind(), vitrine::v1::Evidence::SAME_SIZE_DIFFERENT_ROOTS);
  EXPECT_EQ(evidence.origin(), log_.origin());
  EXPECT_EQ(evidence.log_verifier_key(), log_.vkey());
  EXPECT_EQ(evidence.first_note(), first);
  EXPECT_EQ(evidence.second_note(), second);
  EXPECT_EQ(evidence.observed_by(), kWitnessName);
  EXPECT_EQ(evidence.source(), "witness add-checkpoint");
  EXPECT_FALSE(evidence.explanation().empty());
  absl::Time at;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, evidence.observed_at(), &at,
                              &error))
      << error;
  EXPECT_LT(absl::AbsDuration(absl::Now() - at), absl::Minutes(1));

  // Halted: neither the fork nor the real log gets anything more.
  EXPECT_THAT(witness_->AddCheckpoint(10, fork.RawProof(10, 20), fork.Note(20),
                                      &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(witness_->AddCheckpoint(10, log_.RawProof(10, 20), log_.Note(20),
                                      &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(witness_->AddCheckpoint(10, {}, first, &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(witness_->AddCheckpoint(10, {}, second, &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(alarm_.raised(), SizeIs(1));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 10u);
}

TEST_F(WitnessTest, ForkWithAStaleOldSizeIsStillEvidence) {
  Add(0, 10);
  TestLog fork = log_.Fork("forked-", 10);
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, fork.Note(10), &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(alarm_.raised(), SizeIs(1));
}

TEST_F(WitnessTest, ForkWithoutAlarmStillHalts) {
  ASSERT_OK_AND_ASSIGN(
      witness_, Witness::OpenWithKey(witness_key_.signer_key, {log_.vkey()},
                                     NewTempDir("no-alarm"), nullptr));
  Add(0, 10);
  TestLog fork = log_.Fork("forked-", 10);
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(10, {}, fork.Note(10), &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(witness_->AddCheckpoint(10, log_.RawProof(10, 20), log_.Note(20),
                                      &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(WitnessTest, HaltedByTheAlarmCosignsNothing) {
  alarm_.Halt(log_.origin());
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, log_.Note(3), &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(witness_->Latest(log_.origin()), std::nullopt);
  EXPECT_FALSE(std::filesystem::exists(
      dir_ + "/" + internal::StateFileName(log_.origin())));
}

TEST_F(WitnessTest, StateSurvivesReopen) {
  Add(0, 4);
  Add(4, 17);
  witness_.reset();
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness());
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 17u);
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(0, {}, log_.Note(30), &held),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(held, 17u);
  std::optional<std::string> latest = witness_->Latest(log_.origin());
  ASSERT_TRUE(latest.has_value());
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint cosigned,
                       note::OpenCosignedCheckpoint(*latest, log_.origin(),
                                                    log_.keys(), witness_keys_,
                                                    1));
  EXPECT_EQ(cosigned.checkpoint.checkpoint.size, 17u);
  ExpectCosigned(log_.Note(30), Add(17, 30), 30);
}

TEST_F(WitnessTest, PersistFailureCosignsNothing) {
  Add(0, 4);
  // The state folder vanishes (a disk gone away): no answer without state.
  std::filesystem::remove_all(dir_);
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(4, log_.RawProof(4, 9), log_.Note(9),
                                      &held),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 4u);
  std::optional<std::string> latest = witness_->Latest(log_.origin());
  ASSERT_TRUE(latest.has_value());
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint cosigned,
                       note::OpenCosignedCheckpoint(*latest, log_.origin(),
                                                    log_.keys(), witness_keys_,
                                                    1));
  EXPECT_EQ(cosigned.checkpoint.checkpoint.size, 4u);
}

TEST_F(WitnessTest, CorruptStateRefusesToOpen) {
  Add(0, 4);
  const std::string path = dir_ + "/" + internal::StateFileName(log_.origin());
  witness_.reset();
  ASSERT_OK(WriteFileAtomically(path, "garbage\n", 0644));
  EXPECT_THAT(OpenWitness(), StatusIs(absl::StatusCode::kDataLoss));
  // Validly signed, but by another key of that name.
  TestLog impostor("log.example/a", 4);
  ASSERT_OK(WriteFileAtomically(path, impostor.Note(4), 0644));
  EXPECT_THAT(OpenWitness(), StatusIs(absl::StatusCode::kDataLoss));
  // Another configured log's checkpoint under this log's name.
  TestLog b("log.example/b", 4);
  ASSERT_OK(WriteFileAtomically(path, b.Note(4), 0644));
  EXPECT_THAT(OpenWitness({log_.vkey(), b.vkey()}),
              StatusIs(absl::StatusCode::kDataLoss));
  // Too large to be a note.
  ASSERT_OK(WriteFileAtomically(path, std::string((1 << 20) + 1, 'x'), 0644));
  EXPECT_THAT(OpenWitness(), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(WitnessTest, StateOfAnUnconfiguredLogIsIgnored) {
  TestLog b("log.example/b", 8);
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness({log_.vkey(), b.vkey()}));
  uint64_t held = 0;
  ASSERT_OK(witness_->AddCheckpoint(0, {}, b.Note(8), &held).status());
  Add(0, 3);
  witness_.reset();
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness({log_.vkey()}));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 3u);
  EXPECT_THAT(witness_->HeldSize(b.origin()),
              StatusIs(absl::StatusCode::kNotFound));
  // Configured again, it is back with its state.
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness({log_.vkey(), b.vkey()}));
  ASSERT_OK_AND_ASSIGN(size, witness_->HeldSize(b.origin()));
  EXPECT_EQ(size, 8u);
}

TEST_F(WitnessTest, SeveralKeysPerOrigin) {
  TestLog rotated("log.example/a", 40);  // Same origin, a second key.
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness({log_.vkey(), rotated.vkey()}));
  Add(0, 6);
  // The same tree signed by the other key (TestLog only shares the name).
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> signer,
                       note::NewSigner(rotated.signer_key()));
  ASSERT_OK_AND_ASSIGN(
      std::string note,
      note::SignCheckpoint({log_.origin(), 9, log_.Root(9), {}}, *signer));
  uint64_t held = 0;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines,
                       witness_->AddCheckpoint(6, log_.RawProof(6, 9), note,
                                               &held));
  EXPECT_THAT(lines, SizeIs(1));
}

TEST_F(WitnessTest, OpenRefusesBadKeys) {
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey log_type,
                       note::GenerateKey("w", note::SignatureType::kEd25519));
  EXPECT_THAT(Witness::OpenWithKey(log_type.signer_key, {log_.vkey()}, dir_,
                                   nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A signer with another key's vkey.
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey other,
                       note::GenerateKey(kWitnessName,
                                         note::SignatureType::kCosignatureV1));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> signer,
                       note::NewSigner(witness_key_.signer_key));
  EXPECT_THAT(Witness::Open(std::move(signer), other.verifier_key,
                            {log_.vkey()}, dir_, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Witness::Open(nullptr, witness_key_.verifier_key, {log_.vkey()},
                            dir_, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Log keys: a witness key, a duplicate, garbage.
  EXPECT_THAT(OpenWitness({other.verifier_key}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenWitness({log_.vkey(), log_.vkey()}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenWitness({"log.example/a+1234+abc"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WitnessTest, CosignVerifiedUsesTheVerifiedTree) {
  FakeVerifiedLog verified(&log_);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines,
                       witness_->CosignVerified(log_.Note(7), verified));
  ExpectCosigned(log_.Note(7), lines, 7);
  ASSERT_OK_AND_ASSIGN(lines, witness_->CosignVerified(log_.Note(25), verified));
  ExpectCosigned(log_.Note(25), lines, 25);
  ASSERT_OK_AND_ASSIGN(lines, witness_->CosignVerified(log_.Note(25), verified));
  ExpectCosigned(log_.Note(25), lines, 25);
  // Smaller than held: Aborted, nothing changed.
  EXPECT_THAT(witness_->CosignVerified(log_.Note(20), verified),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 25u);
  // Beyond what the monitor verified.
  TestLog longer = log_.Fork("entry-", 50);
  EXPECT_THAT(witness_->CosignVerified(longer.Note(45), verified),
              StatusIs(absl::StatusCode::kOutOfRange));
  // Another log's checkpoint.
  TestLog b("log.example/b", 8);
  EXPECT_THAT(witness_->CosignVerified(b.Note(8), verified),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A same-size fork is caught on this path too.
  TestLog fork = log_.Fork("forked-", 40);
  EXPECT_THAT(witness_->CosignVerified(fork.Note(25), verified),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(alarm_.raised(), SizeIs(1));
}

// Several threads push checkpoints of one log in random order, each with
// the size it last heard from the witness: the held size only grows, and
// what is persisted is the largest size ever cosigned.
TEST_F(WitnessTest, ConcurrentAddsNeverRollBack) {
  constexpr int kThreads = 4;
  constexpr uint64_t kSizes = 40;
  std::vector<std::string> notes;
  for (uint64_t size = 0; size <= kSizes; ++size) notes.push_back(log_.Note(size));
  absl::Mutex mu;
  uint64_t max_accepted = 0;
  bool rolled_back = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      std::vector<uint64_t> order;
      for (uint64_t size = 1; size <= kSizes; ++size) order.push_back(size);
      std::shuffle(order.begin(), order.end(), random);
      uint64_t believed = 0;
      for (uint64_t size : order) {
        for (int attempt = 0; attempt < 2 && believed <= size; ++attempt) {
          uint64_t held = 0;
          absl::StatusOr<std::vector<std::string>> lines =
              witness_->AddCheckpoint(believed, log_.RawProof(believed, size),
                                      notes[size], &held);
          if (lines.ok()) {
            absl::MutexLock lock(&mu);
            max_accepted = std::max(max_accepted, size);
            believed = size;
            break;
          }
          ASSERT_THAT(lines, StatusIs(absl::StatusCode::kAborted));
          // The witness never reports less than this thread saw accepted.
          if (held < believed) {
            absl::MutexLock lock(&mu);
            rolled_back = true;
          }
          believed = held;
        }
        // Accepted before the read, so the read must see at least it.
        uint64_t floor = 0;
        {
          absl::MutexLock lock(&mu);
          floor = max_accepted;
        }
        absl::StatusOr<uint64_t> now = witness_->HeldSize(log_.origin());
        absl::MutexLock lock(&mu);
        if (!now.ok() || *now < floor) rolled_back = true;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_FALSE(rolled_back);
  EXPECT_GT(max_accepted, 0u);
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, max_accepted);
  ASSERT_OK_AND_ASSIGN(
      std::string file,
      ReadSmallFile(dir_ + "/" + internal::StateFileName(log_.origin()),
                    1 << 20));
  EXPECT_EQ(file, notes[max_accepted]);
  witness_.reset();
  ASSERT_OK_AND_ASSIGN(witness_, OpenWitness());
  ASSERT_OK_AND_ASSIGN(size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, max_accepted);
}


TEST_F(WitnessTest, BelowTheDiskReserveNothingNewIsCosigned) {
  std::atomic<uint64_t> free_bytes{100};
  DiskReserveOptions options;
  options.min_free_bytes = 50;
  options.refresh = absl::ZeroDuration();
  options.measure = [&](const std::string&) -> absl::StatusOr<DiskSpace> {
    return DiskSpace{free_bytes.load(), 1000};
  };
  DiskReserve disk(dir_, options);
  witness_->set_disk_reserve(&disk);
  ExpectCosigned(log_.Note(5), Add(0, 5), 5);

  free_bytes = 10;
  uint64_t held = 0;
  EXPECT_THAT(witness_->AddCheckpoint(5, log_.RawProof(5, 9), log_.Note(9),
                                      &held),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "disk nearly full: 10 bytes free on " + dir_ +
                           ", reserve 50"));
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 5u);
  // What is already held is answered again: nothing to store.
  ExpectCosigned(log_.Note(5), Add(5, 5), 5);

  free_bytes = 50;
  ExpectCosigned(log_.Note(9), Add(5, 9), 9);
  ASSERT_OK_AND_ASSIGN(size, witness_->HeldSize(log_.origin()));
  EXPECT_EQ(size, 9u);
}

}  // namespace
}  // namespace vitrine::monitor

namespace vitrine::monitor {
namespace {

// A witness key in an HSM that fails and comes back (issue 18).
using ::vitrine::note::testing::BreakableSigner;

TEST_F(WitnessTest, ATokenThatFailsRefusesToCosignUntilItIsBack) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> inner,
                       note::NewSigner(witness_key_.signer_key));
  auto signer = std::make_unique<BreakableSigner>(std::move(inner));
  std::shared_ptr<std::atomic<bool>> broken = signer->broken();
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Witness> witness,
      Witness::Open(std::move(signer),
                    witness_key_.verifier_key, {log_.vkey()},
                    NewTempDir("witness-token"), &alarm_));
  uint64_t held = 0;
  ASSERT_OK(witness->AddCheckpoint(0, {}, log_.Note(5), &held).status());
  const std::optional<std::string> before = witness->Latest(log_.origin());
  ASSERT_TRUE(before.has_value());

  broken->store(true);
  EXPECT_THAT(witness->AddCheckpoint(5, log_.RawProof(5, 13), log_.Note(13), &held),
              StatusIs(absl::StatusCode::kUnavailable, "token removed"));
  // Nothing cosigned, nothing stored: the witness still holds size 5.
  ASSERT_OK_AND_ASSIGN(uint64_t size, witness->HeldSize(log_.origin()));
  EXPECT_EQ(size, 5u);
  EXPECT_EQ(witness->Latest(log_.origin()), before);
  // A repeat of what it holds needs a signature too: refused as well.
  EXPECT_THAT(witness->AddCheckpoint(5, {}, log_.Note(5), &held),
              StatusIs(absl::StatusCode::kUnavailable, "token removed"));

  broken->store(false);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> lines,
      witness->AddCheckpoint(5, log_.RawProof(5, 13), log_.Note(13), &held));
  ExpectCosigned(log_.Note(13), lines, 13);
  ASSERT_OK_AND_ASSIGN(size, witness->HeldSize(log_.origin()));
  EXPECT_EQ(size, 13u);
}

}  // namespace
}  // namespace vitrine::monitor
