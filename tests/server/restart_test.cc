// Restart under load (issue 5): a real vitrine-log process takes Add RPCs
// from several client threads; it gets SIGTERM mid-load, must exit 0 after a
// graceful shutdown, and after a restart on the same data folder every
// statement it acknowledged is at its acknowledged index, provably included
// in the new checkpoint.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::tests {
namespace {

std::string Binary() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/vitrine/log/server/vitrine-log";
}

// A vitrine-log child process whose stdout we read for its addresses.
struct Child {
  pid_t pid = -1;
  std::string grpc_address;
};

Child StartLog(const std::string& data) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::string data_flag = "--data=" + data;
    execl(Binary().c_str(), "vitrine-log", "serve", data_flag.c_str(),
          "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
          "--vendor_rate_per_second=1000000", "--vendor_burst=1000000",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  Child child{pid, ""};
  // Read lines until the gRPC address is printed (bounded by the test's
  // timeout; the child exits on failure, which ends the read).
  std::string text;
  char c;
  while (read(fds[0], &c, 1) == 1) {
    text.push_back(c);
    if (c != '\n') continue;
    absl::string_view line = absl::StripAsciiWhitespace(
        absl::string_view(text).substr(text.rfind('\n', text.size() - 2) + 1));
    if (absl::ConsumePrefix(&line, "gRPC:")) {
      child.grpc_address = std::string(absl::StripAsciiWhitespace(line));
      break;
    }
  }
  close(fds[0]);  // the child's later writes go nowhere; it only logs to stderr
  return child;
}

int StopLog(Child& child) {
  kill(child.pid, SIGTERM);
  int status = 0;
  waitpid(child.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::unique_ptr<vitrine::v1::Log::Stub> Connect(const std::string& address) {
  return vitrine::v1::Log::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

TEST(RestartTest, AcknowledgedStatementsSurviveSigtermUnderLoad) {
  const std::string data = std::string(std::getenv("TEST_TMPDIR")) + "/log";
  // init: the log key; then register one vendor.
  {
    std::string cmd = absl::StrCat(Binary(), " init --data=", data,
                                   " --origin=restart.test/log > ", data, ".init");
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::ifstream init_out(data + ".init");
  std::string init_text((std::istreambuf_iterator<char>(init_out)),
                        std::istreambuf_iterator<char>());
  std::string log_vkey;
  for (absl::string_view line : absl::StrSplit(init_text, '\n')) {
    if (absl::ConsumePrefix(&line, "verifier key: ")) log_vkey = std::string(line);
  }
  ASSERT_FALSE(log_vkey.empty()) << init_text;
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey vendor_key,
                       note::GenerateKey("vendor.test", note::SignatureType::kEd25519));
  std::ofstream(data + "/vendors") << vendor_key.verifier_key << "\n";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Signer> vendor,
                       note::NewSigner(vendor_key.signer_key));

  Child log = StartLog(data);
  ASSERT_GT(log.pid, 0);
  ASSERT_FALSE(log.grpc_address.empty()) << "vitrine-log did not start";

  // Load: 4 threads, 5 statements per Add, until the server goes away.
  std::mutex mu;
  std::map<uint64_t, std::string> acked;  // index -> statement
  std::atomic<bool> stop{false};
  std::atomic<int> adds{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      auto stub = Connect(log.grpc_address);
      for (int i = 0; !stop.load(); ++i) {
        vitrine::v1::AddRequest request;
        for (int k = 0; k < 5; ++k) {
          note::Statement s{"vendor.test", absl::StrCat("tool-", t), absl::StrCat("1.", i, ".", k),
                            merkle::HashLeaf(absl::StrCat(t, "/", i, "/", k)), std::nullopt};
          absl::StatusOr<std::string> signed_statement = note::SignStatement(s, *vendor);
          if (!signed_statement.ok()) return;
          request.add_statements(*signed_statement);
        }
        vitrine::v1::AddResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
        grpc::Status status = stub->Add(&context, request, &response);
        if (!status.ok()) return;  // the server is shutting down
        std::lock_guard<std::mutex> lock(mu);
        for (int k = 0; k < response.results_size(); ++k) {
          const auto& result = response.results(k);
          if (!result.has_bundle()) continue;
          acked[result.bundle().leaf_index()] = request.statements(k);
        }
        adds.fetch_add(1);
      }
    });
  }
  while (adds.load() < 200) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(StopLog(log), 0) << "vitrine-log did not shut down cleanly";
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_GT(acked.size(), 800u);

  // Restart and check every acknowledgement.
  Child again = StartLog(data);
  ASSERT_FALSE(again.grpc_address.empty()) << "vitrine-log did not restart";
  auto stub = Connect(again.grpc_address);
  note::VerifierSet log_keys;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Verifier> log_verifier,
                       note::NewVerifier(log_vkey));
  ASSERT_OK(log_keys.Add(std::move(log_verifier)));

  vitrine::v1::GetCheckpointResponse head;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->GetCheckpoint(&context, {}, &head).ok());
  }
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint checkpoint,
                       note::OpenCheckpoint(head.checkpoint().note(), "restart.test/log", log_keys));
  EXPECT_GE(checkpoint.checkpoint.size, acked.size());
  for (const auto& [index, statement] : acked) {
    vitrine::v1::GetInclusionProofRequest request;
    const merkle::Hash leaf_hash = merkle::HashLeaf(statement);
    request.set_leaf_hash(std::string(leaf_hash.AsStringView()));
    request.set_tree_size(checkpoint.checkpoint.size);
    vitrine::v1::GetInclusionProofResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub->GetInclusionProof(&context, request, &response);
    ASSERT_TRUE(status.ok()) << "acknowledged index " << index << ": " << status.error_message();
    ASSERT_EQ(response.leaf_index(), index);
    std::vector<merkle::Hash> proof;
    for (const std::string& h : response.proof()) {
      ASSERT_OK_AND_ASSIGN(merkle::Hash hash, merkle::Hash::FromBytes(h));
      proof.push_back(hash);
    }
    ASSERT_OK(merkle::VerifyInclusion(index, checkpoint.checkpoint.size, leaf_hash, proof,
                                      checkpoint.checkpoint.root));
  }
  std::printf("restart test: %zu acknowledged statements checked after SIGTERM and restart; "
              "tree size %llu\n",
              acked.size(), static_cast<unsigned long long>(checkpoint.checkpoint.size));
  EXPECT_EQ(StopLog(again), 0);
}

}  // namespace
}  // namespace vitrine::tests
