// Issue 15, bad input to a real vitrine-log: rebuild statements from a key
// the log does not know as a rebuilder, from a registered rebuilder
// signing as another, or breaking the grammar, are refused with their code
// and reason and nothing is logged; registering the key (SIGHUP) admits it.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "tests/rebuilder/rebuilder_harness.h"

namespace vitrine::tests {
namespace {

struct Answer {
  int code = -1;  // the statement's gRPC code, 0 when logged
  std::string message;
};

Answer AddOne(const std::string& address, const std::string& statement) {
  std::unique_ptr<v1::Log::Stub> stub =
      v1::Log::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  v1::AddRequest request;
  request.add_statements(statement);
  v1::AddResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status status = stub->Add(&context, request, &response);
  if (!status.ok() || response.results_size() != 1) return {-2, status.error_message()};
  const v1::AddResult& result = response.results(0);
  if (!result.has_error()) return {0, ""};
  return {result.error().code(), result.error().message()};
}

// A rebuild of acme's 1.0 naming `rebuilder`, signed with `key`.
std::string Rebuild(const std::string& rebuilder, const VendorKey& key) {
  note::RebuildStatement rebuild{rebuilder, "example.com/acme", "tool", "1.0",
                                 "https://git.example.com/acme/tool@1.0",
                                 merkle::Sha256("tool 1.0")};
  return note::SignNote(note::FormatRebuildStatement(rebuild).value(),
                        *note::NewSigner(key.signer_key).value())
      .value();
}

TEST(RebuildAdmissionTest, OnlyRegisteredRebuildersUnderTheirOwnNames) {
  const std::string dir = FreshDir("rebuild-admission");
  const std::string log_data = dir + "/log";
  ASSERT_FALSE(InitLog(log_data, "admission.test/log").empty());
  const VendorKey r1 = MakeVendorKey("rebuild.example.org/r1");
  const VendorKey r2 = MakeVendorKey("rebuild.example.net/r2");
  const VendorKey acme = MakeVendorKey("example.com/acme");
  WriteFileOrDie(log_data + "/vendors", acme.vkey + "\n");
  WriteFileOrDie(log_data + "/rebuilders", r1.vkey + "\n");
  ServerProcess log = StartLog(log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();

  // r2 is nobody to this log yet.
  Answer answer = AddOne(log.grpc_address(), Rebuild("rebuild.example.net/r2", r2));
  EXPECT_EQ(answer.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(answer.message.find("rebuild statement is signed by rebuild.example.net/r2+"), 0u)
      << answer.message;
  EXPECT_NE(answer.message.find(", not by a registered key of rebuilder "
                                "rebuild.example.net/r2"),
            std::string::npos)
      << answer.message;
  // r1 is registered, but not as r2.
  answer = AddOne(log.grpc_address(), Rebuild("rebuild.example.net/r2", r1));
  EXPECT_EQ(answer.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(answer.message,
            "signed by rebuild.example.org/r1, statement names rebuilder rebuild.example.net/r2");
  // A vendor's key is not a rebuilder's.
  answer = AddOne(log.grpc_address(), Rebuild("example.com/acme", acme));
  EXPECT_EQ(answer.code, grpc::StatusCode::PERMISSION_DENIED);
  // The grammar: the digest line before the source line.
  std::string text = note::FormatRebuildStatement(
                         {"rebuild.example.org/r1", "example.com/acme", "tool", "1.0",
                          "https://git.example.com/acme/tool@1.0", merkle::Sha256("x")})
                         .value();
  const size_t source = text.find("source ");
  const size_t sha = text.find("sha256 ");
  text = text.substr(0, source) + text.substr(sha) + text.substr(source, sha - source);
  answer = AddOne(log.grpc_address(),
                  note::SignNote(text, *note::NewSigner(r1.signer_key).value()).value());
  EXPECT_EQ(answer.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(answer.message,
            "rebuild statement line 6: sha256 line out of order (expected source)");
  // Nothing was logged: the log is empty.
  const Outcome empty = RunVitrine({"checkpoint", "--log=" + log.grpc_address(),
                                    "--log_key=" + log_data + "/log.vkey"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.out.find("admission.test/log\n0\n"), std::string::npos) << empty.out;

  // Registered and reloaded, r2 appends under its own name.
  WriteFileOrDie(log_data + "/rebuilders", absl::StrCat(r1.vkey, "\n", r2.vkey, "\n"));
  log.Reload();
  ASSERT_TRUE(WaitFor(
      [&] { return AddOne(log.grpc_address(), Rebuild("rebuild.example.net/r2", r2)).code == 0; }));
  EXPECT_EQ(AddOne(log.grpc_address(), Rebuild("rebuild.example.org/r1", r1)).code, 0);
  const std::string listing = ListEntries(log.grpc_address(), log_data + "/log.vkey");
  EXPECT_EQ(listing,
            absl::StrCat("0 rebuild by rebuild.example.net/r2: example.com/acme tool 1.0 ",
                         merkle::Sha256("tool 1.0").ToHex(),
                         "\n1 rebuild by rebuild.example.org/r1: example.com/acme tool 1.0 ",
                         merkle::Sha256("tool 1.0").ToHex(), "\n"));
}

}  // namespace
}  // namespace vitrine::tests
