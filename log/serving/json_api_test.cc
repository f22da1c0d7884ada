// The JSON read API's handler over a real store of real statements: every
// endpoint's exact JSON, every error with its status and body, caching
// headers, ETag and 304, parameter strictness, paging across pages and a
// vendor name that needs percent-encoding.
#include "log/serving/json_api.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/http_front.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/note/keys.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::serving {
namespace {

using storage::testing::FreshTestDir;
using storage::testing::TestCheckpointNote;
using storage::testing::TestLog;

constexpr absl::string_view kAcme = "example.com/acme";
constexpr absl::string_view kUmlaut = "example.org/\xc3\xbcml";  // "ü"
constexpr absl::string_view kVkey = "example.com/log+01234567+AQID";
constexpr absl::string_view kJson = "application/json; charset=utf-8";
constexpr absl::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr absl::string_view kShort = "public, max-age=2";

std::unique_ptr<note::Signer> Key(absl::string_view name) {
  return note::NewSigner(note::FormatSignerKey(name, note::SignatureType::kEd25519,
                                               std::string(32, 'k'))
                             .value())
      .value();
}

merkle::Hash Digest(int i) { return merkle::Sha256(absl::StrCat("artifact ", i)); }

note::Statement ReleaseAt(absl::string_view vendor, int i) {
  return note::Statement{std::string(vendor), absl::StrCat("tool-", i), "1.0",
                         Digest(i), std::string("https://src.example/t")};
}

std::string Signed(const note::Statement& s) {
  return note::SignStatement(s, *Key(s.vendor)).value();
}

// The log: acme releases at 0, 2, 3, 5, 6; a rebuild of release 0 that
// got another digest at 1; a note that is no statement's at 4; the umlaut
// vendor's release at 7; then 101 releases by other.org naming one digest.
std::vector<std::string> LogEntries() {
  std::vector<std::string> entries;
  for (int i = 0; i < 8; ++i) {
    if (i == 1) {
      note::RebuildStatement rebuild =
          note::RebuildOf(ReleaseAt(kAcme, 0), "rebuild.example.org",
                          merkle::Sha256("another binary"))
              .value();
      entries.push_back(
          note::SignRebuildStatement(rebuild, *Key("rebuild.example.org")).value());
    } else if (i == 4) {
      entries.push_back("not a note");
    } else {
      entries.push_back(Signed(ReleaseAt(i == 7 ? kUmlaut : kAcme, i)));
    }
  }
  for (int i = 0; i < 101; ++i) {
    note::Statement s = ReleaseAt("other.org", 1000 + i);
    s.sha256 = Digest(999);
    entries.push_back(Signed(s));
  }
  return entries;
}

class JsonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    storage::StoreOptions options;
    options.path = dir_;
    store_ = storage::Store::Open(options).value();
    TestLog log(store_.get());
    log.set_entry_digests(true);
    entries_ = LogEntries();
    ASSERT_OK(log.Append(entries_));
    size_ = log.size();
    root_ = log.root();
    note_ = TestCheckpointNote(size_, root_);
    api_ = std::make_unique<JsonApi>(store_.get(), std::string(kVkey));
  }

  HttpResponse Get(absl::string_view target, absl::string_view method = "GET",
                   std::string if_none_match = "", bool snapshot = true) {
    HttpRequest request;
    request.method = std::string(method);
    request.target = std::string(target);
    request.path = std::string(target.substr(0, target.find('?')));
    if (!if_none_match.empty()) {
      request.headers.emplace_back("if-none-match", if_none_match);
    }
    const JsonApiSnapshot view{"example.com/log", size_, root_, note_};
    HttpResponse response;
    api_->Handle(request, request.path, snapshot ? &view : nullptr, response);
    return response;
  }

  static std::string Header(const HttpResponse& r, absl::string_view name) {
    const std::string* value = r.Header(name);
    return value == nullptr ? "(none)" : *value;
  }

  // Expects a 200 JSON answer with `caching` and a strong ETag of its body.
  static void ExpectOk(const HttpResponse& r, absl::string_view caching) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Header(r, "Content-Type"), kJson);
    EXPECT_EQ(Header(r, "Cache-Control"), caching);
    EXPECT_EQ(Header(r, "ETag"), StrongEtag(r.body));
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  }

  // Expects an error answer, never cached, with exactly this body.
  static void ExpectError(const HttpResponse& r, int status,
                          absl::string_view code, absl::string_view error) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.body, absl::StrCat("{\"code\":\"", code, "\",\"error\":\"",
                                   error, "\"}\n"));
    EXPECT_EQ(Header(r, "Content-Type"), kJson);
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
    EXPECT_EQ(Header(r, "ETag"), "(none)");
  }

  // The entry object the API must give for entry i, spelled out.
  std::string ReleaseJson(int i, absl::string_view vendor, int artifact) const {
    const std::string& leaf = entries_[i];
    const note::Note parsed =
        note::ParseNote(leaf, note::StatementNoteLimits()).value();
    return absl::StrCat(
        "{\"index\":", i, ",\"kind\":\"release\",\"entry\":\"",
        absl::Base64Escape(leaf), "\",\"leaf_hash\":\"",
        merkle::HashLeaf(leaf).ToBase64(), "\",\"statement\":{\"vendor\":\"",
        vendor, "\",\"artifact\":\"tool-", artifact,
        "\",\"version\":\"1.0\",\"sha256\":\"",
        (i >= 8 ? Digest(999) : Digest(artifact)).ToHex(),
        "\",\"source\":\"https://src.example/t\"},\"signatures\":[{\"name\":\"",
        vendor, "\",\"key_id\":\"",
        absl::StrFormat("%08x", parsed.signatures[0].key_id), "\"}]}");
  }

  // The page of acme's releases the API must give for the tree of `size`:
  // the releases at `indexes` (newest first), then `next_before`.
  std::string AcmePage(int size, std::vector<int> indexes,
                       absl::string_view next_before) const {
    std::string entries;
    for (int i : indexes) {
      absl::StrAppend(&entries, entries.empty() ? "" : ",",
                      ReleaseJson(i, kAcme, i));
    }
    return absl::StrCat("{\"vendor\":\"example.com/acme\",\"size\":", size,
                        ",\"entries\":[", entries, "],\"next_before\":",
                        next_before, "}\n");
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::vector<std::string> entries_;
  uint64_t size_ = 0;
  merkle::Hash root_;
  std::string note_;
  std::unique_ptr<JsonApi> api_;
};

TEST_F(JsonApiTest, LogNamesTheSnapshot) {
  const HttpResponse r = Get("/api/v1/log");
  ExpectOk(r, kShort);
  EXPECT_EQ(r.body, absl::StrCat("{\"origin\":\"example.com/log\",\"log_key\":\"",
                                 kVkey, "\",\"size\":109,\"root_hash\":\"",
                                 root_.ToBase64(), "\",\"checkpoint\":\"",
                                 absl::StrReplaceAll(note_, {{"\n", "\\u000a"}}),
                                 "\"}\n"));
  ExpectError(Get("/api/v1/log?x=1"), 400, "INVALID_ARGUMENT",
              "unknown query parameter \\\"x\\\": this path takes none");
}

TEST_F(JsonApiTest, EntriesAreImmutableObjectsOfTheLeafBytes) {
  HttpResponse r = Get("/api/v1/entries/0");
  ExpectOk(r, kImmutable);
  EXPECT_EQ(r.body, ReleaseJson(0, kAcme, 0) + "\n");

  r = Get("/api/v1/entries/1");
  ExpectOk(r, kImmutable);
  const note::Note rebuild =
      note::ParseNote(entries_[1], note::StatementNoteLimits()).value();
  EXPECT_EQ(r.body,
            absl::StrCat(
                "{\"index\":1,\"kind\":\"rebuild\",\"entry\":\"",
                absl::Base64Escape(entries_[1]), "\",\"leaf_hash\":\"",
                merkle::HashLeaf(entries_[1]).ToBase64(),
                "\",\"statement\":{\"vendor\":\"example.com/acme\",\"artifact\":"
                "\"tool-0\",\"version\":\"1.0\",\"sha256\":\"",
                merkle::Sha256("another binary").ToHex(),
                "\",\"source\":\"https://src.example/t\",\"rebuilder\":"
                "\"rebuild.example.org\"},\"signatures\":[{\"name\":"
                "\"rebuild.example.org\",\"key_id\":\"",
                absl::StrFormat("%08x", rebuild.signatures[0].key_id),
                "\"}]}\n"));

  r = Get("/api/v1/entries/4");
  ExpectOk(r, kImmutable);
  EXPECT_EQ(r.body, absl::StrCat("{\"index\":4,\"kind\":\"unknown\",\"entry\":\"",
                                 absl::Base64Escape("not a note"),
                                 "\",\"leaf_hash\":\"",
                                 merkle::HashLeaf("not a note").ToBase64(),
                                 "\",\"statement\":null,\"signatures\":[]}\n"));
  ExpectOk(Get("/api/v1/entries/108"), kImmutable);
}

TEST_F(JsonApiTest, EntryErrors) {
  ExpectError(Get("/api/v1/entries/109"), 404, "NOT_FOUND",
              "entry 109 is beyond the served tree of size 109");
  ExpectError(Get("/api/v1/entries/18446744073709551615"), 404, "NOT_FOUND",
              "entry 18446744073709551615 is beyond the served tree of size 109");
  for (absl::string_view bad : {"01", "-1", "+1", "1x", "", " 1", "0x1",
                                "18446744073709551616"}) {
    SCOPED_TRACE(bad);
    const HttpResponse r = Get(absl::StrCat("/api/v1/entries/", bad));
    EXPECT_EQ(r.status, 400) << r.body;
  }
  ExpectError(Get("/api/v1/entries/007"), 400, "INVALID_ARGUMENT",
              "index \\\"007\\\" is not a decimal integer (digits only, no sign "
              "or leading zero)");
  ExpectError(Get("/api/v1/entries/18446744073709551616"), 400,
              "INVALID_ARGUMENT",
              "index \\\"18446744073709551616\\\" is larger than 2^64 - 1");
  ExpectError(Get("/api/v1/entries/1?size=3"), 400, "INVALID_ARGUMENT",
              "unknown query parameter \\\"size\\\": this path takes none");
}

TEST_F(JsonApiTest, ProofsAreRfc9162InclusionProofs) {
  const HttpResponse r = Get("/api/v1/proof?index=5&size=100");
  ExpectOk(r, kImmutable);
  const std::vector<merkle::Hash> proof =
      merkle::InclusionProof(5, 100, store_->hash_reader()).value();
  std::string hashes;
  for (const merkle::Hash& h : proof) {
    absl::StrAppend(&hashes, hashes.empty() ? "" : ",", "\"", h.ToBase64(), "\"");
  }
  EXPECT_EQ(r.body, absl::StrCat("{\"index\":5,\"size\":100,\"hashes\":[",
                                 hashes, "]}\n"));
  EXPECT_EQ(proof.size(), 7u);
  // The parameters in either order are the same request.
  EXPECT_EQ(Get("/api/v1/proof?size=100&index=5").body, r.body);
  EXPECT_EQ(Get("/api/v1/proof?index=0&size=1").body,
            "{\"index\":0,\"size\":1,\"hashes\":[]}\n");
  ExpectOk(Get("/api/v1/proof?index=108&size=109"), kImmutable);
}

TEST_F(JsonApiTest, ProofErrors) {
  ExpectError(Get("/api/v1/proof?index=5&size=110"), 404, "NOT_FOUND",
              "size 110 is beyond the served tree of size 109");
  ExpectError(Get("/api/v1/proof?index=5&size=5"), 400, "INVALID_ARGUMENT",
              "index 5 is not below size 5");
  ExpectError(Get("/api/v1/proof?index=0&size=0"), 400, "INVALID_ARGUMENT",
              "index 0 is not below size 0");
  ExpectError(Get("/api/v1/proof?index=5"), 400, "INVALID_ARGUMENT",
              "missing parameter size");
  ExpectError(Get("/api/v1/proof?size=5"), 400, "INVALID_ARGUMENT",
              "missing parameter index");
  ExpectError(Get("/api/v1/proof"), 400, "INVALID_ARGUMENT",
              "missing parameter index");
  ExpectError(Get("/api/v1/proof?index=1&index=1&size=5"), 400,
              "INVALID_ARGUMENT", "query parameter index is given twice");
  ExpectError(Get("/api/v1/proof?index=1&size=5&leaf=1"), 400,
              "INVALID_ARGUMENT", "unknown query parameter \\\"leaf\\\"");
  ExpectError(Get("/api/v1/proof?index=&size=5"), 400, "INVALID_ARGUMENT",
              "query parameter index is empty");
  ExpectError(Get("/api/v1/proof?index&size=5"), 400, "INVALID_ARGUMENT",
              "query parameter \\\"index\\\" has no value (name=value)");
  ExpectError(Get("/api/v1/proof?index=1&&size=5"), 400, "INVALID_ARGUMENT",
              "query parameter \\\"\\\" has no value (name=value)");
  ExpectError(Get("/api/v1/proof?index=01&size=5"), 400, "INVALID_ARGUMENT",
              "index \\\"01\\\" is not a decimal integer (digits only, no sign "
              "or leading zero)");
  ExpectError(Get("/api/v1/proof?index=1&size=%35"), 400, "INVALID_ARGUMENT",
              "size \\\"%35\\\" is not a decimal integer (digits only, no sign "
              "or leading zero)");
}

TEST_F(JsonApiTest, LookupFindsReleasesAndTheirRebuilds) {
  HttpResponse r = Get(absl::StrCat("/api/v1/lookup?sha256=", Digest(0).ToHex()));
  ExpectOk(r, kShort);
  const std::string rebuild = Get("/api/v1/entries/1").body;
  EXPECT_EQ(r.body,
            absl::StrCat("{\"size\":109,\"entries\":[", ReleaseJson(0, kAcme, 0),
                         ",", rebuild.substr(0, rebuild.size() - 1),
                         "],\"truncated\":false}\n"));
  // Nothing names it: an empty answer (absence is not proven here).
  r = Get(absl::StrCat("/api/v1/lookup?sha256=", merkle::Sha256("x").ToHex()));
  ExpectOk(r, kShort);
  EXPECT_EQ(r.body, "{\"size\":109,\"entries\":[],\"truncated\":false}\n");
}

TEST_F(JsonApiTest, LookupStopsAtOneHundredAndSaysSo) {
  const HttpResponse r =
      Get(absl::StrCat("/api/v1/lookup?sha256=", Digest(999).ToHex()));
  ExpectOk(r, kShort);
  std::string want = "{\"size\":109,\"entries\":[";
  for (int i = 8; i < 108; ++i) {
    absl::StrAppend(&want, i == 8 ? "" : ",", ReleaseJson(i, "other.org", 1000 + i - 8));
  }
  EXPECT_EQ(r.body, want + "],\"truncated\":true}\n");
}

TEST_F(JsonApiTest, LookupErrors) {
  const std::string hex = Digest(0).ToHex();
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  ExpectError(Get(absl::StrCat("/api/v1/lookup?sha256=", upper)), 400,
              "INVALID_ARGUMENT",
              absl::StrCat("sha256 \\\"", upper.substr(0, 64),
                           "\\\" is not 64 lowercase hex digits"));
  EXPECT_EQ(Get(absl::StrCat("/api/v1/lookup?sha256=", hex.substr(1))).status, 400);
  EXPECT_EQ(Get(absl::StrCat("/api/v1/lookup?sha256=", hex, "0")).status, 400);
  ExpectError(Get("/api/v1/lookup"), 400, "INVALID_ARGUMENT",
              "missing parameter sha256");
  ExpectError(Get(absl::StrCat("/api/v1/lookup?sha256=", hex, "&limit=5")), 400,
              "INVALID_ARGUMENT", "unknown query parameter \\\"limit\\\"");
}

TEST_F(JsonApiTest, VendorReleasesPageNewestFirst) {
  // acme has releases at 0, 2, 3, 5, 6: pages of two.
  const std::string base = "/api/v1/vendors/example.com%2Facme/releases";
  HttpResponse r = Get(absl::StrCat(base, "?limit=2"));
  ExpectOk(r, kShort);
  EXPECT_EQ(r.body, AcmePage(109, {6, 5}, "5"));
  r = Get(absl::StrCat(base, "?before=5&limit=2"));
  ExpectOk(r, kImmutable);
  EXPECT_EQ(r.body, AcmePage(5, {3, 2}, "2"));
  r = Get(absl::StrCat(base, "?limit=2&before=2"));
  ExpectOk(r, kImmutable);
  EXPECT_EQ(r.body, AcmePage(2, {0}, "null"));
  // The default page holds all five; a page that ends exactly at the last
  // release has no next one.
  EXPECT_EQ(Get(base).body, AcmePage(109, {6, 5, 3, 2, 0}, "null"));
  EXPECT_EQ(Get(absl::StrCat(base, "?limit=5")).body,
            AcmePage(109, {6, 5, 3, 2, 0}, "null"));
  EXPECT_EQ(Get(absl::StrCat(base, "?limit=4")).body,
            AcmePage(109, {6, 5, 3, 2}, "2"));
  // Any spelling of the name: lowercase hex, needless escapes.
  EXPECT_EQ(Get("/api/v1/vendors/%65xample.com%2facme/releases").body,
            Get(base).body);
  r = Get(absl::StrCat(base, "?before=0"));
  EXPECT_EQ(r.body, AcmePage(0, {}, "null"));
  r = Get(absl::StrCat(base, "?before=109&limit=100"));
  ExpectOk(r, kImmutable);
  // A vendor nobody logged for.
  r = Get("/api/v1/vendors/nobody.example/releases");
  ExpectOk(r, kShort);
  EXPECT_EQ(r.body, "{\"vendor\":\"nobody.example\",\"size\":109,\"entries\":[],"
                    "\"next_before\":null}\n");
}

TEST_F(JsonApiTest, VendorNamesArePercentDecodedUtf8) {
  const HttpResponse r = Get("/api/v1/vendors/example.org%2F%C3%BCml/releases");
  ExpectOk(r, kShort);
  EXPECT_EQ(r.body, absl::StrCat("{\"vendor\":\"", kUmlaut,
                                 "\",\"size\":109,\"entries\":[",
                                 ReleaseJson(7, kUmlaut, 7),
                                 "],\"next_before\":null}\n"));
}

TEST_F(JsonApiTest, VendorErrors) {
  const std::string base = "/api/v1/vendors/example.com%2Facme/releases";
  ExpectError(Get("/api/v1/vendors/example.com/acme/releases"), 400,
              "INVALID_ARGUMENT",
              "the vendor name must be one percent-encoded path segment ('/' "
              "as %2F)");
  ExpectError(Get("/api/v1/vendors/acme%2/releases"), 400, "INVALID_ARGUMENT",
              "malformed percent-encoding in \\\"acme%2\\\" ('%' must be "
              "followed by two hex digits)");
  EXPECT_EQ(Get("/api/v1/vendors/acme%zz/releases").status, 400);
  ExpectError(Get("/api/v1/vendors/acme%2Bevil/releases"), 400,
              "INVALID_ARGUMENT",
              "vendor name \\\"acme+evil\\\" is outside the statement grammar: "
              "value holds '+' at byte 4, which a key name cannot");
  EXPECT_EQ(Get("/api/v1/vendors/two%20words/releases").status, 400);
  ExpectError(Get(absl::StrCat(base, "?limit=0")), 400, "INVALID_ARGUMENT",
              "limit 0 is outside 1..100");
  ExpectError(Get(absl::StrCat(base, "?limit=101")), 400, "INVALID_ARGUMENT",
              "limit 101 is outside 1..100");
  ExpectOk(Get(absl::StrCat(base, "?limit=100")), kShort);
  EXPECT_EQ(Get(absl::StrCat(base, "?limit=-1")).status, 400);
  EXPECT_EQ(Get(absl::StrCat(base, "?before=05")).status, 400);
  ExpectError(Get(absl::StrCat(base, "?before=110")), 404, "NOT_FOUND",
              "before 110 is beyond the served tree of size 109");
  ExpectError(Get(absl::StrCat(base, "?limit=2&limit=3")), 400,
              "INVALID_ARGUMENT", "query parameter limit is given twice");
  ExpectError(Get(absl::StrCat(base, "?after=3")), 400, "INVALID_ARGUMENT",
              "unknown query parameter \\\"after\\\"");
  ExpectError(Get("/api/v1/vendors//releases"), 404, "NOT_FOUND",
              "no such API endpoint (api/v1/log, entries/<index>, proof, "
              "lookup, vendors/<name>/releases)");
}

TEST_F(JsonApiTest, EtagsRevalidateWithNotModified) {
  const HttpResponse first = Get("/api/v1/entries/3");
  const std::string etag = Header(first, "ETag");
  ASSERT_EQ(etag.size(), 34u);
  HttpResponse r = Get("/api/v1/entries/3", "GET", etag);
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(Header(r, "ETag"), etag);
  EXPECT_EQ(Header(r, "Cache-Control"), kImmutable);
  r = Get("/api/v1/log", "GET", absl::StrCat("W/", Header(Get("/api/v1/log"), "ETag")));
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(Header(r, "Cache-Control"), kShort);
  // Another entry's tag does not match.
  EXPECT_EQ(Get("/api/v1/entries/2", "GET", etag).status, 200);
  // HEAD is answered as GET (the front drops the body).
  EXPECT_EQ(Get("/api/v1/entries/3", "HEAD").body, first.body);
}

TEST_F(JsonApiTest, MethodsPathsAndNoSnapshot) {
  for (absl::string_view method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    SCOPED_TRACE(method);
    const HttpResponse r = Get("/api/v1/log", method);
    ExpectError(r, 405, "UNIMPLEMENTED",
                absl::StrCat("method \\\"", method,
                             "\\\" is not allowed: the API is read-only (GET, "
                             "HEAD)"));
    EXPECT_EQ(Header(r, "Allow"), "GET, HEAD");
  }
  const std::string no_such =
      "no such API endpoint (api/v1/log, entries/<index>, proof, lookup, "
      "vendors/<name>/releases)";
  for (absl::string_view path :
       {"/api/", "/api/v1/", "/api/v1/log/", "/api/v2/log", "/api/v1/entries",
        "/api/v1/vendors/acme", "/api/v1/vendors/acme/releases/"}) {
    SCOPED_TRACE(path);
    ExpectError(Get(path), 404, "NOT_FOUND", no_such);
  }
  EXPECT_TRUE(JsonApi::Serves("/api/v1/log"));
  EXPECT_FALSE(JsonApi::Serves("/checkpoint"));
  EXPECT_FALSE(JsonApi::Serves("/apix"));
  ExpectError(Get("/api/v1/log", "GET", "", /*snapshot=*/false), 503,
              "UNAVAILABLE", "no checkpoint to serve yet");
}

TEST_F(JsonApiTest, AVendorIndexBeingBuiltIsUnavailable) {
  // The store as a binary from before the vendor index left it: reopened,
  // its index is empty until the backfill (storage/vendor_backfill.h).
  const std::string path = dir_;
  api_.reset();
  store_.reset();
  ASSERT_OK(storage::testing::DropVendorIndex(path));
  storage::StoreOptions options;
  options.path = path;
  store_ = storage::Store::Open(options).value();
  api_ = std::make_unique<JsonApi>(store_.get(), std::string(kVkey));
  ExpectError(Get("/api/v1/vendors/example.com%2Facme/releases"), 503,
              "UNAVAILABLE",
              "the vendor index is still being built; try again shortly");
  // A page below what the index covers would be answered; nothing is yet.
  ExpectError(Get("/api/v1/vendors/example.com%2Facme/releases?before=1"), 503,
              "UNAVAILABLE",
              "the vendor index is still being built; try again shortly");
  ExpectOk(Get("/api/v1/vendors/example.com%2Facme/releases?before=0"), kImmutable);
  // Other endpoints do not need it.
  ExpectOk(Get("/api/v1/entries/3"), kImmutable);
}

}  // namespace
}  // namespace vitrine::serving
