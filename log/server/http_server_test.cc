// A real HTTP server on 127.0.0.1 over a real RocksDB store and sequencer,
// read with httplib::Client.
#include "log/server/http_server.h"

#include <httplib.h>

#include <csignal>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/entry_bundle.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/note/checkpoint.h"
#include "log/sequencer/sequencer.h"
#include "log/sequencer/sequencer_testing.h"
#include "log/server/internal/http_test_fixture.h"
#include "log/serving/explorer_http.h"
#include "log/storage/store.h"

namespace vitrine::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::vitrine::sequencer::testing::kOrigin;

using HttpServerTest = testing::HttpServerFixture;
using testing::kImmutable;
using testing::Leaf;

TEST_F(HttpServerTest, ServesTheCheckpoint) {
  AddLeaves(0, 3);
  StartHttp();
  httplib::Result r = Get("/checkpoint");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "public, max-age=2");
  EXPECT_EQ(r->body, sequencer_->Published()->signed_note);
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint checkpoint,
                       note::OpenCheckpoint(r->body, kOrigin, log_keys_));
  EXPECT_EQ(checkpoint.checkpoint.size, 3u);

  // The front never compresses, even for a client that asks.
  httplib::Result gzipped =
      client_->Get("/checkpoint", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->status, 200);
  EXPECT_FALSE(gzipped->has_header("Content-Encoding"));
  EXPECT_EQ(gzipped->body, r->body);

  // HEAD: same headers, no body.
  httplib::Result head = client_->Head("/checkpoint");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->get_header_value("Content-Length"),
            absl::StrCat(r->body.size()));
  EXPECT_EQ(head->get_header_value("Content-Type"),
            "text/plain; charset=utf-8");
}

TEST_F(HttpServerTest, CheckpointCachingFollowsOptions) {
  HttpOptions options;
  options.checkpoint_max_age = absl::ZeroDuration();
  StartHttp(options);
  httplib::Result r = Get("/checkpoint");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
  // The empty tree has a checkpoint and no tiles.
  ExpectNotFound("/tile/0/000.p/1");
  ExpectNotFound("/tile/entries/000.p/1");
}

TEST_F(HttpServerTest, ServesFullAndPartialTilesAndBundles) {
  AddLeaves(0, 300);  // level 0: one full tile and 44; level 1: 1
  StartHttp();

  httplib::Result full = Get("/tile/0/000");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(full->get_header_value("Cache-Control"), kImmutable);
  ASSERT_EQ(full->body.size(), 256u * 32);
  EXPECT_EQ(full->body.substr(32 * 7, 32),
            merkle::HashLeaf(Leaf(7)).AsStringView());

  httplib::Result partial = Get("/tile/0/001.p/44");
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->status, 200);
  EXPECT_EQ(partial->get_header_value("Content-Type"),
            "application/octet-stream");
  EXPECT_EQ(partial->get_header_value("Cache-Control"), "public, max-age=60");
  ASSERT_EQ(partial->body.size(), 44u * 32);
  EXPECT_EQ(partial->body.substr(0, 32),
            merkle::HashLeaf(Leaf(256)).AsStringView());

  // A narrower partial tile (an older checkpoint's) is a prefix, also of a
  // tile that is full by now.
  httplib::Result older = Get("/tile/0/001.p/3");
  ASSERT_TRUE(older);
  EXPECT_EQ(older->status, 200);
  EXPECT_EQ(older->body, partial->body.substr(0, 3 * 32));
  httplib::Result prefix_of_full = Get("/tile/0/000.p/255");
  ASSERT_TRUE(prefix_of_full);
  EXPECT_EQ(prefix_of_full->status, 200);
  EXPECT_EQ(prefix_of_full->body, full->body.substr(0, 255 * 32));

  httplib::Result level1 = Get("/tile/1/000.p/1");
  ASSERT_TRUE(level1);
  EXPECT_EQ(level1->status, 200);
  ASSERT_OK_AND_ASSIGN(std::vector<merkle::Hash> hashes,
                       merkle::DecodeTile({0, 0, 256}, full->body));
  ASSERT_OK_AND_ASSIGN(
      merkle::Hash top,
      merkle::HashNodeInTile({0, 0, 256}, hashes, merkle::NodeId{8, 0}));
  EXPECT_EQ(level1->body, top.AsStringView());

  httplib::Result bundle = Get("/tile/entries/000");
  ASSERT_TRUE(bundle);
  EXPECT_EQ(bundle->status, 200);
  EXPECT_EQ(bundle->get_header_value("Content-Type"),
            "application/octet-stream");
  EXPECT_EQ(bundle->get_header_value("Cache-Control"), kImmutable);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> entries,
                       merkle::DecodeEntryBundle(bundle->body, 256));
  EXPECT_EQ(entries[255], Leaf(255));

  httplib::Result partial_bundle = Get("/tile/entries/001.p/44");
  ASSERT_TRUE(partial_bundle);
  EXPECT_EQ(partial_bundle->status, 200);
  EXPECT_EQ(partial_bundle->get_header_value("Cache-Control"),
            "public, max-age=60");
  ASSERT_OK_AND_ASSIGN(entries,
                       merkle::DecodeEntryBundle(partial_bundle->body, 44));
  EXPECT_EQ(entries[0], Leaf(256));
  EXPECT_EQ(entries[43], Leaf(299));

  httplib::Result head = client_->Head("/tile/0/000");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->get_header_value("Content-Length"), "8192");
  EXPECT_EQ(head->get_header_value("Cache-Control"), kImmutable);
}

TEST_F(HttpServerTest, TilesBeyondThePublishedTreeAreNotFound) {
  AddLeaves(0, 300);
  StartHttp();
  ExpectNotFound("/tile/0/001");       // still partial
  ExpectNotFound("/tile/0/001.p/45");  // wider than the tree
  ExpectNotFound("/tile/0/002.p/1");   // no such tile yet
  ExpectNotFound("/tile/1/000");       // level 1 is partial
  ExpectNotFound("/tile/1/000.p/2");
  ExpectNotFound("/tile/2/000.p/1");  // no level 2
  ExpectNotFound("/tile/entries/001");
  ExpectNotFound("/tile/entries/001.p/45");
  ExpectNotFound("/tile/entries/x001/000");
}

TEST_F(HttpServerTest, ServesOnlyWhatThePublishedCheckpointCovers) {
  AddLeaves(0, 10);
  StartHttp();
  // The store runs ahead of the published tree, as it does for a moment
  // between a commit and its publication: write leaves 10..19 and the
  // widened tile behind the sequencer's back.
  sequencer_->Stop();
  std::string tile_bytes;
  { ASSERT_OK_AND_ASSIGN(tile_bytes, store_->ReadTile(0, 0, 10)); }
  storage::WriteBatch batch;
  for (uint64_t i = 10; i < 20; ++i) {
    merkle::Hash hash = merkle::HashLeaf(Leaf(i));
    batch.AddEntry(i, Leaf(i), hash, std::nullopt);
    tile_bytes += std::string(hash.AsStringView());
  }
  batch.PutTile({0, 0, 20}, tile_bytes);
  ASSERT_OK(store_->Commit(batch));
  ASSERT_EQ(sequencer_->Published()->checkpoint.size, 10u);

  httplib::Result tile = Get("/tile/0/000.p/10");
  ASSERT_TRUE(tile);
  EXPECT_EQ(tile->status, 200);
  EXPECT_EQ(tile->body, tile_bytes.substr(0, 10 * 32));
  ExpectNotFound("/tile/0/000.p/11");
  ExpectNotFound("/tile/0/000.p/20");
  ExpectNotFound("/tile/entries/000.p/20");
  httplib::Result bundle = Get("/tile/entries/000.p/10");
  ASSERT_TRUE(bundle);
  EXPECT_EQ(bundle->status, 200);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> entries,
                       merkle::DecodeEntryBundle(bundle->body, 10));
  EXPECT_EQ(entries.back(), Leaf(9));
}

TEST_F(HttpServerTest, MalformedPathsAreNotFound) {
  AddLeaves(0, 300);
  StartHttp();
  for (const char* path : {
           "/tile/00/000",       // level with a leading zero
           "/tile/64/000",       // level above 63
           "/tile/0/0",          // index element not 3 digits
           "/tile/0/0000",       //
           "/tile/0/x000/000",   // leading all-zero element
           "/tile/0/000/000",    // element without its x
           "/tile/0/x000",       // x on the last element
           "/tile/0/000.p/256",  // a full tile has no .p/
           "/tile/0/000.p/0",    // empty tiles are never served
           "/tile/0/001.p/044",  // width with a leading zero
           "/tile/0/000.p/",     //
           "/tile/0/000/",       // trailing characters
           "/tile/0/000.p/4x",   //
           "/tile/-1/000",       //
           "/tile/0",            //
           "/tile/",             //
           "/tile/junk",         //
           "/tile/entries/",     //
           "/tile/entries/000.p/256",
           "/tile/entries/00",
           "/tile/entries/x000/000",
           "/tile/entries/0/000",  // a level has no place here
           "/checkpoint/",
           "/Checkpoint",
           "/index.html",        // the explorer's page is at "/" only
           "/explorer/nope.js",  // an asset the explorer does not have
           "/metrics/x",
           "/etc/passwd",
       }) {
    ExpectNotFound(path);
  }
  // A query string is not part of the path.
  httplib::Result r = Get("/tile/0/000?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// The log explorer's page (log/serving/explorer_http.h) is the root's.
TEST_F(HttpServerTest, ServesTheExplorerAtTheRoot) {
  AddLeaves(0, 3);
  StartHttp();
  httplib::Result page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->get_header_value("Content-Security-Policy"),
            serving::kExplorerCsp);
  EXPECT_EQ(page->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
  EXPECT_NE(page->body.find("explorer/explorer.js"), std::string::npos);
  httplib::Result script = Get("/explorer/verify.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
}

TEST_F(HttpServerTest, OnlyGetAndHeadAreAllowed) {
  StartHttp();
  httplib::Result post = client_->Post("/checkpoint", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  // A request with a body is refused by the front before any handler,
  // and the connection is closed rather than reused.
  httplib::Result small = client_->Post("/checkpoint", "x", "text/plain");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 400);
  EXPECT_EQ(small->get_header_value("Connection"), "close");
  httplib::Result del = client_->Delete("/tile/0/000");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  httplib::Result options = client_->Options("/checkpoint");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 405);
  // The server still answers on a new connection.
  httplib::Result get = Get("/checkpoint");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  // The front bounds the request line and headers (max_header_bytes).
  httplib::Result long_uri = Get("/tile/" + std::string(10000, '0'));
  ASSERT_TRUE(long_uri);
  EXPECT_EQ(long_uri->status, 431);
}

TEST_F(HttpServerTest, ABigBodyIsRefusedUnread) {
  // The server may close while the client still writes the body: a write
  // error then, not a signal that ends the test.
  std::signal(SIGPIPE, SIG_IGN);
  StartHttp();
  // A body bigger than any buffer is refused without being read, the 400
  // still reaches the client, and the connection is closed, not reused.
  httplib::Result big = client_->Put("/tile/0/000", std::string(1 << 20, 'x'),
                                     "application/octet-stream");
  ASSERT_TRUE(big) << httplib::to_string(big.error());
  EXPECT_EQ(big->status, 400);
  EXPECT_EQ(big->get_header_value("Connection"), "close");
  httplib::Result get = Get("/checkpoint");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
}

TEST_F(HttpServerTest, HealthFollowsTheSequencer) {
  StartHttp();
  httplib::Result ok = Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "ok\n");
  EXPECT_EQ(ok->get_header_value("Cache-Control"), "no-store");
  sequencer_->Stop();
  httplib::Result down = Get("/healthz");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_THAT(down->body, StartsWith("UNAVAILABLE"));
  // Reads go on from the last published state.
  httplib::Result checkpoint = Get("/checkpoint");
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->status, 200);
}

TEST_F(HttpServerTest, MetricsCountRequestsAndReportTheTree) {
  AddLeaves(0, 5);
  StartHttp();
  ASSERT_TRUE(Get("/checkpoint"));
  ASSERT_TRUE(Get("/checkpoint"));
  ASSERT_TRUE(Get("/tile/0/000.p/5"));
  ASSERT_TRUE(Get("/tile/0/000"));
  ASSERT_TRUE(Get("/nope"));
  ASSERT_TRUE(client_->Post("/checkpoint", "", "text/plain"));
  httplib::Result r = Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_THAT(r->body,
              HasSubstr("# TYPE vitrine_http_requests_total counter\n"));
  EXPECT_THAT(r->body, HasSubstr("vitrine_http_requests_total{code=\"200\","
                                 "path=\"checkpoint\"} 2\n"));
  EXPECT_THAT(r->body, HasSubstr("vitrine_http_requests_total{code=\"405\","
                                 "path=\"checkpoint\"} 1\n"));
  EXPECT_THAT(r->body, HasSubstr("vitrine_http_requests_total{code=\"200\","
                                 "path=\"tile\"} 1\n"));
  EXPECT_THAT(r->body, HasSubstr("vitrine_http_requests_total{code=\"404\","
                                 "path=\"tile\"} 1\n"));
  EXPECT_THAT(r->body, HasSubstr("vitrine_http_requests_total{code=\"404\","
                                 "path=\"other\"} 1\n"));
  EXPECT_THAT(r->body, HasSubstr("# TYPE vitrine_tree_size gauge\n"
                                 "vitrine_tree_size 5\n"));
  EXPECT_THAT(r->body, HasSubstr("vitrine_healthy 1\n"));
  EXPECT_THAT(r->body, HasSubstr("vitrine_http_request_duration_seconds_count{"
                                 "path=\"tile\"} 2\n"));
  // Answers the front makes itself are counted too, once sent.
  httplib::Result long_uri = Get("/" + std::string(10000, 'a'));
  ASSERT_TRUE(long_uri);
  EXPECT_EQ(long_uri->status, 431);
  const std::string counted =
      "vitrine_http_requests_total{code=\"431\",path=\"other\"} 1\n";
  for (int i = 0; i < 200; ++i) {  // the count lands after the reply: wait
    r = Get("/metrics");
    ASSERT_TRUE(r);
    if (r->body.find(counted) != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(r->body, HasSubstr(counted));
}

TEST_F(HttpServerTest, StartRejectsBadArgumentsAndBusyPorts) {
  EXPECT_THAT(HttpServer::Start({}, nullptr, sequencer_.get(), nullptr),
              ::vitrine::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  HttpOptions bad_port;
  bad_port.port = 70000;
  EXPECT_THAT(
      HttpServer::Start(bad_port, store_.get(), sequencer_.get(), nullptr),
      ::vitrine::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  HttpOptions no_threads;
  no_threads.threads = 0;
  EXPECT_THAT(
      HttpServer::Start(no_threads, store_.get(), sequencer_.get(), nullptr),
      ::vitrine::testing::StatusIs(absl::StatusCode::kInvalidArgument));

  StartHttp();
  HttpOptions same_port;
  same_port.port = http_->port();
  EXPECT_THAT(
      HttpServer::Start(same_port, store_.get(), sequencer_.get(), nullptr),
      ::vitrine::testing::StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(HttpServerTest, StopIsIdempotentAndClosesThePort) {
  StartHttp();
  http_->Stop();
  http_->Stop();
  httplib::Client fresh("127.0.0.1", http_->port());
  fresh.set_connection_timeout(1);
  EXPECT_FALSE(fresh.Get("/checkpoint"));
}

TEST_F(HttpServerTest, OwnsAMetricsRegistryWhenGivenNone) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<HttpServer> http,
      HttpServer::Start({}, store_.get(), sequencer_.get(), nullptr));
  httplib::Client client("127.0.0.1", http->port());
  httplib::Result r = client.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->body, HasSubstr("vitrine_tree_size 0\n"));
}

}  // namespace
}  // namespace vitrine::server
