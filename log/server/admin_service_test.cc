// The admin API of a real LogServer on its Unix socket (<data>/admin.sock,
// named through /proc/self/fd whatever the data folder's depth): a backup
// while the log serves, the socket's mode, bad requests, and no socket
// when admin_socket is off.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/server/admin_socket.h"
#include "log/server/witnessed_log_testing.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/admin.grpc.pb.h"

namespace vitrine::server {
namespace {

using ::testing::HasSubstr;

class AdminServiceTest : public testing::WitnessedLogFixture {
 protected:
  AdminServiceTest() { witness_count_ = 0; }

  grpc::Status Backup(const std::string& to, vitrine::v1::BackupResponse* response,
                      uint64_t rate_limit = 0) {
    absl::StatusOr<UnixSocketAddress> address =
        UnixSocketAddress::For(config_.AdminSocketPath());
    EXPECT_OK(address.status());
    auto stub = vitrine::v1::Admin::NewStub(grpc::CreateChannel(
        address->grpc_target(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    vitrine::v1::BackupRequest request;
    request.set_to(to);
    request.set_rate_limit_bytes_per_second(rate_limit);
    return stub->Backup(&context, request, response);
  }
};

TEST_F(AdminServiceTest, BacksUpTheServingLogOverItsSocket) {
  // The test's data folder is deeper than a socket address can name.
  EXPECT_GT(config_.AdminSocketPath().size(), 60u);
  struct stat status;
  ASSERT_EQ(stat(config_.AdminSocketPath().c_str(), &status), 0);
  EXPECT_TRUE(S_ISSOCK(status.st_mode));
  EXPECT_EQ(status.st_mode & 0777, 0600u);

  ASSERT_OK(AddStatements(20, "tool-").status());
  const std::string to = config_.data + "-backup";
  vitrine::v1::BackupResponse response;
  grpc::Status done = Backup(to, &response);
  ASSERT_TRUE(done.ok()) << done.error_message();
  EXPECT_EQ(response.backup_id(), 1u);
  EXPECT_EQ(response.tree_size(), 20u);
  EXPECT_GT(response.bytes_copied(), 0u);
  EXPECT_EQ(ReadSmallFile(to + "/log.vkey", 4096).value_or(""),
            identity_.verifier_key + "\n");

  ASSERT_OK(AddStatements(5, "more-").status());
  done = Backup(to, &response, /*rate_limit=*/64 << 20);
  ASSERT_TRUE(done.ok()) << done.error_message();
  EXPECT_EQ(response.backup_id(), 2u);
  EXPECT_EQ(response.tree_size(), 25u);

  const std::string restored = config_.data + "-restored";
  ASSERT_OK_AND_ASSIGN(storage::BackupInfo info,
                       storage::Store::RestoreBackup(to, restored));
  EXPECT_EQ(info.tree_size, 25u);
}

TEST_F(AdminServiceTest, ARelativeFolderIsInvalid) {
  vitrine::v1::BackupResponse response;
  grpc::Status done = Backup("relative/backup", &response);
  EXPECT_EQ(done.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(done.error_message(), HasSubstr("absolute path"));
  done = Backup(config_.StorePath(), &response);
  EXPECT_EQ(done.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(done.error_message(), HasSubstr("is the store itself"));
}

TEST_F(AdminServiceTest, ShutdownRemovesTheSocketAndOffMeansNone) {
  StopLog();
  EXPECT_FALSE(std::filesystem::exists(config_.AdminSocketPath()));
  config_.admin_socket = "off";
  ASSERT_OK(StartLog());
  EXPECT_FALSE(std::filesystem::exists(config_.data + "/admin.sock"));
}

TEST_F(AdminServiceTest, AStaleSocketIsReplacedAndAFileIsNot) {
  const std::string path = config_.AdminSocketPath();
  StopLog();
  ASSERT_FALSE(std::filesystem::exists(path));
  // A socket nobody listens on, as a crashed log leaves it.
  {
    ASSERT_OK_AND_ASSIGN(UnixSocketAddress address, UnixSocketAddress::For(path));
    const std::string name = address.grpc_target().substr(5);  // after "unix:"
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    ASSERT_LT(name.size(), sizeof(un.sun_path));
    name.copy(un.sun_path, name.size());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)), 0);
    close(fd);
  }
  ASSERT_TRUE(std::filesystem::is_socket(path));
  ASSERT_OK(StartLog());
  vitrine::v1::BackupResponse response;
  EXPECT_TRUE(Backup(config_.data + "-backup", &response).ok());
  StopLog();

  std::ofstream(path) << "not a socket";
  absl::StatusOr<std::unique_ptr<LogServer>> log = LogServer::Start(config_);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(log.status().message(), HasSubstr("exists and is not a socket"));
  std::filesystem::remove(path);
  ASSERT_OK(StartLog());
}

}  // namespace
}  // namespace vitrine::server
