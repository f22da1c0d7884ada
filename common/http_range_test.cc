#include "common/http_range.h"

#include "gtest/gtest.h"

namespace vitrine {
namespace {

void ExpectPartial(absl::string_view header, uint64_t length, uint64_t begin,
                   uint64_t end) {
  const RangeAnswer answer = ChooseRange(header, length);
  EXPECT_EQ(answer.kind, RangeKind::kPartial) << header;
  EXPECT_EQ(answer.begin, begin) << header;
  EXPECT_EQ(answer.end, end) << header;
}

TEST(ChooseRangeTest, OneRangeIsAPart) {
  ExpectPartial("bytes=0-99", 1000, 0, 100);
  ExpectPartial("bytes=100-", 1000, 100, 1000);
  ExpectPartial("bytes=-10", 1000, 990, 1000);
  ExpectPartial("bytes=-5000", 1000, 0, 1000);
  ExpectPartial("bytes=990-5000", 1000, 990, 1000);  // clipped to the end
  ExpectPartial(" bytes=1-1 ", 10, 1, 2);
  EXPECT_EQ(ContentRange(ChooseRange("bytes=0-99", 1000), 1000),
            "bytes 0-99/1000");
}

TEST(ChooseRangeTest, ListsAndNonsenseGetTheWholeBodyOnce) {
  for (absl::string_view header :
       {"", "bytes=0-,0-", "bytes=0-1,2-3", "items=0-1", "bytes=", "bytes=-",
        "bytes=a-b", "bytes=5-1", "bytes=+1-2", "bytes=0x1-2",
        "bytes=99999999999999999999-"}) {
    EXPECT_EQ(ChooseRange(header, 1000).kind, RangeKind::kWhole) << header;
  }
}

TEST(ChooseRangeTest, BeyondTheEndIsUnsatisfiable) {
  for (absl::string_view header : {"bytes=1000-", "bytes=2000-3000", "bytes=-0"}) {
    EXPECT_EQ(ChooseRange(header, 1000).kind, RangeKind::kUnsatisfiable)
        << header;
  }
  EXPECT_EQ(ChooseRange("bytes=0-", 0).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(ContentRange(ChooseRange("bytes=1000-", 1000), 1000),
            "bytes */1000");
}

}  // namespace
}  // namespace vitrine
