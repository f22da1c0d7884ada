#include "log/server/witnessed_log_testing.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/status_matchers.h"
#include "log/note/keys.h"
#include "log/note/statement.h"

namespace vitrine::server::testing {

WitnessedLogFixture::WitnessedLogFixture() {
  config_.init_if_missing = true;
  config_.grpc_listen = "127.0.0.1:0";
  config_.http_listen = "127.0.0.1:0";
  config_.tile_cache_mib = 16;
  // Pushes to a stopped or hung witness fail within this; tests stay short.
  config_.witness_timeout_ms = 2000;
}

void WitnessedLogFixture::SetUp() {
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  const char* tmp = std::getenv("TEST_TMPDIR");
  config_.data = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/",
                              test->test_suite_name(), ".", test->name());
  std::filesystem::remove_all(config_.data);
  ASSERT_OK_AND_ASSIGN(identity_, InitLogData(config_));
  vendor_ = MakeVendor("example.com/acme", 1);
  std::ofstream(config_.VendorsPath()) << vendor_.verifier_key << "\n";
  for (size_t i = 0; i < witness_count_; ++i) {
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<TestWitness> witness,
        TestWitness::Start(absl::StrCat("w", i + 1, ".example"),
                           static_cast<char>(0x41 + i), identity_.verifier_key));
    config_.witnesses.push_back({witness->verifier_key(), witness->address()});
    witnesses_.push_back(std::move(witness));
  }
  if (start_log_in_setup_) ASSERT_OK(StartLog());
}

void WitnessedLogFixture::TearDown() {
  StopLog();
  witnesses_.clear();
}

absl::Status WitnessedLogFixture::StartLog() {
  StopLog();
  VITRINE_ASSIGN_OR_RETURN(log_, LogServer::Start(config_));
  stub_ = vitrine::v1::Log::NewStub(grpc::CreateChannel(
      log_->grpc_address(), grpc::InsecureChannelCredentials()));
  return absl::OkStatus();
}

void WitnessedLogFixture::StopLog() {
  stub_.reset();
  if (log_ != nullptr) log_->Shutdown();
  log_.reset();
}

std::string WitnessedLogFixture::Statement(absl::string_view artifact) const {
  note::Statement statement;
  statement.vendor = vendor_.name;
  statement.artifact = std::string(artifact);
  statement.version = "1.0";
  statement.sha256 = ArtifactDigest(artifact, "1.0");
  return note::SignStatement(statement, *vendor_.signer).value();
}

absl::StatusOr<uint64_t> WitnessedLogFixture::AddStatements(
    int n, absl::string_view prefix) {
  vitrine::v1::AddRequest request;
  for (int i = 0; i < n; ++i) {
    request.add_statements(Statement(absl::StrCat(prefix, i)));
  }
  vitrine::v1::AddResponse response;
  grpc::Status status =
      stub_->Add(ClientContext(absl::Seconds(10)).get(), request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  uint64_t size = 0;
  for (const vitrine::v1::AddResult& result : response.results()) {
    if (!result.has_bundle()) {
      return absl::InternalError(absl::StrCat("statement refused: ",
                                              result.error().message()));
    }
    VITRINE_ASSIGN_OR_RETURN(
        note::VerifiedCheckpoint checkpoint,
        note::OpenCheckpoint(result.bundle().checkpoint(), identity_.origin,
                             LogKeys()));
    size = std::max(size, checkpoint.checkpoint.size);
  }
  return size;
}

grpc::Status WitnessedLogFixture::GetCheckpoint(
    bool witnessed, vitrine::v1::Checkpoint* out) const {
  vitrine::v1::GetCheckpointRequest request;
  request.set_witnessed(witnessed);
  vitrine::v1::GetCheckpointResponse response;
  grpc::Status status =
      stub_->GetCheckpoint(ClientContext().get(), request, &response);
  *out = response.checkpoint();
  return status;
}

absl::StatusOr<vitrine::v1::Checkpoint> WitnessedLogFixture::AwaitWitnessed(
    uint64_t size, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  grpc::Status last;
  vitrine::v1::Checkpoint checkpoint;
  while (absl::Now() < deadline) {
    last = GetCheckpoint(true, &checkpoint);
    if (last.ok() && checkpoint.size() >= size) return checkpoint;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "no witnessed checkpoint of size ", size, " within the timeout; last: ",
      last.ok() ? absl::StrCat("size ", checkpoint.size())
                : last.error_message()));
}

note::VerifierSet WitnessedLogFixture::WitnessKeys() const {
  note::VerifierSet keys;
  for (const auto& witness : witnesses_) {
    EXPECT_OK(keys.Add(note::NewVerifier(witness->verifier_key()).value()));
  }
  return keys;
}

note::VerifierSet WitnessedLogFixture::LogKeys() const {
  note::VerifierSet keys;
  EXPECT_OK(keys.Add(note::NewVerifier(identity_.verifier_key).value()));
  return keys;
}

}  // namespace vitrine::server::testing
