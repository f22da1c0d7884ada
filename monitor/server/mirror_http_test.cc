// MirrorHttp behind a real StatusHttp on 127.0.0.1, over verified copies in
// TEST_TMPDIR fed with signed checkpoints: where each log is served, the
// bytes against an independent reference (leaf hashes), the cache headers,
// 304, and the log's error codes.
#include "monitor/server/mirror_http.h"

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/serving/explorer_http.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/storage/testing/test_log.h"
#include "monitor/server/status_http.h"

namespace vitrine::monitor {
namespace {

constexpr absl::string_view kImmutable = "public, max-age=31536000, immutable";

// One log: its key, a verified copy of it, and what it signed.
struct CopiedLog {
  std::string origin;
  note::GeneratedKey key;
  std::unique_ptr<note::Signer> signer;
  std::unique_ptr<VerifiedCopy> copy;
  merkle::CompactRange tree;
  std::vector<std::string> leaves;
  std::string note;

  // Appends `n` leaves and the checkpoint the log signs for them.
  void Grow(uint64_t n) {
    const uint64_t start = tree.end();
    std::vector<std::string> batch;
    for (uint64_t i = start; i < start + n; ++i) {
      batch.push_back(absl::StrCat(origin, " leaf ", i));
      tree.Append(merkle::HashLeaf(batch.back()));
    }
    note = note::SignCheckpoint({origin, tree.end(), tree.Root(), {}}, *signer)
               .value();
    note::VerifierSet keys;
    ASSERT_OK(keys.Add(note::NewVerifier(key.verifier_key).value()));
    ASSERT_OK(copy->Append(start, batch,
                           note::OpenCheckpoint(note, origin, keys).value(),
                           note));
    leaves.insert(leaves.end(), batch.begin(), batch.end());
  }

  // The level-0 tile [256 index, 256 index + width) from the leaves.
  std::string Tile0(uint64_t index, uint64_t width) const {
    std::string bytes;
    for (uint64_t i = 256 * index; i < 256 * index + width; ++i) {
      const merkle::Hash hash = merkle::HashLeaf(leaves[i]);
      bytes.append(reinterpret_cast<const char*>(hash.data()), hash.size());
    }
    return bytes;
  }
};

std::unique_ptr<CopiedLog> NewLog(const std::string& origin) {
  auto log = std::make_unique<CopiedLog>();
  log->origin = origin;
  log->key = note::GenerateKey(origin, note::SignatureType::kEd25519).value();
  log->signer = note::NewSigner(log->key.signer_key).value();
  storage::StoreOptions options;
  options.block_cache_bytes = 1 << 20;
  // Origins hold slashes: not folder names.
  log->copy = VerifiedCopy::Open(
                  storage::testing::FreshTestDir(absl::StrCat(
                      "copy-", merkle::HashLeaf(origin).ToHex().substr(0, 8))),
                                 log->key.verifier_key, options)
                  .value();
  return log;
}

// A status port with `mirror` in front, as vitrine-monitor wires it.
std::unique_ptr<StatusHttp> Serve(const MirrorHttp& mirror) {
  StatusHttp::Handlers handlers;
  handlers.metrics = [] { return std::string("m 1\n"); };
  handlers.health = [] { return Health{true, "ok\n"}; };
  handlers.mirror = [&mirror](const HttpRequest& request,
                              HttpResponse& response) {
    return mirror.Handle(request, response);
  };
  return StatusHttp::Start("127.0.0.1", 0, handlers).value();
}

TEST(MirrorHttpTest, OneLogIsServedAtTheRootAsTheLogServesIt) {
  std::unique_ptr<CopiedLog> log = NewLog("example.com/mirrored");
  MirrorHttp mirror({log->copy.get()});
  EXPECT_EQ(mirror.PrefixOf("example.com/mirrored"), "");
  std::unique_ptr<StatusHttp> http = Serve(mirror);
  httplib::Client client("127.0.0.1", http->port());

  // Nothing verified yet: the log's answer before its first checkpoint.
  auto early = client.Get("/checkpoint");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
  EXPECT_EQ(early->get_header_value("Cache-Control"), "no-store");

  ASSERT_NO_FATAL_FAILURE(log->Grow(300));
  auto checkpoint = client.Get("/checkpoint");
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->status, 200);
  EXPECT_EQ(checkpoint->body, log->note);
  EXPECT_EQ(checkpoint->get_header_value("Cache-Control"), "public, max-age=2");
  EXPECT_EQ(checkpoint->get_header_value("ETag"), serving::StrongEtag(log->note));

  auto full = client.Get("/tile/0/000");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body, log->Tile0(0, 256));
  EXPECT_EQ(full->get_header_value("Cache-Control"), kImmutable);
  const std::string etag = full->get_header_value("ETag");
  EXPECT_EQ(etag, serving::StrongEtag(log->Tile0(0, 256)));

  auto partial = client.Get("/tile/0/001.p/44");
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->status, 200);
  EXPECT_EQ(partial->body, log->Tile0(1, 44));
  EXPECT_EQ(partial->get_header_value("Cache-Control"), "public, max-age=60");

  auto bundle = client.Get("/tile/entries/001.p/44");
  ASSERT_TRUE(bundle);
  EXPECT_EQ(bundle->status, 200);
  EXPECT_EQ(bundle->body.size(), 44 * 2 + 44 * log->leaves[256].size());

  auto revalidated = client.Get("/tile/0/000", {{"If-None-Match", etag}});
  ASSERT_TRUE(revalidated);
  EXPECT_EQ(revalidated->status, 304);
  EXPECT_EQ(revalidated->body, "");
  EXPECT_EQ(revalidated->get_header_value("ETag"), etag);

  // The log's codes for what is not there or not allowed.
  for (const char* path : {"/tile/0/001.p/45", "/tile/0/002", "/tile/bad"}) {
    auto missing = client.Get(path);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404) << path;
    EXPECT_EQ(missing->get_header_value("Cache-Control"), "no-store") << path;
  }
  auto post = client.Post("/checkpoint", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");

  // The status port's own paths are still its own.
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body, "m 1\n");

  // The copy grows: the mirror serves the new head at once.
  ASSERT_NO_FATAL_FAILURE(log->Grow(256));
  auto grown = client.Get("/checkpoint");
  ASSERT_TRUE(grown);
  EXPECT_EQ(grown->body, log->note);
  auto now_full = client.Get("/tile/0/001");
  ASSERT_TRUE(now_full);
  EXPECT_EQ(now_full->status, 200);
  EXPECT_EQ(now_full->body, log->Tile0(1, 256));
}

TEST(MirrorHttpTest, SeveralLogsAreServedEachUnderItsOrigin) {
  std::unique_ptr<CopiedLog> a = NewLog("example.com/a");
  std::unique_ptr<CopiedLog> b = NewLog("example.com/a/b");
  ASSERT_NO_FATAL_FAILURE(a->Grow(10));
  ASSERT_NO_FATAL_FAILURE(b->Grow(20));
  MirrorHttp mirror({a->copy.get(), b->copy.get()});
  EXPECT_EQ(mirror.PrefixOf("example.com/a"), "/example.com/a");
  EXPECT_EQ(mirror.PrefixOf("example.com/a/b"), "/example.com/a/b");
  std::unique_ptr<StatusHttp> http = Serve(mirror);
  httplib::Client client("127.0.0.1", http->port());

  auto at_a = client.Get("/example.com/a/checkpoint");
  ASSERT_TRUE(at_a);
  EXPECT_EQ(at_a->status, 200);
  EXPECT_EQ(at_a->body, a->note);
  // The longer origin wins over its prefix.
  auto at_b = client.Get("/example.com/a/b/checkpoint");
  ASSERT_TRUE(at_b);
  EXPECT_EQ(at_b->body, b->note);
  auto tile_b = client.Get("/example.com/a/b/tile/0/000.p/20");
  ASSERT_TRUE(tile_b);
  EXPECT_EQ(tile_b->status, 200);
  EXPECT_EQ(tile_b->body, b->Tile0(0, 20));
  auto beyond_a = client.Get("/example.com/a/tile/0/000.p/11");
  ASSERT_TRUE(beyond_a);
  EXPECT_EQ(beyond_a->status, 404);

  // No log is the root's: which one would it be?
  auto root = client.Get("/checkpoint");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 404);
}

TEST(MirrorHttpTest, TheExplorerIsServedUnderEachLogsPrefix) {
  std::unique_ptr<CopiedLog> a = NewLog("example.com/a");
  std::unique_ptr<CopiedLog> b = NewLog("example.com/a/b");
  MirrorHttp several({a->copy.get(), b->copy.get()});
  std::unique_ptr<StatusHttp> http = Serve(several);
  httplib::Client client("127.0.0.1", http->port());
  const std::string page = serving::StrongEtag(
      *[] {
        HttpRequest request;
        request.method = "GET";
        request.path = "/";
        HttpResponse response;
        serving::WriteExplorerReply(request, "/", response);
        return response.shared_body;
      }());
  for (const char* path : {"/example.com/a/", "/example.com/a/b/"}) {
    auto got = client.Get(path);
    ASSERT_TRUE(got) << path;
    EXPECT_EQ(got->status, 200) << path;
    EXPECT_EQ(got->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(got->get_header_value("ETag"), page);
    EXPECT_EQ(got->get_header_value("Content-Security-Policy"),
              serving::kExplorerCsp);
  }
  auto script = client.Get("/example.com/a/b/explorer/verify.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  // Relative URLs need the folder: "/<origin>" redirects to "/<origin>/".
  auto bare = client.Get("/example.com/a/b");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 301);
  EXPECT_EQ(bare->get_header_value("Location"), "/example.com/a/b/");
  // An origin that a Location would make another host's stays a path here.
  for (const char* origin : {"/evil.example", "\\evil.example"}) {
    std::unique_ptr<CopiedLog> odd = NewLog(origin);
    MirrorHttp with_odd({a->copy.get(), odd->copy.get()});
    std::unique_ptr<StatusHttp> http_odd = Serve(with_odd);
    httplib::Client client_odd("127.0.0.1", http_odd->port());
    auto redirect = client_odd.Get(absl::StrCat("/", origin).c_str());
    ASSERT_TRUE(redirect) << origin;
    EXPECT_EQ(redirect->status, 301) << origin;
    EXPECT_EQ(redirect->get_header_value("Location"),
              absl::StrCat("/./", origin, "/"));
  }
  // No log is the root's.
  auto root = client.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 404);

  MirrorHttp one({a->copy.get()});
  std::unique_ptr<StatusHttp> http_one = Serve(one);
  httplib::Client client_one("127.0.0.1", http_one->port());
  auto at_root = client_one.Get("/");
  ASSERT_TRUE(at_root);
  EXPECT_EQ(at_root->status, 200);
  EXPECT_EQ(at_root->get_header_value("ETag"), page);
}

TEST(MirrorHttpTest, TheJsonApiIsServedUnderEachLogsPrefix) {
  std::unique_ptr<CopiedLog> a = NewLog("example.com/a");
  std::unique_ptr<CopiedLog> b = NewLog("example.com/a/b");
  MirrorHttp mirror({a->copy.get(), b->copy.get()});
  std::unique_ptr<StatusHttp> http = Serve(mirror);
  httplib::Client client("127.0.0.1", http->port());

  // Nothing verified yet: 503, in JSON, never cached.
  auto early = client.Get("/example.com/a/api/v1/log");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
  EXPECT_EQ(early->body,
            "{\"code\":\"UNAVAILABLE\",\"error\":\"no checkpoint to serve yet\"}\n");
  EXPECT_EQ(early->get_header_value("Cache-Control"), "no-store");

  ASSERT_NO_FATAL_FAILURE(a->Grow(10));
  ASSERT_NO_FATAL_FAILURE(b->Grow(20));
  // Each log's own head, key and note (the longer origin wins its prefix).
  for (CopiedLog* log : {a.get(), b.get()}) {
    auto got = client.Get(absl::StrCat("/", log->origin, "/api/v1/log").c_str());
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->get_header_value("Content-Type"),
              "application/json; charset=utf-8");
    EXPECT_EQ(got->body,
              absl::StrCat("{\"origin\":\"", log->origin, "\",\"log_key\":\"",
                           log->key.verifier_key, "\",\"size\":", log->tree.end(),
                           ",\"root_hash\":\"", log->tree.Root().ToBase64(),
                           "\",\"checkpoint\":\"",
                           absl::StrReplaceAll(log->note, {{"\n", "\\u000a"}}),
                           "\"}\n"));
  }
  auto entry = client.Get("/example.com/a/b/api/v1/entries/19");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->status, 200);
  EXPECT_TRUE(absl::StartsWith(entry->body, "{\"index\":19,\"kind\":\"unknown\","))
      << entry->body;
  auto beyond = client.Get("/example.com/a/api/v1/entries/10");
  ASSERT_TRUE(beyond);
  EXPECT_EQ(beyond->status, 404);
  EXPECT_EQ(beyond->body,
            "{\"code\":\"NOT_FOUND\",\"error\":\"entry 10 is beyond the served "
            "tree of size 10\"}\n");
  // No log is the root's.
  auto root = client.Get("/api/v1/log");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 404);
}

}  // namespace
}  // namespace vitrine::monitor
