#include "monitor/gossip/verified_notes.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "monitor/gossip/testing/fake_verified_log.h"

namespace vitrine::monitor {
namespace {

using testing::FakeVerifiedLog;
using testing::TestEntries;
using ::vitrine::testing::StatusIs;

class VerifiedNotesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(log_.Append(TestEntries("e", 0, 8))); }

  absl::StatusOr<OpenedCheckpoint> Open(const std::string& note) {
    return notes_.Open(note, log_.origin(), log_.log_keys());
  }

  FakeVerifiedLog log_{"example.com/log", 7};
  VerifiedNotes notes_{2};
};

TEST_F(VerifiedNotesTest, AReplayCostsNoVerificationPaddedOrNot) {
  const std::string note = log_.SignedNoteAt(5).value();
  ASSERT_OK_AND_ASSIGN(OpenedCheckpoint first, Open(note));
  EXPECT_EQ(first.checkpoint.size, 5u);
  EXPECT_EQ(first.checkpoint.root, log_.RootAt(5).value());
  EXPECT_EQ(first.canonical_note, note);
  const std::string padded =
      note + absl::StrCat("\xE2\x80\x94 junk.example/w ", std::string(398, 'A'),
                          "==\n");
  for (const std::string& again : {note, padded}) {
    ASSERT_OK_AND_ASSIGN(OpenedCheckpoint opened, Open(again));
    EXPECT_EQ(opened.checkpoint, first.checkpoint);
    EXPECT_EQ(opened.canonical_note, note);
  }
  EXPECT_EQ(notes_.verified(), 1u);
  EXPECT_EQ(notes_.hits(), 2u);
}

TEST_F(VerifiedNotesTest, WhatFailsIsNotRemembered) {
  std::string forged = log_.SignedNoteAt(5).value();
  forged[forged.size() - 10] = forged[forged.size() - 10] == 'A' ? 'B' : 'A';
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(Open(forged), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  FakeVerifiedLog impostor("example.com/log", 8);
  ASSERT_OK(impostor.Append(TestEntries("e", 0, 2)));
  EXPECT_THAT(Open(impostor.Latest()->signed_note),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Open("garbage"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(notes_.verified(), 0u);
  EXPECT_EQ(notes_.hits(), 0u);
}

TEST_F(VerifiedNotesTest, TheOldestIsForgottenFirst) {
  for (uint64_t size : {1, 2, 3}) ASSERT_OK(Open(log_.SignedNoteAt(size).value()));
  ASSERT_OK(Open(log_.SignedNoteAt(3).value()));  // Kept.
  EXPECT_EQ(notes_.hits(), 1u);
  ASSERT_OK(Open(log_.SignedNoteAt(1).value()));  // Forgotten: verified again.
  EXPECT_EQ(notes_.verified(), 4u);
}

}  // namespace
}  // namespace vitrine::monitor
