// Issue 16 with real processes: what a vitrine-monitor serves as a mirror of
// a vitrine-log, compared side by side with the log itself.
//   - The independent tile audit (tests/cache/tile_audit.h) passes against
//     the monitor's HTTP port; every tile of the tree and every entry bundle
//     is byte-identical to the log's, and the mirror's /checkpoint is the
//     log's note byte for byte followed by the monitor's cosignature line.
//   - Bad input gets the log's code: over HTTP (malformed tile paths, tiles
//     beyond the tree, methods other than GET) and over gRPC (bad hashes,
//     sizes and indexes out of range, another log's origin).
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "tests/cache/tile_audit.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "mirror.test/log";
constexpr char kOther[] = "other.test/log";
constexpr char kVerifiedSize[] =
    "vitrine_monitor_verified_size{origin=\"mirror.test/log\"}";
constexpr char kWitnessSize[] =
    "vitrine_monitor_witness_size{origin=\"mirror.test/log\"}";
// The witness name MakeLogAndMonitorData gives the monitor.
constexpr char kWitnessName[] = "m.test/witness";
constexpr int kSize = 600;  // two full level-0 tiles and a partial one

std::unique_ptr<httplib::Client> HttpClient(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(address.substr(colon + 1), &port)) << address;
  auto client = std::make_unique<httplib::Client>(address.substr(0, colon), port);
  client->set_connection_timeout(2, 0);
  client->set_read_timeout(5, 0);
  return client;
}

// A log with kSize entries and a monitor following it, caught up and
// cosigned: the monitor serves exactly the log's tree.
class MirrorServingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const VendorKey vendor = MakeVendorKey("example.com/acme");
    data_ = MakeLogAndMonitorData("mirror_serving", kOrigin, {vendor.vkey});
    ASSERT_FALSE(data_.log_vkey.empty());
    log_ = StartLog(data_.log_data);
    ASSERT_TRUE(log_.running()) << log_.startup_output();
    monitor_ = StartMonitor(data_.monitor_data,
                            {"--log=" + data_.log_vkey + "@" + log_.grpc_address(),
                             "--poll_interval_ms=50"});
    ASSERT_TRUE(monitor_.running()) << monitor_.startup_output();
    ASSERT_TRUE(AddStatements(log_.grpc_address(),
                              MakeStatements(vendor, 0, kSize, "release")));
    ASSERT_TRUE(WaitFor([&] {
      return Metric(monitor_, kVerifiedSize) == kSize &&
             Metric(monitor_, kWitnessSize) == kSize;
    }, absl::Seconds(30)))
        << "verified " << Metric(monitor_, kVerifiedSize) << ", cosigned "
        << Metric(monitor_, kWitnessSize);
  }

  LogAndMonitorData data_;
  ServerProcess log_;
  ServerProcess monitor_;
};

TEST_F(MirrorServingTest, TileAuditPassesAndEveryByteIsTheLogs) {
  absl::StatusOr<TileAudit> direct =
      AuditTiles(log_.http_address(), kOrigin, data_.log_vkey);
  ASSERT_TRUE(direct.ok()) << direct.status();
  ASSERT_EQ(direct->size, static_cast<uint64_t>(kSize));

  // The cosignature line may follow the head by a moment on /checkpoint.
  absl::StatusOr<TileAudit> mirrored;
  ASSERT_TRUE(WaitFor([&] {
    mirrored = AuditTiles(monitor_.http_address(), kOrigin, data_.log_vkey);
    return mirrored.ok() && mirrored->checkpoint != direct->checkpoint;
  }, absl::Seconds(10)))
      << (mirrored.ok() ? mirrored->checkpoint : mirrored.status().ToString());
  EXPECT_EQ(mirrored->size, direct->size);
  // 0/000 0/001 0/002.p/88 1/000.p/2 and three entry bundles.
  EXPECT_EQ(direct->files.size(), 7u);
  EXPECT_EQ(mirrored->files, direct->files);

  // The log's note byte for byte, then exactly one line: the monitor's
  // cosignature (C2SP signed-note: "— <name> <base64>").
  ASSERT_TRUE(absl::StartsWith(mirrored->checkpoint, direct->checkpoint))
      << mirrored->checkpoint << "\nvs the log's\n" << direct->checkpoint;
  const std::string added = mirrored->checkpoint.substr(direct->checkpoint.size());
  EXPECT_TRUE(absl::StartsWith(added, absl::StrCat("\xE2\x80\x94 ", kWitnessName, " ")))
      << added;
  EXPECT_EQ(std::count(added.begin(), added.end(), '\n'), 1) << added;
  EXPECT_TRUE(absl::EndsWith(added, "\n"));
}

TEST_F(MirrorServingTest, BadHttpRequestsGetTheLogsCodes) {
  std::unique_ptr<httplib::Client> log = HttpClient(log_.http_address());
  std::unique_ptr<httplib::Client> mirror = HttpClient(monitor_.http_address());
  using Request = std::function<httplib::Result(httplib::Client&)>;
  auto get = [](const std::string& path) -> Request {
    return [path](httplib::Client& c) { return c.Get(path.c_str()); };
  };
  const std::vector<std::pair<std::string, Request>> cases = {
      // Malformed tile paths.
      {"GET /tile/0/abc", get("/tile/0/abc")},
      {"GET /tile/x/000", get("/tile/x/000")},
      {"GET /tile/0/0", get("/tile/0/0")},
      {"GET /tile/0/0000", get("/tile/0/0000")},
      {"GET /tile/0/000.p/0", get("/tile/0/000.p/0")},
      {"GET /tile/0/000.p/256", get("/tile/0/000.p/256")},
      {"GET /tile/0/000.p/", get("/tile/0/000.p/")},
      {"GET /tile/0/x000", get("/tile/0/x000")},
      {"GET /tile/0/", get("/tile/0/")},
      {"GET /tile/", get("/tile/")},
      {"GET /tile/99/000", get("/tile/99/000")},
      {"GET /tile/entries/", get("/tile/entries/")},
      {"GET /tile/entries/abc", get("/tile/entries/abc")},
      {"GET /tile/entries/000.p/999", get("/tile/entries/000.p/999")},
      {"GET /tile/0/000?x=1", get("/tile/0/000?x=1")},
      {"GET /checkpoint/", get("/checkpoint/")},
      // Beyond the tree of kSize entries.
      {"GET /tile/0/003", get("/tile/0/003")},
      {"GET /tile/0/x001/000", get("/tile/0/x001/000")},
      {"GET /tile/0/002", get("/tile/0/002")},
      {"GET /tile/0/002.p/89", get("/tile/0/002.p/89")},
      {"GET /tile/1/000", get("/tile/1/000")},
      {"GET /tile/1/000.p/3", get("/tile/1/000.p/3")},
      {"GET /tile/2/000.p/1", get("/tile/2/000.p/1")},
      {"GET /tile/entries/003", get("/tile/entries/003")},
      {"GET /tile/entries/002", get("/tile/entries/002")},
      {"GET /tile/entries/002.p/89", get("/tile/entries/002.p/89")},
      // Narrower than the tree: a partial the tree has passed.
      {"GET /tile/0/002.p/50", get("/tile/0/002.p/50")},
      {"GET /tile/entries/001.p/10", get("/tile/entries/001.p/10")},
      // Methods other than GET on the read-only API.
      {"POST /checkpoint",
       [](httplib::Client& c) { return c.Post("/checkpoint", "x", "text/plain"); }},
      {"PUT /tile/0/000",
       [](httplib::Client& c) { return c.Put("/tile/0/000", "x", "text/plain"); }},
      {"DELETE /tile/entries/000",
       [](httplib::Client& c) { return c.Delete("/tile/entries/000"); }},
      {"PATCH /tile/0/001",
       [](httplib::Client& c) { return c.Patch("/tile/0/001", "x", "text/plain"); }},
      {"OPTIONS /checkpoint",
       [](httplib::Client& c) { return c.Options("/checkpoint"); }},
      {"HEAD /tile/0/000", [](httplib::Client& c) { return c.Head("/tile/0/000"); }},
      {"HEAD /tile/0/003", [](httplib::Client& c) { return c.Head("/tile/0/003"); }},
  };
  int errors = 0;
  for (const auto& [name, request] : cases) {
    httplib::Result from_log = request(*log);
    httplib::Result from_mirror = request(*mirror);
    ASSERT_TRUE(from_log) << name << ": no answer from the log";
    ASSERT_TRUE(from_mirror) << name << ": no answer from the mirror";
    std::printf("%-32s log %d mirror %d\n", name.c_str(), from_log->status,
                from_mirror->status);
    EXPECT_EQ(from_mirror->status, from_log->status) << name;
    EXPECT_EQ(from_mirror->get_header_value("Cache-Control"),
              from_log->get_header_value("Cache-Control"))
        << name;
    if (from_log->status >= 400) ++errors;
  }
  // The table really is about errors: all but the narrower partials and
  // HEAD of a tile.
  EXPECT_GE(errors, static_cast<int>(cases.size()) - 4);
}

// One unary call's code on `stub` with a 5 s deadline.
template <typename Request, typename Response>
grpc::StatusCode Call(
    vitrine::v1::Log::Stub& stub,
    grpc::Status (vitrine::v1::Log::Stub::*method)(grpc::ClientContext*, const Request&,
                                                   Response*),
    const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  Response response;
  return (stub.*method)(&context, request, &response).error_code();
}

// A streaming call's final code (GetEntries, WatchCheckpoints) after reading
// what it sends, within 5 s (a watch that stays open ends DEADLINE_EXCEEDED).
template <typename Request, typename Message>
grpc::StatusCode StreamCode(
    vitrine::v1::Log::Stub& stub,
    std::unique_ptr<grpc::ClientReader<Message>> (vitrine::v1::Log::Stub::*method)(
        grpc::ClientContext*, const Request&),
    const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  std::unique_ptr<grpc::ClientReader<Message>> reader = (stub.*method)(&context, request);
  Message message;
  while (reader->Read(&message)) {
  }
  return reader->Finish().error_code();
}

TEST_F(MirrorServingTest, BadRpcsGetTheLogsCodes) {
  using vitrine::v1::Log;
  auto log = Log::NewStub(
      grpc::CreateChannel(log_.grpc_address(), grpc::InsecureChannelCredentials()));
  auto mirror = Log::NewStub(
      grpc::CreateChannel(monitor_.grpc_address(), grpc::InsecureChannelCredentials()));
  const std::string short_hash(31, 'a');
  const std::string unknown_hash(32, '\x5a');
  const std::string long_hash(33, 'b');

  using Case = std::pair<std::string, std::function<grpc::StatusCode(Log::Stub&)>>;
  std::vector<Case> cases;
  auto inclusion = [&](const std::string& name,
                       std::function<void(v1::GetInclusionProofRequest&)> fill) {
    v1::GetInclusionProofRequest request;
    request.set_origin(kOrigin);
    fill(request);
    cases.push_back({"GetInclusionProof " + name, [request](Log::Stub& stub) {
                       return Call(stub, &Log::Stub::GetInclusionProof, request);
                     }});
  };
  inclusion("no leaf", [](auto&) {});
  inclusion("31-byte hash", [&](auto& r) { r.set_leaf_hash(short_hash); });
  inclusion("33-byte hash", [&](auto& r) { r.set_leaf_hash(long_hash); });
  inclusion("unknown hash", [&](auto& r) { r.set_leaf_hash(unknown_hash); });
  inclusion("index = size", [](auto& r) { r.set_leaf_index(kSize); });
  inclusion("index huge", [](auto& r) { r.set_leaf_index(~0ull); });
  inclusion("tree_size > size", [](auto& r) {
    r.set_leaf_index(1);
    r.set_tree_size(kSize + 1);
  });
  inclusion("index >= tree_size", [](auto& r) {
    r.set_leaf_index(10);
    r.set_tree_size(10);
  });
  inclusion("other origin", [](auto& r) {
    r.set_leaf_index(1);
    r.set_origin(kOther);
  });

  auto consistency = [&](const std::string& name, uint64_t old_size, uint64_t new_size,
                         const std::string& origin) {
    v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    request.set_new_size(new_size);
    request.set_origin(origin);
    cases.push_back({"GetConsistencyProof " + name, [request](Log::Stub& stub) {
                       return Call(stub, &Log::Stub::GetConsistencyProof, request);
                     }});
  };
  consistency("new > size", 10, kSize + 1, kOrigin);
  consistency("old > new", 20, 10, kOrigin);
  consistency("old 0", 0, 10, kOrigin);
  consistency("huge", ~0ull - 1, ~0ull, kOrigin);
  consistency("other origin", 10, 20, kOther);

  auto entries = [&](const std::string& name, uint64_t start, uint64_t end,
                     const std::string& origin) {
    v1::GetEntriesRequest request;
    request.set_start(start);
    request.set_end(end);
    request.set_origin(origin);
    cases.push_back({"GetEntries " + name, [request](Log::Stub& stub) {
                       return StreamCode(stub, &Log::Stub::GetEntries, request);
                     }});
  };
  entries("start = size", kSize, kSize + 10, kOrigin);
  entries("end > size", kSize - 5, kSize + 10, kOrigin);
  entries("end < start", 10, 5, kOrigin);
  entries("empty", 10, 10, kOrigin);
  entries("other origin", 0, 10, kOther);

  auto find = [&](const std::string& name, const std::string& sha256,
                  const std::string& origin) {
    v1::FindByDigestRequest request;
    request.set_sha256(sha256);
    request.set_origin(origin);
    cases.push_back({"FindByDigest " + name, [request](Log::Stub& stub) {
                       return Call(stub, &Log::Stub::FindByDigest, request);
                     }});
  };
  find("31 bytes", short_hash, kOrigin);
  find("empty", "", kOrigin);
  find("unknown", unknown_hash, kOrigin);
  find("other origin", unknown_hash, kOther);

  auto bundle = [&](const std::string& name,
                    std::function<void(v1::GetBundleRequest&)> fill) {
    v1::GetBundleRequest request;
    request.set_origin(kOrigin);
    fill(request);
    cases.push_back({"GetBundle " + name, [request](Log::Stub& stub) {
                       return Call(stub, &Log::Stub::GetBundle, request);
                     }});
  };
  bundle("no leaf", [](auto&) {});
  bundle("33-byte hash", [&](auto& r) { r.set_leaf_hash(long_hash); });
  bundle("unknown hash", [&](auto& r) { r.set_leaf_hash(unknown_hash); });
  bundle("index = size", [](auto& r) { r.set_leaf_index(kSize); });
  bundle("other origin", [](auto& r) {
    r.set_leaf_index(0);
    r.set_origin(kOther);
  });

  auto checkpoint = [&](const std::string& name, uint64_t at_most,
                        const std::string& origin) {
    v1::GetCheckpointRequest request;
    request.set_at_most_size(at_most);
    request.set_origin(origin);
    cases.push_back({"GetCheckpoint " + name, [request](Log::Stub& stub) {
                       return Call(stub, &Log::Stub::GetCheckpoint, request);
                     }});
  };
  checkpoint("other origin", 0, kOther);
  checkpoint("at_most 0", 0, kOrigin);

  v1::WatchCheckpointsRequest watch;
  watch.set_origin(kOther);
  cases.push_back({"WatchCheckpoints other origin", [watch](Log::Stub& stub) {
                     return StreamCode(stub, &Log::Stub::WatchCheckpoints, watch);
                   }});

  int errors = 0;
  for (const auto& [name, call] : cases) {
    const grpc::StatusCode from_log = call(*log);
    const grpc::StatusCode from_mirror = call(*mirror);
    std::printf("%-40s log %d mirror %d\n", name.c_str(), from_log, from_mirror);
    EXPECT_EQ(from_mirror, from_log) << name;
    if (from_log != grpc::StatusCode::OK) ++errors;
  }
  // Mostly errors: the table is not comparing successes.
  EXPECT_GE(errors, static_cast<int>(cases.size()) - 4);
}

}  // namespace
}  // namespace vitrine::tests
