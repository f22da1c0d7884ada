#include "log/merkle/entry_bundle.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::merkle {
namespace {

using ::vitrine::testing::StatusIs;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(EntryBundleTest, EncodesBigEndianLengthPrefixes) {
  std::vector<std::string> entries = {"entry-0", "", std::string(300, 'z')};
  ASSERT_OK_AND_ASSIGN(std::string bundle, EncodeEntryBundle(entries));
  EXPECT_EQ(bundle, Bytes({0, 7}) + "entry-0" + Bytes({0, 0}) +
                        Bytes({1, 44}) + std::string(300, 'z'));
}

TEST(EntryBundleTest, RoundTrips) {
  const std::vector<std::vector<std::string>> cases = {
      {""},
      {"a"},
      {std::string(65535, '\xff')},
      {"", "", ""},
      {"x", std::string(256, '\0'), std::string(65535, 'q'), "y"},
      std::vector<std::string>(256, "entry"),
  };
  for (const std::vector<std::string>& entries : cases) {
    ASSERT_OK_AND_ASSIGN(std::string bundle, EncodeEntryBundle(entries));
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> back,
                         DecodeEntryBundle(bundle, entries.size()));
    EXPECT_EQ(back, entries);
  }
}

TEST(EntryBundleTest, EncodeRejectsOversizedEntriesAndBadCounts) {
  std::vector<std::string> big = {"ok", std::string(65536, 'a')};
  EXPECT_THAT(EncodeEntryBundle(big),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "entry 1 is 65536 bytes; an entry bundle carries at "
                       "most 65535"));
  EXPECT_THAT(EncodeEntryBundle({}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "an entry bundle holds 1..256 entries, got 0"));
  EXPECT_THAT(EncodeEntryBundle(std::vector<std::string>(257, "e")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "an entry bundle holds 1..256 entries, got 257"));
}

struct BadBundle {
  const char* name;
  std::string bundle;
  size_t width;
  const char* error;
};

TEST(EntryBundleTest, DecodeRejectsMalformedBundles) {
  const std::string two = Bytes({0, 2}) + "ab" + Bytes({0, 3}) + "cde";
  const BadBundle cases[] = {
      {"empty", "", 1, "entry bundle ends after 0 entries; expected 1"},
      {"one byte of prefix", Bytes({0}), 1,
       "the length prefix of entry 0 at byte 0 is cut short"},
      {"second prefix cut", Bytes({0, 2}) + "ab" + Bytes({0}), 2,
       "the length prefix of entry 1 at byte 4 is cut short"},
      {"entry cut short", Bytes({0, 5}) + "abc", 1,
       "entry 0 declares 5 bytes but 3 remain"},
      {"last entry cut short", two.substr(0, two.size() - 1), 2,
       "entry 1 declares 3 bytes but 2 remain"},
      {"huge declared length", Bytes({0xff, 0xff}) + "abc", 1,
       "entry 0 declares 65535 bytes but 3 remain"},
      {"fewer entries than width", two, 3,
       "entry bundle ends after 2 entries; expected 3"},
      {"more entries than width", two, 1,
       "entry bundle has 5 trailing bytes after its 1 entries"},
      {"trailing byte", two + "x", 2,
       "entry bundle has 1 trailing bytes after its 2 entries"},
      {"trailing empty entry", two + Bytes({0, 0}), 2,
       "entry bundle has 2 trailing bytes after its 2 entries"},
      {"width zero", two, 0, "an entry bundle holds 1..256 entries, got 0"},
      {"width too big", two, 257,
       "an entry bundle holds 1..256 entries, got 257"},
  };
  for (const BadBundle& c : cases) {
    EXPECT_THAT(DecodeEntryBundle(c.bundle, c.width),
                StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << c.name;
  }
}

}  // namespace
}  // namespace vitrine::merkle
