#include "log/serving/internal/immutable_cache.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace vitrine::serving::internal {
namespace {

std::shared_ptr<const CachedBody> Bytes(size_t n, char c) {
  return std::make_shared<const CachedBody>(
      CachedBody{std::string(n, c), std::string(1, c)});
}

TEST(ImmutableCacheTest, KeepsWithinItsBudgetOldestOut) {
  ImmutableCache cache(100);
  cache.Put("a", Bytes(40, 'a'));
  cache.Put("b", Bytes(40, 'b'));
  ASSERT_NE(cache.Get("a"), nullptr);
  EXPECT_EQ(cache.Get("a")->bytes, std::string(40, 'a'));
  EXPECT_EQ(cache.Get("a")->etag, "a");
  cache.Put("c", Bytes(40, 'c'));  // 120 > 100: "a" goes
  EXPECT_EQ(cache.Get("a"), nullptr);
  EXPECT_NE(cache.Get("b"), nullptr);
  EXPECT_NE(cache.Get("c"), nullptr);
  EXPECT_EQ(cache.bytes(), 80u);
  cache.Put("huge", Bytes(101, 'h'));  // larger than the budget: not kept
  EXPECT_EQ(cache.Get("huge"), nullptr);
  cache.Put("b", Bytes(10, 'x'));  // a key keeps its first bytes
  EXPECT_EQ(cache.Get("b")->bytes, std::string(40, 'b'));
  EXPECT_EQ(cache.bytes(), 80u);
}

TEST(ImmutableCacheTest, ZeroKeepsNothing) {
  ImmutableCache cache(0);
  cache.Put("a", Bytes(1, 'a'));
  EXPECT_EQ(cache.Get("a"), nullptr);
}

}  // namespace
}  // namespace vitrine::serving::internal
