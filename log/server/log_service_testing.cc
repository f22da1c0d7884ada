#include "log/server/log_service_testing.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/statement.h"

namespace vitrine::server::testing {
namespace {

// Any 32 bytes distinct per artifact will do as a test digest; a leaf hash
// of the name is one.
std::string TestDigest(absl::string_view data) {
  return std::string(merkle::HashLeaf(data).AsStringView());
}

}  // namespace

TestVendor MakeVendor(absl::string_view name, char seed_byte) {
  const std::string skey =
      note::FormatSignerKey(name, note::SignatureType::kEd25519,
                            std::string(32, seed_byte))
          .value();
  TestVendor vendor;
  vendor.name = std::string(name);
  vendor.signer = note::NewSigner(skey).value();
  vendor.verifier_key = note::VerifierKeyOf(skey).value();
  return vendor;
}

merkle::Hash ArtifactDigest(absl::string_view artifact,
                            absl::string_view version) {
  return merkle::Hash::FromBytes(TestDigest(absl::StrCat(artifact, "@", version)))
      .value();
}

std::unique_ptr<grpc::ClientContext> ClientContext(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

LogServiceFixture::LogServiceFixture() {
  rate_.rate_per_second = 0;  // unlimited unless a test asks
  // Small caches: many fixtures run in one test binary.
  sequencer_options_.verify_full_tiles_on_start = false;
}

void LogServiceFixture::SetUp() {
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  const char* tmp = std::getenv("TEST_TMPDIR");
  dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", test->test_suite_name(),
                      ".", test->name());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);

  ASSERT_OK_AND_ASSIGN(log_key_,
                       note::GenerateKey(kOrigin, note::SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Verifier> log_verifier,
                       note::NewVerifier(log_key_.verifier_key));
  std::shared_ptr<const note::Verifier> shared_verifier = std::move(log_verifier);
  ASSERT_OK(log_keys_.Add(shared_verifier));

  vendors_.clear();
  vendors_.push_back(MakeVendor("example.com/acme", 1));
  vendors_.push_back(MakeVendor("example.org/tools", 2));
  vendors_.push_back(MakeVendor("example.net/os", 3));
  vendors_.push_back(MakeVendor("example.io/lib", 4));
  unregistered_ = MakeVendor("example.com/stranger", 9);
  const std::string vendors_path = dir_ + "/vendors";
  {
    std::ofstream out(vendors_path);
    out << "# test vendors\n";
    for (const TestVendor& v : vendors_) out << v.verifier_key << "\n";
  }
  supervisor_ = MakeVendor("builds.example.net", 5);
  const std::string supervisors_path = dir_ + "/supervisors";
  {
    std::ofstream out(supervisors_path);
    out << supervisor_.verifier_key << "\n";
  }
  rebuilder_ = MakeVendor("rebuild.example.org", 6);
  const std::string rebuilders_path = dir_ + "/rebuilders";
  {
    std::ofstream out(rebuilders_path);
    out << rebuilder_.verifier_key << "\n";
  }
  ASSERT_OK_AND_ASSIGN(registry_,
                       VendorRegistry::Open(vendors_path, supervisors_path,
                                            rebuilders_path));
  ASSERT_OK_AND_ASSIGN(limiter_, RateLimiter::Create(rate_));

  storage::StoreOptions store_options;
  store_options.path = dir_ + "/store";
  store_options.tile_cache_tiles = 256;
  store_options.block_cache_bytes = 8 << 20;
  ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(store_options));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> log_signer,
                       note::NewSigner(log_key_.signer_key));
  ASSERT_OK_AND_ASSIGN(
      sequencer_, sequencer::Sequencer::Start(store_.get(), std::move(log_signer),
                                              shared_verifier, sequencer_options_));

  service_ = std::make_unique<LogService>(store_.get(), sequencer_.get(),
                                          registry_.get(), limiter_.get(),
                                          &metrics_, limits_);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  ASSERT_NE(server_, nullptr);
  ASSERT_GT(port, 0);
  address_ = absl::StrCat("127.0.0.1:", port);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  stub_ = vitrine::v1::Log::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(),
      args));
}

void LogServiceFixture::TearDown() {
  // The documented order: end watches, drain calls, stop the writer.
  if (service_ != nullptr) service_->Shutdown();
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  }
  if (sequencer_ != nullptr) sequencer_->Stop();
  server_.reset();
  service_.reset();
  sequencer_.reset();
  store_.reset();
}

std::string LogServiceFixture::Statement(size_t vendor,
                                         absl::string_view artifact,
                                         absl::string_view version) const {
  return StatementBy(*vendors_.at(vendor).signer, vendors_.at(vendor).name,
                     artifact, version);
}

std::string LogServiceFixture::StatementBy(const note::Signer& signer,
                                           absl::string_view vendor_name,
                                           absl::string_view artifact,
                                           absl::string_view version) {
  note::Statement statement;
  statement.vendor = std::string(vendor_name);
  statement.artifact = std::string(artifact);
  statement.version = std::string(version);
  statement.sha256 = ArtifactDigest(artifact, version);
  if (signer.Name() == vendor_name) {
    return note::SignStatement(statement, signer).value();
  }
  // SignStatement refuses a mismatched key; sign the text directly, as a
  // forger would.
  return note::SignNote(note::FormatStatement(statement).value(), signer)
      .value();
}

grpc::Status LogServiceFixture::Add(const std::vector<std::string>& statements,
                                    vitrine::v1::AddResponse* response) const {
  vitrine::v1::AddRequest request;
  for (const std::string& s : statements) request.add_statements(s);
  return stub_->Add(ClientContext().get(), request, response);
}

void LogServiceFixture::ExpectBundleVerifies(
    const vitrine::v1::Bundle& bundle) const {
  absl::StatusOr<note::VerifiedCheckpoint> checkpoint =
      note::OpenCheckpoint(bundle.checkpoint(), kOrigin, log_keys_);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  std::vector<merkle::Hash> proof;
  for (const std::string& h : bundle.inclusion_proof()) {
    ASSERT_OK_AND_ASSIGN(merkle::Hash hash, merkle::Hash::FromBytes(h));
    proof.push_back(hash);
  }
  EXPECT_OK(merkle::VerifyInclusion(
      bundle.leaf_index(), checkpoint->checkpoint.size,
      merkle::HashLeaf(bundle.statement()), proof, checkpoint->checkpoint.root));
}

uint64_t LogServiceFixture::TreeSize() const {
  vitrine::v1::GetCheckpointResponse response;
  grpc::Status status = stub_->GetCheckpoint(
      ClientContext().get(), vitrine::v1::GetCheckpointRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.checkpoint().size();
}

}  // namespace vitrine::server::testing
