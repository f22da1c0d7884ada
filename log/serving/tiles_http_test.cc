// TilesHttp over a Store in TEST_TMPDIR: the headers caches rely on (ETag,
// Cache-Control by kind, errors never cached) and If-None-Match -> 304.
// Served over a real socket by log/server:http_server_test and the monitor.
#include "log/serving/tiles_http.h"

#include <memory>
#include <string>

#include "common/http_front.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile_testing.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::serving {
namespace {

constexpr absl::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr absl::string_view kNote = "example.com/log\n300\nroot\n\n- sig\n";

class TilesHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = storage::testing::FreshTestDir("tiles_http");
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    storage::testing::TestLog log(store_.get());
    ASSERT_TRUE(log.Append(merkle::testing::TestEntries(300)).ok());
    tiles_ = std::make_unique<TilesHttp>(store_.get(), TilesHttpOptions{});
  }

  HttpReply Get(absl::string_view path) {
    return tiles_->Reply(path, {300, kNote});
  }

  // The reply to `path` as written for a request with `if_none_match`.
  HttpResponse Written(absl::string_view path,
                       absl::string_view if_none_match) {
    HttpRequest request;
    request.method = "GET";
    request.path = std::string(path);
    if (!if_none_match.empty()) {
      request.headers.emplace_back("if-none-match",
                                   std::string(if_none_match));
    }
    HttpResponse response;
    WriteReply(Get(path), request, response);
    return response;
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<TilesHttp> tiles_;
};

std::string Body(const HttpReply& reply) {
  return reply.shared_body != nullptr ? *reply.shared_body : reply.body;
}

TEST_F(TilesHttpTest, EveryAnswerOfTheTreeHasAStrongEtagOfItsBytes) {
  const HttpReply checkpoint = Get("/checkpoint");
  EXPECT_EQ(checkpoint.status, 200);
  EXPECT_EQ(checkpoint.body, kNote);
  EXPECT_EQ(checkpoint.cache_control, "public, max-age=2");
  EXPECT_EQ(checkpoint.etag, StrongEtag(kNote));
  EXPECT_EQ(checkpoint.etag.size(), 34u);  // 32 hex digits, quoted

  const HttpReply full = Get("/tile/0/000");
  EXPECT_EQ(full.status, 200);
  EXPECT_EQ(full.cache_control, kImmutable);
  EXPECT_EQ(Body(full).size(), 256u * 32);
  EXPECT_EQ(full.etag, StrongEtag(Body(full)));
  // Served again from memory: the same bytes, validator and buffer.
  const HttpReply again = Get("/tile/0/000");
  EXPECT_EQ(again.etag, full.etag);
  EXPECT_EQ(again.shared_body.get(), full.shared_body.get());

  const HttpReply partial = Get("/tile/0/001.p/44");
  EXPECT_EQ(partial.status, 200);
  EXPECT_EQ(partial.cache_control, "public, max-age=60");
  EXPECT_EQ(partial.etag, StrongEtag(Body(partial)));

  const HttpReply bundle = Get("/tile/entries/000");
  EXPECT_EQ(bundle.cache_control, kImmutable);
  EXPECT_EQ(bundle.etag, StrongEtag(Body(bundle)));
  EXPECT_NE(bundle.etag, full.etag);
}

TEST_F(TilesHttpTest, ErrorsCarryNoValidatorAndAreNeverStored) {
  for (absl::string_view path :
       {"/tile/0/001.p/45", "/tile/0/002", "/tile/entries/001.p/45",
        "/tile/x", "/tile/0/001.p/0"}) {
    const HttpReply reply = Get(path);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.cache_control, "no-store") << path;
    EXPECT_EQ(reply.etag, "") << path;
  }
}

TEST_F(TilesHttpTest, IfNoneMatchNamingTheEtagGives304WithItsHeaders) {
  const std::string etag = Get("/tile/0/000").etag;
  for (const std::string& header :
       {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    HttpResponse response = Written("/tile/0/000", header);
    EXPECT_EQ(response.status, 304) << header;
    EXPECT_EQ(response.body, "");
    EXPECT_EQ(response.shared_body, nullptr);
    ASSERT_NE(response.Header("ETag"), nullptr);
    EXPECT_EQ(*response.Header("ETag"), etag);
    ASSERT_NE(response.Header("Cache-Control"), nullptr);
    EXPECT_EQ(*response.Header("Cache-Control"), kImmutable);
    EXPECT_EQ(response.Header("Content-Type"), nullptr);
  }
  HttpResponse other = Written("/tile/0/000", "\"other\"");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(*other.Header("ETag"), etag);
  EXPECT_EQ(*other.Header("Content-Type"), "application/octet-stream");
  ASSERT_NE(other.shared_body, nullptr);
  EXPECT_EQ(other.shared_body->size(), 256u * 32);
}

TEST_F(TilesHttpTest, AnErrorStaysAnErrorWhateverTheClientHolds) {
  HttpResponse response = Written("/tile/0/002", "*");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("ETag"), nullptr);
  EXPECT_EQ(*response.Header("Cache-Control"), "no-store");
  EXPECT_EQ(*response.Header("X-Content-Type-Options"), "nosniff");
}

TEST_F(TilesHttpTest, ACheckpointPolledWithItsEtagIs304UntilItChanges) {
  const std::string etag = Get("/checkpoint").etag;
  HttpRequest request;
  request.method = "GET";
  request.path = "/checkpoint";
  request.headers.emplace_back("if-none-match", etag);
  HttpResponse same;
  WriteReply(tiles_->Reply("/checkpoint", {300, kNote}), request, same);
  EXPECT_EQ(same.status, 304);
  HttpResponse grown;
  WriteReply(tiles_->Reply("/checkpoint", {300, "another note\n"}), request,
             grown);
  EXPECT_EQ(grown.status, 200);
  EXPECT_EQ(grown.body, "another note\n");
}

}  // namespace
}  // namespace vitrine::serving
