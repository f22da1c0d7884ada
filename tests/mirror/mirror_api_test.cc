// Issue 17 with real processes: the JSON read API of a vitrine-monitor
// mirroring a vitrine-log is the log's, byte for byte. A log with two
// vendors' releases and a monitor following it, caught up and cosigned;
// then the same requests to both (entries, proofs, a lookup, vendor pages
// with percent-encoded names, bad parameters, other methods) get the same
// status, body, Content-Type, Cache-Control and ETag. api/v1/log differs
// only where /checkpoint does: the mirror's note carries its cosignature.
#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "api.test/log";
constexpr char kVerifiedSize[] =
    "vitrine_monitor_verified_size{origin=\"api.test/log\"}";
constexpr char kWitnessSize[] =
    "vitrine_monitor_witness_size{origin=\"api.test/log\"}";
constexpr int kAcme = 260;   // indexes [0, 260): past one full tile
constexpr int kOther = 40;   // indexes [260, 300)
constexpr int kSize = kAcme + kOther;

std::unique_ptr<httplib::Client> HttpClient(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(address.substr(colon + 1), &port)) << address;
  auto client = std::make_unique<httplib::Client>(address.substr(0, colon), port);
  client->set_connection_timeout(2, 0);
  client->set_read_timeout(5, 0);
  return client;
}

class MirrorApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const VendorKey acme = MakeVendorKey("example.com/acme");
    const VendorKey other = MakeVendorKey("other.org");
    data_ = MakeLogAndMonitorData("mirror_api", kOrigin, {acme.vkey, other.vkey});
    ASSERT_FALSE(data_.log_vkey.empty());
    log_ = StartLog(data_.log_data);
    ASSERT_TRUE(log_.running()) << log_.startup_output();
    monitor_ = StartMonitor(data_.monitor_data,
                            {"--log=" + data_.log_vkey + "@" + log_.grpc_address(),
                             "--poll_interval_ms=50"});
    ASSERT_TRUE(monitor_.running()) << monitor_.startup_output();
    ASSERT_TRUE(AddStatements(log_.grpc_address(),
                              MakeStatements(acme, 0, kAcme, "release")));
    ASSERT_TRUE(AddStatements(log_.grpc_address(),
                              MakeStatements(other, kAcme, kOther, "release")));
    ASSERT_TRUE(WaitFor([&] {
      return Metric(monitor_, kVerifiedSize) == kSize &&
             Metric(monitor_, kWitnessSize) == kSize;
    }, absl::Seconds(30)))
        << "verified " << Metric(monitor_, kVerifiedSize) << ", cosigned "
        << Metric(monitor_, kWitnessSize);
    log_http_ = HttpClient(log_.http_address());
    mirror_http_ = HttpClient(monitor_.http_address());
  }

  LogAndMonitorData data_;
  ServerProcess log_;
  ServerProcess monitor_;
  std::unique_ptr<httplib::Client> log_http_;
  std::unique_ptr<httplib::Client> mirror_http_;
};

TEST_F(MirrorApiTest, EveryAnswerIsTheLogsByteForByte) {
  // MakeStatements' digests: HashLeaf("release-<i>").
  const std::string digest7 = merkle::HashLeaf("release-7").ToHex();
  const std::vector<std::string> paths = {
      "/api/v1/entries/0",
      "/api/v1/entries/255",
      "/api/v1/entries/299",
      "/api/v1/proof?index=0&size=1",
      "/api/v1/proof?index=7&size=300",
      "/api/v1/proof?index=299&size=300",
      "/api/v1/proof?index=100&size=257",
      absl::StrCat("/api/v1/lookup?sha256=", digest7),
      absl::StrCat("/api/v1/lookup?sha256=", merkle::HashLeaf("never").ToHex()),
      "/api/v1/vendors/example.com%2Facme/releases",
      "/api/v1/vendors/example.com%2Facme/releases?limit=100",
      "/api/v1/vendors/example.com%2facme/releases?before=260&limit=7",
      "/api/v1/vendors/other.org/releases?before=300&limit=100",
      "/api/v1/vendors/%6fther.org/releases?before=270",
      "/api/v1/vendors/nobody.example/releases",
      // Errors.
      "/api/v1/entries/300",
      "/api/v1/entries/01",
      "/api/v1/entries/-1",
      "/api/v1/proof?index=1",
      "/api/v1/proof?index=1&size=301",
      "/api/v1/proof?index=5&size=5",
      "/api/v1/proof?index=1&size=5&x=1",
      "/api/v1/proof?index=1&index=1&size=5",
      absl::StrCat("/api/v1/lookup?sha256=", digest7.substr(1)),
      "/api/v1/lookup?sha256=ABCDEF",
      "/api/v1/vendors/example.com/acme/releases",
      "/api/v1/vendors/example.com%2Facme/releases?limit=0",
      "/api/v1/vendors/example.com%2Facme/releases?limit=101",
      "/api/v1/vendors/example.com%2Facme/releases?before=301",
      "/api/v1/vendors/a%2Bb/releases",
      "/api/v1/vendors/a%zz/releases",
      "/api/v1/nothing",
      "/api/v1/log?x=1",
  };
  int ok = 0;
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    httplib::Result from_log = log_http_->Get(path.c_str());
    httplib::Result from_mirror = mirror_http_->Get(path.c_str());
    ASSERT_TRUE(from_log && from_mirror);
    std::printf("%-70s log %d mirror %d\n", path.c_str(), from_log->status,
                from_mirror->status);
    EXPECT_EQ(from_mirror->status, from_log->status);
    EXPECT_EQ(from_mirror->body, from_log->body);
    for (const char* header : {"Content-Type", "Cache-Control", "ETag"}) {
      EXPECT_EQ(from_mirror->get_header_value(header),
                from_log->get_header_value(header))
          << header;
    }
    if (from_log->status == 200) ++ok;
  }
  EXPECT_EQ(ok, 15);

  // Spot checks that the answers are the ones asked for.
  httplib::Result page = log_http_->Get(
      "/api/v1/vendors/example.com%2facme/releases?before=260&limit=7");
  ASSERT_TRUE(page);
  EXPECT_TRUE(absl::StartsWith(
      page->body, "{\"vendor\":\"example.com/acme\",\"size\":260,\"entries\":"
                  "[{\"index\":259,"))
      << page->body;
  EXPECT_TRUE(absl::EndsWith(page->body, ",\"next_before\":253}\n")) << page->body;
  httplib::Result lookup = log_http_->Get(
      absl::StrCat("/api/v1/lookup?sha256=", digest7).c_str());
  ASSERT_TRUE(lookup);
  EXPECT_TRUE(absl::StartsWith(lookup->body,
                               "{\"size\":300,\"entries\":[{\"index\":7,"))
      << lookup->body;

  // Other methods: the same 405.
  httplib::Result post_log = log_http_->Post("/api/v1/log", "", "text/plain");
  httplib::Result post_mirror = mirror_http_->Post("/api/v1/log", "", "text/plain");
  ASSERT_TRUE(post_log && post_mirror);
  EXPECT_EQ(post_log->status, 405);
  EXPECT_EQ(post_mirror->status, 405);
  EXPECT_EQ(post_mirror->body, post_log->body);
  EXPECT_EQ(post_mirror->get_header_value("Allow"), "GET, HEAD");
}

TEST_F(MirrorApiTest, LogAnswersDifferOnlyByTheMirrorsCosignature) {
  // The monitor's cosignature line may follow its head by a moment.
  std::string mirror_checkpoint;
  ASSERT_TRUE(WaitFor([&] {
    httplib::Result r = mirror_http_->Get("/checkpoint");
    mirror_checkpoint = r ? r->body : "";
    return absl::StrContains(mirror_checkpoint, "m.test/witness");
  }, absl::Seconds(10)));
  httplib::Result log_checkpoint = log_http_->Get("/checkpoint");
  httplib::Result from_log = log_http_->Get("/api/v1/log");
  httplib::Result from_mirror = mirror_http_->Get("/api/v1/log");
  ASSERT_TRUE(log_checkpoint && from_log && from_mirror);
  EXPECT_EQ(from_log->get_header_value("Cache-Control"), "public, max-age=2");
  EXPECT_EQ(from_mirror->get_header_value("Cache-Control"), "public, max-age=2");
  auto json = [](const std::string& note) {
    return absl::StrReplaceAll(note, {{"\n", "\\u000a"}});
  };
  const std::string head = absl::StrCat(
      "{\"origin\":\"", kOrigin, "\",\"log_key\":\"", data_.log_vkey,
      "\",\"size\":300,\"root_hash\":\"");
  ASSERT_TRUE(absl::StartsWith(from_log->body, head)) << from_log->body;
  ASSERT_TRUE(absl::EndsWith(
      from_log->body,
      absl::StrCat("\",\"checkpoint\":\"", json(log_checkpoint->body), "\"}\n")))
      << from_log->body;
  // The mirror: the same but for its /checkpoint, the log's note and its line.
  const size_t note_at = from_log->body.find(",\"checkpoint\":");
  EXPECT_EQ(from_mirror->body,
            absl::StrCat(from_log->body.substr(0, note_at), ",\"checkpoint\":\"",
                         json(mirror_checkpoint), "\"}\n"));
  EXPECT_TRUE(absl::StartsWith(mirror_checkpoint, log_checkpoint->body));
}

}  // namespace
}  // namespace vitrine::tests
