// The JSON read API on a real vitrine-log HTTP port (127.0.0.1, a real
// store and sequencer, statements added as Add does: with the keys of
// note/entry_digests.h), read with httplib::Client: what api/v1/log names,
// entries, a lookup, a vendor listing walked page by page through
// next_before with a percent-encoded name, revalidation, HEAD, other
// methods, and the metrics' path kind.
#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/blocking_counter.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/entry_digests.h"
#include "log/note/keys.h"
#include "log/note/statement.h"
#include "log/sequencer/sequencer.h"
#include "log/sequencer/sequencer_testing.h"
#include "log/server/internal/http_test_fixture.h"
#include "log/server/witnessed_head.h"

namespace vitrine::server {
namespace {

using ::vitrine::sequencer::testing::kOrigin;

constexpr char kLogVkey[] = "example.test/log+00000000+AQ==";  // named, not used
constexpr int kAcmeReleases = 45;

class HttpApiTest : public testing::HttpServerFixture {
 protected:
  void SetUp() override {
    HttpServerFixture::SetUp();
    // acme releases at even indexes 0..88, other.org's at odd ones.
    std::vector<std::string> leaves;
    for (int i = 0; i < 2 * kAcmeReleases; ++i) {
      const std::string vendor = i % 2 == 0 ? "example.com/acme" : "other.org";
      note::Statement statement{vendor, absl::StrCat("tool-", i), "2.0",
                                merkle::Sha256(absl::StrCat("artifact ", i / 2)),
                                std::nullopt};
      const std::unique_ptr<note::Signer> signer =
          note::NewSigner(note::FormatSignerKey(vendor, note::SignatureType::kEd25519,
                                                std::string(32, 'v'))
                              .value())
              .value();
      leaves.push_back(note::SignStatement(statement, *signer).value());
    }
    ASSERT_NO_FATAL_FAILURE(AddInOrder(leaves));
    leaves_ = leaves;
    HttpOptions options;
    options.log_vkey = kLogVkey;
    StartHttp(options);
  }

  // Adds `leaves` one at a time (so that index i is leaves[i]), each with
  // the keys the log's Add gives it.
  void AddInOrder(const std::vector<std::string>& leaves) {
    for (const std::string& leaf : leaves) {
      const note::EntryDigests digests = note::DigestsOfEntry(leaf);
      sequencer::AddRequest request;
      request.leaf = leaf;
      request.artifact_digest = digests.artifact;
      request.release_key = digests.release_key;
      request.vendor_key = digests.vendor_key;
      absl::BlockingCounter done(1);
      absl::Status status;
      sequencer_->Add(std::move(request),
                      [&](absl::StatusOr<sequencer::AddResult> result) {
                        status = result.status();
                        done.DecrementCount();
                      });
      done.Wait();
      ASSERT_OK(status);
    }
  }

  std::vector<std::string> leaves_;
};

TEST_F(HttpApiTest, LogNamesTheCheckpointServedAtSlashCheckpoint) {
  httplib::Result checkpoint = Get("/checkpoint");
  httplib::Result r = Get("/api/v1/log");
  ASSERT_TRUE(r && checkpoint);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "public, max-age=2");
  const auto state = sequencer_->Published();
  EXPECT_EQ(r->body,
            absl::StrCat("{\"origin\":\"", kOrigin, "\",\"log_key\":\"", kLogVkey,
                         "\",\"size\":90,\"root_hash\":\"",
                         state->checkpoint.root.ToBase64(), "\",\"checkpoint\":\"",
                         absl::StrReplaceAll(checkpoint->body, {{"\n", "\\u000a"}}),
                         "\"}\n"));
}

TEST_F(HttpApiTest, EntriesAndLookupOverHttp) {
  httplib::Result r = Get("/api/v1/entries/4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Cache-Control"), testing::kImmutable);
  EXPECT_TRUE(absl::StartsWith(
      r->body, absl::StrCat("{\"index\":4,\"kind\":\"release\",\"entry\":\"",
                            absl::Base64Escape(leaves_[4]), "\",\"leaf_hash\":\"",
                            merkle::HashLeaf(leaves_[4]).ToBase64(),
                            "\",\"statement\":{\"vendor\":\"example.com/acme\","
                            "\"artifact\":\"tool-4\"")))
      << r->body;
  ExpectNotFound("/api/v1/entries/90");

  // artifact 2 is named by acme's 4 and other.org's 5.
  r = Get(absl::StrCat("/api/v1/lookup?sha256=",
                       merkle::Sha256("artifact 2").ToHex()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(absl::StartsWith(r->body, "{\"size\":90,\"entries\":[{\"index\":4,"))
      << r->body;
  EXPECT_NE(r->body.find(",{\"index\":5,"), std::string::npos) << r->body;
  EXPECT_TRUE(absl::EndsWith(r->body, "}],\"truncated\":false}\n")) << r->body;
}

TEST_F(HttpApiTest, AVendorsReleasesWalkedPageByPage) {
  std::vector<int> seen;
  std::string next = "";
  for (int pages = 0; pages < 10; ++pages) {
    const std::string path =
        absl::StrCat("/api/v1/vendors/example.com%2Facme/releases?limit=20",
                     next.empty() ? "" : "&before=", next);
    httplib::Result r = Get(path);
    ASSERT_TRUE(r) << path;
    ASSERT_EQ(r->status, 200) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Cache-Control"),
              next.empty() ? "public, max-age=2" : testing::kImmutable);
    for (size_t at = r->body.find("{\"index\":"); at != std::string::npos;
         at = r->body.find("{\"index\":", at + 1)) {
      int index = 0;
      const size_t end = r->body.find(',', at);
      ASSERT_TRUE(absl::SimpleAtoi(r->body.substr(at + 9, end - at - 9), &index));
      seen.push_back(index);
    }
    const size_t key = r->body.find("\"next_before\":");
    ASSERT_NE(key, std::string::npos);
    next = r->body.substr(key + 14, r->body.size() - key - 14 - 2);  // "}\n"
    if (next == "null") break;
  }
  std::vector<int> want;
  for (int i = 2 * kAcmeReleases - 2; i >= 0; i -= 2) want.push_back(i);
  EXPECT_EQ(seen, want);
  EXPECT_EQ(next, "null");
}

TEST_F(HttpApiTest, RevalidationHeadOtherMethodsAndMetrics) {
  httplib::Result first = Get("/api/v1/proof?index=3&size=90");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  const std::string etag = first->get_header_value("ETag");
  // On a connection that closes after the answer: httplib 0.11 reads a 304
  // without Content-Length to the end of the connection, which on a
  // keep-alive one lasts until the server's idle timeout (5 s, its own read
  // timeout too: a race).
  httplib::Client once("127.0.0.1", http_->port());
  httplib::Result again =
      once.Get("/api/v1/proof?index=3&size=90", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(again->body, "");

  httplib::Result head = client_->Head("/api/v1/proof?index=3&size=90");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->get_header_value("Content-Length"),
            absl::StrCat(first->body.size()));

  httplib::Result post = client_->Post("/api/v1/log", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(post->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(post->body,
            "{\"code\":\"UNIMPLEMENTED\",\"error\":\"method \\\"POST\\\" is not "
            "allowed: the API is read-only (GET, HEAD)\"}\n");

  httplib::Result bad = Get("/api/v1/proof?index=3&size=090");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);

  httplib::Result metrics = Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                "vitrine_http_requests_total{code=\"200\",path=\"api\"} 2"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find(
                "vitrine_http_requests_total{code=\"400\",path=\"api\"} 1"),
            std::string::npos);
}

TEST_F(HttpApiTest, WithWitnessesTheSnapshotIsTheWitnessedCheckpoint) {
  // The witnessed checkpoint lags the log's: size 10, cosigned.
  ASSERT_OK_AND_ASSIGN(std::string note10, store_->CheckpointAt(10));
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint opened,
                       note::OpenCheckpoint(note10, kOrigin, log_keys_));
  const std::string cosigned =
      absl::StrCat(note10, "\xE2\x80\x94 witness.test/w AAAAAAAAAAAA\n");
  WitnessedHead witnessed;
  witnessed.Publish(std::make_shared<const sequencer::PublishedState>(
      sequencer::PublishedState{opened.checkpoint, cosigned}));
  HttpOptions options;
  options.log_vkey = kLogVkey;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<HttpServer> http,
                       HttpServer::Start(options, store_.get(), sequencer_.get(),
                                         nullptr, &witnessed));
  httplib::Client client("127.0.0.1", http->port());
  httplib::Result checkpoint = client.Get("/checkpoint");
  httplib::Result log = client.Get("/api/v1/log");
  ASSERT_TRUE(checkpoint && log);
  EXPECT_EQ(checkpoint->body, cosigned);
  EXPECT_EQ(log->body,
            absl::StrCat("{\"origin\":\"", kOrigin, "\",\"log_key\":\"", kLogVkey,
                         "\",\"size\":10,\"root_hash\":\"",
                         opened.checkpoint.root.ToBase64(), "\",\"checkpoint\":\"",
                         absl::StrReplaceAll(cosigned, {{"\n", "\\u000a"}}),
                         "\"}\n"));
  // Nothing beyond what that note vouches for, though the log has 90.
  httplib::Result entry = client.Get("/api/v1/entries/10");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->status, 404);
  httplib::Result proof = client.Get("/api/v1/proof?index=3&size=11");
  ASSERT_TRUE(proof);
  EXPECT_EQ(proof->status, 404);
  httplib::Result page =
      client.Get("/api/v1/vendors/example.com%2Facme/releases?limit=2");
  ASSERT_TRUE(page);
  EXPECT_TRUE(absl::StartsWith(
      page->body, "{\"vendor\":\"example.com/acme\",\"size\":10,\"entries\":"
                  "[{\"index\":8,"))
      << page->body;
  http->Stop();
}

}  // namespace
}  // namespace vitrine::server
