// LogClient over TLS against a real vitrine-log (LogServer) on 127.0.0.1:
// the log's certificate is checked against the configured roots, a client
// that does not speak TLS or trusts other roots gets nothing, and a log
// that requires client certificates refuses clients without one. Test-only
// certificates: client/testdata/tls/README.md.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/log_client.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/server/config.h"
#include "log/server/log_server.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::client {
namespace {

std::string TlsFile(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/vitrine/client/testdata/tls/", name);
}

std::string ReadTlsFile(const std::string& name) {
  absl::StatusOr<std::string> text = ReadSmallFile(TlsFile(name), 1 << 20);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

class LogClientTlsTest : public ::testing::Test {
 protected:
  // Starts a log serving gRPC over TLS; with `require_client_certificates`,
  // only clients with a certificate from the test CA are let in.
  void StartLog(bool require_client_certificates) {
    static int count = 0;
    config_.data = absl::StrCat(std::getenv("TEST_TMPDIR"), "/tls-log-", count++);
    config_.origin = "tls.test/log";
    config_.grpc_listen = "127.0.0.1:0";
    config_.http_listen = "127.0.0.1:0";
    config_.init_if_missing = true;
    config_.tls_cert_file = TlsFile("server.pem");
    config_.tls_key_file = TlsFile("server.key");
    if (require_client_certificates) config_.tls_client_ca_file = TlsFile("ca.pem");
    absl::StatusOr<std::unique_ptr<server::LogServer>> log = server::LogServer::Start(config_);
    ASSERT_OK(log);
    log_ = *std::move(log);
    address_ = absl::StrCat("127.0.0.1:", log_->grpc_port());
  }

  std::unique_ptr<LogClient> Client(std::optional<std::string> roots) {
    LogClientOptions options;
    options.deadline = absl::Seconds(5);
    options.tls_root_certs = std::move(roots);
    absl::StatusOr<std::unique_ptr<LogClient>> client =
        LogClient::Create(address_, log_->identity().verifier_key, options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  server::LogConfig config_;
  std::unique_ptr<server::LogServer> log_;
  std::string address_;
};

TEST_F(LogClientTlsTest, VerifiesTheLogsCertificate) {
  StartLog(/*require_client_certificates=*/false);
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint head,
                       Client(ReadTlsFile("ca.pem"))->GetCheckpoint());
  EXPECT_EQ(head.checkpoint.origin, "tls.test/log");
  EXPECT_EQ(head.checkpoint.size, 0u);

  // Plaintext to a TLS port, or TLS with roots that did not sign the log's
  // certificate: no answer at all.
  EXPECT_EQ(Client(std::nullopt)->GetCheckpoint().status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(Client(ReadTlsFile("other_ca.pem"))->GetCheckpoint().status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(LogClientTlsTest, ClientCertificatesWhenTheLogRequiresThem) {
  StartLog(/*require_client_certificates=*/true);
  // LogClient presents no certificate: refused during the handshake.
  EXPECT_EQ(Client(ReadTlsFile("ca.pem"))->GetCheckpoint().status().code(),
            absl::StatusCode::kUnavailable);

  // A client with a certificate from the CA gets in.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadTlsFile("ca.pem");
  ssl.pem_private_key = ReadTlsFile("client.key");
  ssl.pem_cert_chain = ReadTlsFile("client.pem");
  auto stub = vitrine::v1::Log::NewStub(grpc::CreateChannel(address_, grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  vitrine::v1::GetCheckpointResponse response;
  grpc::Status status = stub->GetCheckpoint(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.checkpoint().size(), 0u);
}

TEST_F(LogClientTlsTest, HalfATlsConfigurationIsRefused) {
  config_.data = absl::StrCat(std::getenv("TEST_TMPDIR"), "/tls-half");
  config_.init_if_missing = true;
  config_.grpc_listen = "127.0.0.1:0";
  config_.http_listen = "127.0.0.1:0";
  config_.tls_cert_file = TlsFile("server.pem");
  EXPECT_THAT(server::LogServer::Start(config_),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                "TLS needs both tls_cert_file and tls_key_file"));
}

}  // namespace
}  // namespace vitrine::client
