#include "log/storage/internal/keys.h"

#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::storage::internal {
namespace {

using ::vitrine::testing::StatusIs;

TEST(KeysTest, IndexKeyIsBigEndianAndSortsNumerically) {
  EXPECT_EQ(IndexKey(0x0102030405060708), std::string("\1\2\3\4\5\6\7\x08", 8));
  EXPECT_LT(IndexKey(255), IndexKey(256));
  EXPECT_LT(IndexKey(256), IndexKey(uint64_t{1} << 40));
  ASSERT_OK_AND_ASSIGN(uint64_t back, DecodeIndexKey(IndexKey(1234567)));
  EXPECT_EQ(back, 1234567u);
}

TEST(KeysTest, DecodersReportWrongLengthsAsDataLoss) {
  EXPECT_THAT(DecodeIndexKey("1234567"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeIndexKey(""), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeDigestKeyIndex(std::string(39, 'a')),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(KeysTest, TileKeySortsByLevelThenIndex) {
  EXPECT_EQ(TileKey(1, 7), std::string("\1\0\0\0\0\0\0\0\7", 9));
  EXPECT_LT(TileKey(0, uint64_t{1} << 60), TileKey(1, 0));
  EXPECT_LT(TileKey(2, 255), TileKey(2, 256));
}

TEST(KeysTest, DigestKeyGroupsOneDigestsIndexesInOrder) {
  merkle::Hash a = merkle::HashLeaf("a");
  merkle::Hash b = merkle::HashLeaf("b");
  std::string key = DigestKey(a, 300);
  ASSERT_EQ(key.size(), kDigestKeySize);
  EXPECT_EQ(key.substr(0, 32), std::string(a.AsStringView()));
  ASSERT_OK_AND_ASSIGN(uint64_t index, DecodeDigestKeyIndex(key));
  EXPECT_EQ(index, 300u);
  EXPECT_LT(DigestKey(a, 2), DigestKey(a, 256));
  EXPECT_EQ(DigestKey(a, 0) < DigestKey(b, 0), a < b);
}

}  // namespace
}  // namespace vitrine::storage::internal
