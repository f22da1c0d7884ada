// The free-space reserve (issue 14), on a real vitrine-log process and a
// real file system: the test takes the data folder's file system below the
// reserve with a preallocated file. Add is then refused RESOURCE_EXHAUSTED
// with the figures, reads and the HTTP API keep answering, /healthz and
// /metrics say why, and once the file is gone the same process takes
// writes again, with nothing lost or changed.
//
// The reserve is set 1 GiB below the space free at the start, and the
// file takes 2 GiB: the margins absorb what other processes write
// meanwhile (the test is exclusive in Bazel). It is skipped when the file
// system has less than 4 GiB free or cannot preallocate.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/disk_reserve.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/signer.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr char kVendor[] = "example.com/disk-vendor";

struct HttpAnswer {
  int status = 0;
  std::string body;
};

HttpAnswer HttpGet(const std::string& address, const std::string& path) {
  const std::vector<std::string> parts = absl::StrSplit(address, ':');
  int port = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &port)) return {};
  httplib::Client client(parts[0], port);
  httplib::Result result = client.Get(path.c_str());
  if (!result) return {};
  return {result->status, result->body};
}

class DiskReserveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = FreshDir("log");
    ASSERT_FALSE(InitLog(data_, "example.com/disk-log").empty());
    vendor_ = note::GenerateKey(kVendor, note::SignatureType::kEd25519).value();
    WriteFileOrDie(data_ + "/vendors", vendor_.verifier_key + "\n");
    signer_ = note::NewSigner(vendor_.signer_key).value();
  }

  // Adds one statement for artifact `name`; the call's status, and the
  // result's error when the call succeeded but the statement did not.
  grpc::Status Add(const std::string& name, uint64_t* index = nullptr) {
    note::Statement statement;
    statement.vendor = kVendor;
    statement.artifact = name;
    statement.version = "1.0";
    statement.sha256 = merkle::HashLeaf(name);
    vitrine::v1::AddRequest request;
    request.add_statements(note::SignStatement(statement, *signer_).value());
    vitrine::v1::AddResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    grpc::Status status = stub_->Add(&context, request, &response);
    if (!status.ok()) return status;
    if (response.results_size() != 1) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "no result");
    }
    const vitrine::v1::AddResult& result = response.results(0);
    if (result.has_error()) {
      return grpc::Status(
          static_cast<grpc::StatusCode>(result.error().code()),
          result.error().message());
    }
    if (index != nullptr) *index = result.bundle().leaf_index();
    return grpc::Status::OK;
  }

  uint64_t TreeSize() {
    vitrine::v1::GetCheckpointRequest request;
    vitrine::v1::GetCheckpointResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->GetCheckpoint(&context, request, &response).ok());
    return response.checkpoint().size();
  }

  std::string data_;
  note::GeneratedKey vendor_;
  std::unique_ptr<note::Signer> signer_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
};

TEST_F(DiskReserveTest, RefusesWritesBelowTheReserveAndResumesByItself) {
  ASSERT_OK_AND_ASSIGN(DiskSpace start, MeasureFileSystem(data_));
  if (start.free_bytes < 4 * kGiB) {
    GTEST_SKIP() << "only " << start.free_bytes << " bytes free";
  }
  const uint64_t reserve = start.free_bytes - kGiB;
  LogProcess log =
      StartLog(data_, {absl::StrCat("--min_free_bytes=", reserve)});
  ASSERT_TRUE(log.running()) << log.startup_output();
  stub_ = vitrine::v1::Log::NewStub(grpc::CreateChannel(
      log.grpc_address(), grpc::InsecureChannelCredentials()));

  uint64_t index = 99;
  ASSERT_TRUE(Add("before", &index).ok());
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(HttpGet(log.http_address(), "/healthz").status, 200);

  // Take the file system below the reserve.
  const std::string filler = data_ + "/../filler";
  const int fd = open(filler.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  if (posix_fallocate(fd, 0, static_cast<off_t>(2 * kGiB)) != 0) {
    close(fd);
    unlink(filler.c_str());
    GTEST_SKIP() << "this file system cannot preallocate";
  }
  close(fd);

  // The reserve is measured every 250 ms: the first refusal comes soon.
  grpc::Status refused;
  int refusals = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    refused = Add("during");
    if (!refused.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ++refusals;
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StartsWith(refused.error_message(), "disk nearly full: "))
      << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(),
                                absl::StrCat(", reserve ", reserve)))
      << refused.error_message();
  // Whatever was added before the refusal stays; nothing after it.
  const uint64_t size = TreeSize();
  EXPECT_GE(size, 1u);
  EXPECT_EQ(Add("still-during").error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  ++refusals;
  EXPECT_EQ(TreeSize(), size);

  // Reads and the HTTP API go on; /healthz and /metrics say why.
  EXPECT_EQ(HttpGet(log.http_address(), "/checkpoint").status, 200);
  const HttpAnswer health = HttpGet(log.http_address(), "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_TRUE(absl::StartsWith(health.body, "writes refused: disk nearly full: "))
      << health.body;
  const std::string metrics = HttpGet(log.http_address(), "/metrics").body;
  EXPECT_TRUE(absl::StrContains(metrics, "vitrine_disk_writable 0")) << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, absl::StrCat("vitrine_disk_reserve_bytes ", reserve)))
      << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, absl::StrCat("vitrine_add_disk_refusals_total ", refusals)))
      << metrics;

  // Space comes back: the same process takes writes again.
  ASSERT_EQ(unlink(filler.c_str()), 0);
  grpc::Status resumed;
  const absl::Time resume_deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < resume_deadline) {
    resumed = Add("after", &index);
    if (resumed.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(resumed.ok()) << resumed.error_message();
  EXPECT_EQ(index, size);
  EXPECT_EQ(TreeSize(), size + 1);
  EXPECT_EQ(HttpGet(log.http_address(), "/healthz").status, 200);
  EXPECT_EQ(log.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
