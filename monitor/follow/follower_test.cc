// The follower against a real vitrine log (LogServer: RocksDB in
// TEST_TMPDIR, sequencer, gRPC on 127.0.0.1), with a recording Alarm.
#include "monitor/follow/follower.h"

#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/disk_reserve.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/server/config.h"
#include "log/server/log_server.h"
#include "log/storage/testing/fault_file_system.h"
#include "log/storage/testing/tamper.h"
#include "log/storage/testing/test_log.h"
#include "monitor/alarm.h"
#include "monitor/follow/verified_copy.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::monitor {
namespace {

using vitrine::v1::Evidence;

constexpr absl::string_view kOrigin = "example.com/followed-log";

// Records what is raised; halts an origin once raised.
class RecordingAlarm : public Alarm {
 public:
  absl::StatusOr<std::string> Raise(Evidence evidence) override {
    absl::MutexLock lock(&mu_);
    halted_.insert(evidence.origin());
    raised_.push_back(std::move(evidence));
    return absl::StrCat("evidence-", raised_.size(), ".json");
  }
  bool Halted(absl::string_view origin) const override {
    absl::MutexLock lock(&mu_);
    return halted_.count(std::string(origin)) > 0;
  }
  std::vector<Evidence> raised() const {
    absl::MutexLock lock(&mu_);
    return raised_;
  }

 private:
  mutable absl::Mutex mu_;
  std::set<std::string> halted_;
  std::vector<Evidence> raised_;
};

struct Vendor {
  std::string name;
  std::unique_ptr<note::Signer> signer;
  std::string vkey;
};

Vendor MakeVendor(absl::string_view name, char seed) {
  const std::string skey = note::FormatSignerKey(
                               name, note::SignatureType::kEd25519,
                               std::string(32, seed))
                               .value();
  return Vendor{std::string(name), note::NewSigner(skey).value(),
                note::VerifierKeyOf(skey).value()};
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  return context;
}

// Serves the Log API of `target` except WatchCheckpoints (UNIMPLEMENTED):
// a log behind a proxy that does not pass streams on. With
// `corrupt_proofs`, it changes a byte of every consistency proof.
class NoWatchProxy : public vitrine::v1::Log::Service {
 public:
  explicit NoWatchProxy(const std::string& target, bool corrupt_proofs = false)
      : stub_(vitrine::v1::Log::NewStub(
            grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))),
        corrupt_proofs_(corrupt_proofs) {}
  grpc::Status GetCheckpoint(grpc::ServerContext*,
                             const vitrine::v1::GetCheckpointRequest* request,
                             vitrine::v1::GetCheckpointResponse* response) override {
    return stub_->GetCheckpoint(Context().get(), *request, response);
  }
  grpc::Status GetConsistencyProof(
      grpc::ServerContext*, const vitrine::v1::GetConsistencyProofRequest* request,
      vitrine::v1::GetConsistencyProofResponse* response) override {
    grpc::Status status =
        stub_->GetConsistencyProof(Context().get(), *request, response);
    if (corrupt_proofs_ && response->proof_size() > 0) {
      (*response->mutable_proof(0))[0] ^= 1;
    }
    return status;
  }
  grpc::Status GetEntries(grpc::ServerContext*,
                          const vitrine::v1::GetEntriesRequest* request,
                          grpc::ServerWriter<vitrine::v1::Entry>* writer) override {
    std::unique_ptr<grpc::ClientContext> context = Context();
    auto reader = stub_->GetEntries(context.get(), *request);
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) writer->Write(entry);
    return reader->Finish();
  }

  // Starts serving on 127.0.0.1; returns its address.
  std::string Serve() {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    return absl::StrCat("127.0.0.1:", port);
  }
  ~NoWatchProxy() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    }
  }

 private:
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
  const bool corrupt_proofs_;
  std::unique_ptr<grpc::Server> server_;
};

class FollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = storage::testing::FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    config_.data = dir_ + "/log";
    config_.origin = std::string(kOrigin);
    config_.grpc_listen = "127.0.0.1:0";
    config_.http_listen = "127.0.0.1:0";
    config_.tile_cache_mib = 16;
    ASSERT_OK_AND_ASSIGN(server::LogIdentity identity,
                         server::InitLogData(config_));
    log_vkey_ = identity.verifier_key;
    acme_ = MakeVendor("example.com/acme", 1);
    tools_ = MakeVendor("example.org/tools", 2);
    stranger_ = MakeVendor("example.com/stranger", 3);
    // The log accepts all three; the monitor knows only acme and tools.
    std::ofstream(config_.VendorsPath())
        << acme_.vkey << "\n" << tools_.vkey << "\n" << stranger_.vkey << "\n";
    monitor_vendors_ = dir_ + "/monitor-vendors";
    std::ofstream(monitor_vendors_) << acme_.vkey << "\n" << tools_.vkey << "\n";
    StartLog();
  }

  void TearDown() override {
    follower_.reset();
    if (log_ != nullptr) log_->Shutdown();
  }

  void StartLog() {
    ASSERT_OK_AND_ASSIGN(log_, server::LogServer::Start(config_));
    stub_ = vitrine::v1::Log::NewStub(grpc::CreateChannel(
        log_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  void StopLog() {
    log_->Shutdown();
    log_.reset();
  }

  std::string Statement(const Vendor& vendor, int i) {
    note::Statement statement{vendor.name, absl::StrCat("tool-", i),
                              absl::StrCat("1.", i),
                              merkle::HashLeaf(absl::StrCat(vendor.name, i)),
                              {}};
    return note::SignStatement(statement, *vendor.signer).value();
  }

  // Adds statements `first`.. of `vendor`, all accepted.
  void Add(const Vendor& vendor, int first, int n) {
    vitrine::v1::AddRequest request;
    for (int i = first; i < first + n; ++i) {
      request.add_statements(Statement(vendor, i));
    }
    vitrine::v1::AddResponse response;
    grpc::Status status = stub_->Add(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& result : response.results()) {
      ASSERT_TRUE(result.has_bundle()) << result.error().message();
    }
  }

  // Adds `leaves` (signed statements of any kind), all accepted.
  void AddLeaves(const std::vector<std::string>& leaves) {
    vitrine::v1::AddRequest request;
    for (const std::string& leaf : leaves) request.add_statements(leaf);
    vitrine::v1::AddResponse response;
    grpc::Status status = stub_->Add(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& result : response.results()) {
      ASSERT_TRUE(result.has_bundle()) << result.error().message();
    }
  }

  note::VerifiedCheckpoint LogHead() {
    vitrine::v1::GetCheckpointResponse response;
    EXPECT_TRUE(stub_->GetCheckpoint(Context().get(), {}, &response).ok());
    note::VerifierSet keys;
    EXPECT_OK(keys.Add(note::NewVerifier(log_vkey_).value()));
    return note::OpenCheckpoint(response.checkpoint().note(), kOrigin, keys)
        .value();
  }

  std::vector<std::string> LogEntries(uint64_t start, uint64_t end) {
    vitrine::v1::GetEntriesRequest request;
    request.set_start(start);
    request.set_end(end);
    std::unique_ptr<grpc::ClientContext> context = Context();
    auto reader = stub_->GetEntries(context.get(), request);
    std::vector<std::string> leaves;
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) leaves.push_back(entry.leaf());
    EXPECT_TRUE(reader->Finish().ok());
    return leaves;
  }

  void OpenCopy() {
    follower_.reset();
    copy_.reset();
    ASSERT_OK_AND_ASSIGN(copy_, VerifiedCopy::Open(dir_ + "/copy", log_vkey_));
  }

  FollowerOptions Options() {
    FollowerOptions options;
    options.target = log_->grpc_address();
    options.log_vkey = log_vkey_;
    options.vendor_keys_file = monitor_vendors_;
    options.entries_per_fetch = 7;  // several chunks per catch-up
    options.poll_interval = absl::Milliseconds(50);
    options.watch_retry_interval = absl::Milliseconds(200);
    options.deadline = absl::Seconds(10);
    options.monitor_name = "monitor.test";
    options.log_to_stderr = false;
    return options;
  }

  void StartFollower(FollowerOptions options) {
    ASSERT_OK_AND_ASSIGN(
        follower_,
        Follower::Create(std::move(options), copy_.get(), &alarm_,
                         [this](std::shared_ptr<const VerifiedHead> head) {
                           absl::MutexLock lock(&mu_);
                           heads_.push_back(head->checkpoint.size);
                         }));
    follower_->Start();
  }

  // Waits (up to 20 s) until the follower verified `size`.
  void WaitForSize(uint64_t size) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (follower_->stats().verified_size < size && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(follower_->stats().verified_size, size)
        << follower_->stats().last_error;
    ASSERT_EQ(copy_->Latest()->checkpoint.size, size);
  }

  // Checks that the copy holds exactly the log's entries and root.
  void ExpectCopyIsTheLog() {
    const note::VerifiedCheckpoint head = LogHead();
    const uint64_t size = head.checkpoint.size;
    EXPECT_EQ(copy_->Latest()->checkpoint.size, size);
    ASSERT_OK_AND_ASSIGN(merkle::Hash root, copy_->RootAt(size));
    EXPECT_EQ(root, head.checkpoint.root);
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> stored,
                         copy_->store().GetEntries(0, size));
    EXPECT_EQ(stored, LogEntries(0, size));
  }

  std::string dir_;
  server::LogConfig config_;
  std::string log_vkey_;
  Vendor acme_, tools_, stranger_;
  std::string monitor_vendors_;
  std::unique_ptr<server::LogServer> log_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
  RecordingAlarm alarm_;
  std::unique_ptr<VerifiedCopy> copy_;
  std::unique_ptr<Follower> follower_;
  absl::Mutex mu_;
  std::vector<uint64_t> heads_;
};

TEST_F(FollowerTest, FollowsTheLogAndCatchesUp) {
  Add(acme_, 0, 20);
  Add(tools_, 0, 10);
  OpenCopy();
  StartFollower(Options());
  WaitForSize(30);
  ExpectCopyIsTheLog();

  Add(acme_, 20, 25);  // arrives through the stream
  WaitForSize(55);
  ExpectCopyIsTheLog();
  const FollowerStats stats = follower_->stats();
  EXPECT_EQ(stats.entries_fetched, 55u);
  EXPECT_GE(stats.checkpoints_verified, 2u);
  EXPECT_EQ(stats.bad_grammar + stats.unknown_vendor + stats.bad_vendor_signature,
            0u);
  EXPECT_EQ(stats.evidence_raised, 0u);
  EXPECT_FALSE(stats.halted);
  EXPECT_TRUE(stats.watching);  // the stream brought the second checkpoint
  EXPECT_EQ(stats.last_error, "");
  EXPECT_TRUE(alarm_.raised().empty());
  {
    absl::MutexLock lock(&mu_);
    ASSERT_FALSE(heads_.empty());
    EXPECT_EQ(heads_.back(), 55u);
  }

  // Stop is prompt while the stream waits for the next checkpoint.
  const absl::Time start = absl::Now();
  follower_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(FollowerTest, RestartResumesWithoutDownloadingAgain) {
  Add(acme_, 0, 25);
  OpenCopy();
  StartFollower(Options());
  WaitForSize(25);
  EXPECT_EQ(follower_->stats().entries_fetched, 25u);

  follower_->Stop();
  OpenCopy();  // a new VerifiedCopy on the same path
  EXPECT_EQ(copy_->Latest()->checkpoint.size, 25u);
  Add(tools_, 0, 10);
  StartFollower(Options());
  WaitForSize(35);
  EXPECT_EQ(follower_->stats().entries_fetched, 10u);
  ExpectCopyIsTheLog();
}

TEST_F(FollowerTest, EntryChangedInTheLogsStorageIsOneEntriesMismatch) {
  Add(acme_, 0, 10);
  OpenCopy();
  StartFollower(Options());
  WaitForSize(10);
  const std::string verified_note = copy_->Latest()->signed_note;
  const std::vector<merkle::Hash> verified_range = copy_->RangeAt(10).value();
  follower_->Stop();
  follower_.reset();

  Add(acme_, 10, 5);  // signed at size 15, not yet seen by the monitor
  StopLog();
  // Change entry 12 behind the log's back (its tiles stay as signed).
  ASSERT_OK(storage::testing::OverwriteEntryForTest(config_.StorePath(), 12,
                                                    Statement(acme_, 99)));
  StartLog();
  Add(acme_, 15, 1);  // a new checkpoint, at 16, over the original tree

  StartFollower(Options());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (alarm_.raised().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  absl::SleepFor(absl::Milliseconds(300));  // a few more polls
  const std::vector<Evidence> raised = alarm_.raised();
  ASSERT_EQ(raised.size(), 1u);
  const Evidence& evidence = raised[0];
  EXPECT_EQ(evidence.kind(), Evidence::ENTRIES_MISMATCH);
  EXPECT_EQ(evidence.origin(), kOrigin);
  EXPECT_EQ(evidence.log_verifier_key(), log_vkey_);
  EXPECT_EQ(evidence.first_note(), verified_note);
  ASSERT_OK_AND_ASSIGN(
      note::VerifiedCheckpoint second,
      note::OpenCheckpoint(evidence.second_note(), kOrigin, copy_->log_keys()));
  EXPECT_EQ(second.checkpoint.size, 16u);
  EXPECT_EQ(second.checkpoint.root, LogHead().checkpoint.root);
  ASSERT_EQ(evidence.prefix_range_size(), static_cast<int>(verified_range.size()));
  for (size_t i = 0; i < verified_range.size(); ++i) {
    EXPECT_EQ(evidence.prefix_range(i), verified_range[i].AsStringView());
  }
  ASSERT_EQ(evidence.entries_size(), 6);
  EXPECT_EQ(evidence.entries(2), Statement(acme_, 99));
  EXPECT_EQ(evidence.observed_by(), "monitor.test");
  EXPECT_EQ(evidence.source(), log_->grpc_address());
  EXPECT_FALSE(evidence.observed_at().empty());
  EXPECT_NE(evidence.explanation().find("root mismatch"), std::string::npos);

  const FollowerStats stats = follower_->stats();
  EXPECT_EQ(stats.verified_size, 10u);
  EXPECT_EQ(copy_->Latest()->checkpoint.size, 10u);
  EXPECT_EQ(copy_->store().EntryCount(), 10u);
  EXPECT_EQ(stats.evidence_raised, 1u);
  EXPECT_TRUE(stats.halted);
  EXPECT_EQ(stats.failed_proofs, 0u);  // the log's tiles are the signed ones
}

TEST_F(FollowerTest, VendorWatchAndVendorsUnknownToTheMonitor) {
  Add(acme_, 0, 3);
  Add(stranger_, 0, 2);  // accepted by the log, unknown to the monitor
  Add(tools_, 0, 2);
  Add(acme_, 3, 1);
  OpenCopy();
  FollowerOptions options = Options();
  options.watched_vendors = {"example.com/acme"};
  options.vendor_watch_file = dir_ + "/acme.jsonl";
  StartFollower(options);
  WaitForSize(8);
  const FollowerStats stats = follower_->stats();
  EXPECT_EQ(stats.unknown_vendor, 2u);
  EXPECT_EQ(stats.bad_grammar, 0u);
  EXPECT_EQ(stats.bad_vendor_signature, 0u);
  EXPECT_EQ(stats.evidence_raised, 0u);

  std::ifstream in(dir_ + "/acme.jsonl");
  std::stringstream text;
  text << in.rdbuf();
  std::string expected;
  for (const auto& [index, i] : std::vector<std::pair<uint64_t, int>>{
           {0, 0}, {1, 1}, {2, 2}, {7, 3}}) {
    const std::string leaf = Statement(acme_, i);
    absl::StrAppend(
        &expected, "{\"origin\":\"", kOrigin, "\",\"index\":", index,
        ",\"vendor\":\"example.com/acme\",\"artifact\":\"tool-", i,
        "\",\"version\":\"1.", i, "\",\"sha256\":\"",
        merkle::HashLeaf(absl::StrCat("example.com/acme", i)).ToHex(),
        "\",\"leaf_hash\":\"", merkle::HashLeaf(leaf).ToHex(),
        "\",\"checkpoint_size\":8,\"kind\":\"release\"}\n");
  }
  EXPECT_EQ(text.str(), expected);
}

// The lines name the program that follows: vitrine-rebuilder follows with
// this same code.
TEST_F(FollowerTest, LinesOpenWithTheProgramsName) {
  Add(stranger_, 0, 1);  // unknown to the monitor: one line
  OpenCopy();
  FollowerOptions options = Options();
  options.log_to_stderr = true;
  options.program = "vitrine-rebuilder";
  ::testing::internal::CaptureStderr();
  StartFollower(options);
  WaitForSize(1);
  follower_->Stop();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.rfind(absl::StrCat("vitrine-rebuilder: ", kOrigin,
                                   ": entry 0: unknown_vendor: "),
                      0),
            0u)
      << err;
  EXPECT_EQ(err.find("vitrine-monitor"), std::string::npos) << err;
}

// Issue 15: rebuild statements go through the same audit, and the watch
// sees a trusted rebuilder contradict a release logged in an earlier
// checkpoint.
TEST_F(FollowerTest, RebuildStatementsAreCheckedAndContradictionsCounted) {
  const Vendor r1 = MakeVendor("rebuild.example/r1", 11);
  const Vendor r2 = MakeVendor("rebuild.example/r2", 12);
  const Vendor r3 = MakeVendor("rebuild.example/r3", 13);
  // The log admits all three rebuilders; the monitor trusts r1 and r2.
  StopLog();
  std::ofstream(config_.data + "/rebuilders")
      << r1.vkey << "\n" << r2.vkey << "\n" << r3.vkey << "\n";
  StartLog();
  const std::string monitor_rebuilders = dir_ + "/monitor-rebuilders";
  std::ofstream(monitor_rebuilders) << r1.vkey << "\n" << r2.vkey << "\n";

  const note::Statement release{"example.com/acme", "tool", "1.0",
                                merkle::HashLeaf("shipped"),
                                "https://git.example.com/acme"};
  AddLeaves({note::SignStatement(release, *acme_.signer).value()});
  OpenCopy();
  FollowerOptions options = Options();
  options.rebuilder_keys_file = monitor_rebuilders;
  options.watched_vendors = {"example.com/acme"};
  options.vendor_watch_file = dir_ + "/acme.jsonl";
  StartFollower(options);
  WaitForSize(1);

  auto rebuild = [&](const Vendor& rebuilder, absl::string_view binary) {
    return note::SignRebuildStatement(
               note::RebuildOf(release, rebuilder.name,
                               merkle::HashLeaf(binary)).value(),
               *rebuilder.signer)
        .value();
  };
  ::testing::internal::CaptureStderr();
  AddLeaves({rebuild(r1, "shipped"), rebuild(r2, "from-source"),
             rebuild(r3, "from-source")});
  WaitForSize(4);
  const std::string err = ::testing::internal::GetCapturedStderr();
  const FollowerStats stats = follower_->stats();
  EXPECT_EQ(stats.unknown_rebuilder, 1u);
  EXPECT_EQ(stats.bad_rebuilder_signature, 0u);
  EXPECT_EQ(stats.bad_grammar, 0u);
  EXPECT_EQ(stats.rebuild_mismatches, 1u);
  EXPECT_EQ(err,
            absl::StrCat("vitrine-monitor: ALARM: log ", kOrigin,
                         ": rebuild mismatch: rebuilder rebuild.example/r2 "
                         "(entry 2) rebuilt example.com/acme tool 1.0 from "
                         "https://git.example.com/acme and got sha256 ",
                         merkle::HashLeaf("from-source").ToHex(),
                         "; the release (entry 0) says ",
                         merkle::HashLeaf("shipped").ToHex(), "\n"));
  std::ifstream in(dir_ + "/acme.jsonl");
  std::vector<std::string> kinds;
  for (std::string line; std::getline(in, line);) {
    kinds.push_back(line.substr(line.rfind("\"kind\":")));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{
                       "\"kind\":\"release\"}", "\"kind\":\"rebuild\"}",
                       "\"kind\":\"rebuild\"}", "\"kind\":\"rebuild_mismatch\"}",
                       "\"kind\":\"rebuild\"}"}));
}

TEST_F(FollowerTest, PollsWhenTheStreamIsUnavailable) {
  NoWatchProxy proxy(log_->grpc_address());
  Add(acme_, 0, 5);
  OpenCopy();
  FollowerOptions options = Options();
  options.target = proxy.Serve();
  StartFollower(options);
  WaitForSize(5);
  Add(acme_, 5, 4);
  WaitForSize(9);
  ExpectCopyIsTheLog();
  EXPECT_EQ(follower_->stats().failed_proofs, 0u);
  follower_->Stop();
  EXPECT_FALSE(follower_->stats().watching);
}

TEST_F(FollowerTest, AFailedConsistencyProofIsCountedAndTheEntriesDecide) {
  NoWatchProxy proxy(log_->grpc_address(), /*corrupt_proofs=*/true);
  Add(acme_, 0, 5);
  OpenCopy();
  FollowerOptions options = Options();
  options.target = proxy.Serve();
  StartFollower(options);
  WaitForSize(5);
  Add(acme_, 5, 4);
  WaitForSize(9);  // the entries hash to the signed root: not evidence
  ExpectCopyIsTheLog();
  EXPECT_EQ(follower_->stats().failed_proofs, 1u);
  EXPECT_TRUE(alarm_.raised().empty());
}

// Checkpoints handed to Process directly, signed with the log's own key.

TEST_F(FollowerTest, BelowTheDiskReserveNoCatchUpStartsUntilSpaceIsBack) {
  Add(acme_, 0, 10);
  OpenCopy();
  std::atomic<uint64_t> free_bytes{10};
  DiskReserveOptions disk_options;
  disk_options.min_free_bytes = 50;
  disk_options.refresh = absl::ZeroDuration();
  disk_options.measure = [&](const std::string&) -> absl::StatusOr<DiskSpace> {
    return DiskSpace{free_bytes.load(), 1000};
  };
  DiskReserve disk(dir_, disk_options);
  FollowerOptions options = Options();
  options.disk = &disk;
  StartFollower(options);

  const std::string why =
      "RESOURCE_EXHAUSTED: disk nearly full: 10 bytes free on " + dir_ +
      ", reserve 50";
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (follower_->stats().last_error != why && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(follower_->stats().last_error, why);
  EXPECT_EQ(follower_->stats().entries_fetched, 0u);
  EXPECT_EQ(copy_->Latest()->checkpoint.size, 0u);

  free_bytes = 50;  // the next poll catches up
  WaitForSize(10);
  ExpectCopyIsTheLog();
}

class FollowerProcessTest : public FollowerTest {
 protected:
  std::string SignAsLog(uint64_t size, const merkle::Hash& root) {
    const std::string skey = note::ReadSignerKeyFile(config_.KeyPath()).value();
    std::unique_ptr<note::Signer> signer = note::NewSigner(skey).value();
    return note::SignCheckpoint(
               note::Checkpoint{std::string(kOrigin), size, root, {}}, *signer)
        .value();
  }

  void FollowTo(uint64_t size) {
    Add(acme_, 0, static_cast<int>(size));
    OpenCopy();
    ASSERT_OK_AND_ASSIGN(follower_, Follower::Create(Options(), copy_.get(),
                                                     &alarm_));
    vitrine::v1::GetCheckpointResponse response;
    ASSERT_TRUE(stub_->GetCheckpoint(Context().get(), {}, &response).ok());
    ASSERT_OK(follower_->Process(response.checkpoint().note()));
    ASSERT_EQ(copy_->Latest()->checkpoint.size, size);
  }
};

TEST_F(FollowerProcessTest, SameSizeOtherRoot) {
  FollowTo(6);
  const std::string head_note = copy_->Latest()->signed_note;
  const std::string forked = SignAsLog(6, merkle::HashLeaf("fork"));
  EXPECT_EQ(follower_->Process(forked).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(alarm_.raised().size(), 1u);
  const Evidence evidence = alarm_.raised()[0];
  EXPECT_EQ(evidence.kind(), Evidence::SAME_SIZE_DIFFERENT_ROOTS);
  EXPECT_EQ(evidence.first_note(), head_note);
  EXPECT_EQ(evidence.second_note(), forked);
  // Halted: nothing more is processed.
  EXPECT_EQ(follower_->Process(head_note).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(follower_->stats().halted);
  EXPECT_EQ(alarm_.raised().size(), 1u);
}

TEST_F(FollowerProcessTest, SmallerWithTheSameRootIsARollback) {
  FollowTo(6);
  const std::string head_note = copy_->Latest()->signed_note;
  const std::string older = SignAsLog(4, copy_->RootAt(4).value());
  EXPECT_EQ(follower_->Process(older).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(alarm_.raised().size(), 1u);
  const Evidence evidence = alarm_.raised()[0];
  EXPECT_EQ(evidence.kind(), Evidence::ROLLBACK);
  EXPECT_EQ(evidence.first_note(), head_note);
  EXPECT_EQ(evidence.second_note(), older);
}

TEST_F(FollowerProcessTest, SmallerWithAnotherRootIsInconsistent) {
  FollowTo(6);
  const std::string head_note = copy_->Latest()->signed_note;
  const std::string other = SignAsLog(4, merkle::HashLeaf("other"));
  EXPECT_EQ(follower_->Process(other).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(alarm_.raised().size(), 1u);
  const Evidence evidence = alarm_.raised()[0];
  EXPECT_EQ(evidence.kind(), Evidence::INCONSISTENT);
  EXPECT_EQ(evidence.first_note(), other);
  EXPECT_EQ(evidence.second_note(), head_note);
  EXPECT_EQ(evidence.prefix_root(), copy_->RootAt(4).value().AsStringView());
  const std::vector<merkle::Hash> proof = copy_->ConsistencyProof(4, 6).value();
  ASSERT_EQ(evidence.consistency_proof_size(), static_cast<int>(proof.size()));
  for (size_t i = 0; i < proof.size(); ++i) {
    EXPECT_EQ(evidence.consistency_proof(i), proof[i].AsStringView());
  }
}

TEST_F(FollowerProcessTest, ACheckpointNotSignedByTheLogIsRefusedNotEvidence) {
  FollowTo(3);
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey other,
                       note::GenerateKey(kOrigin, note::SignatureType::kEd25519));
  std::unique_ptr<note::Signer> signer = note::NewSigner(other.signer_key).value();
  const std::string forged =
      note::SignCheckpoint(
          note::Checkpoint{std::string(kOrigin), 3, merkle::HashLeaf("x"), {}},
          *signer)
          .value();
  EXPECT_EQ(follower_->Process(forged).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(follower_->Process("garbage").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(follower_->stats().bad_checkpoint_signatures, 2u);
  EXPECT_TRUE(alarm_.raised().empty());
  EXPECT_FALSE(follower_->stats().halted);
}

TEST_F(FollowerProcessTest, RefusesAGapAboveMaxPendingEntries) {
  // The 12 statements must commit as one batch (one checkpoint, at 12): on a
  // loaded machine a 1 ms batch delay can split them, and the follower then
  // rightly steps through the smaller signed checkpoint.
  StopLog();
  config_.batch_delay_ms = 200;
  StartLog();
  Add(acme_, 0, 12);
  OpenCopy();
  FollowerOptions options = Options();
  options.max_pending_entries = 10;
  ASSERT_OK_AND_ASSIGN(follower_,
                       Follower::Create(options, copy_.get(), &alarm_));
  vitrine::v1::GetCheckpointResponse response;
  ASSERT_TRUE(stub_->GetCheckpoint(Context().get(), {}, &response).ok());
  EXPECT_EQ(follower_->Process(response.checkpoint().note()).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(follower_->stats().entries_fetched, 0u);
}

TEST_F(FollowerProcessTest, CrossesALargeGapThroughSignedSteps) {
  // Four Adds, four checkpoints: 6, 12, 18, 24.
  for (int i = 0; i < 4; ++i) Add(acme_, i * 6, 6);
  OpenCopy();
  FollowerOptions options = Options();
  options.max_pending_entries = 10;
  ASSERT_OK_AND_ASSIGN(follower_, Follower::Create(options, copy_.get(), &alarm_));
  vitrine::v1::GetCheckpointResponse response;
  ASSERT_TRUE(stub_->GetCheckpoint(Context().get(), {}, &response).ok());
  ASSERT_OK(follower_->Process(response.checkpoint().note()));
  // 0 -> 6 -> 12 -> 18 (each the largest signed size within 10), then 24;
  // every entry fetched once.
  const FollowerStats stats = follower_->stats();
  EXPECT_EQ(stats.verified_size, 24u);
  EXPECT_EQ(stats.checkpoints_verified, 4u);
  EXPECT_EQ(stats.entries_fetched, 24u);
  EXPECT_EQ(copy_->Latest()->checkpoint.root, LogHead().checkpoint.root);
  EXPECT_TRUE(alarm_.raised().empty());
}

// Issue 14: the copy's disk fails (EIO from a fault-injecting file system).
TEST_F(FollowerProcessTest, AFailedCommitFetchesNothingMoreUntilTheCopyTakesWritesAgain) {
  auto faults = std::make_shared<storage::testing::IoFaults>();
  storage::StoreOptions store_options;
  store_options.file_system = storage::testing::NewFaultFileSystem(faults);
  VerifiedCopyOptions copy_options;
  copy_options.recovery_interval = absl::Milliseconds(100);
  ASSERT_OK_AND_ASSIGN(copy_, VerifiedCopy::Open(dir_ + "/copy", log_vkey_,
                                                 store_options, copy_options));
  ASSERT_OK_AND_ASSIGN(follower_, Follower::Create(Options(), copy_.get(), &alarm_));
  auto log_note = [&] {
    vitrine::v1::GetCheckpointResponse response;
    EXPECT_TRUE(stub_->GetCheckpoint(Context().get(), {}, &response).ok());
    return response.checkpoint().note();
  };
  Add(acme_, 0, 6);
  ASSERT_OK(follower_->Process(log_note()));

  // The commit of the next checkpoint fails: the monitor's trouble, said
  // as such, no evidence.
  Add(acme_, 6, 5);
  faults->wal_sync = true;
  faults->sst_write = true;  // and RocksDB cannot recover meanwhile
  const absl::Status failed = follower_->Process(log_note());
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_TRUE(absl::StrContains(failed.message(), "the verified copy takes no writes"))
      << failed;
  FollowerStats stats = follower_->stats();
  EXPECT_EQ(stats.copy_write_failure, failed.ToString());
  EXPECT_EQ(stats.verified_size, 6u);
  EXPECT_EQ(stats.entries_fetched, 11u);

  // Past recovery_interval the copy asks its store, which still fails:
  // nothing is fetched that could not be stored.
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_EQ(follower_->Process(log_note()).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(follower_->stats().entries_fetched, 11u);
  EXPECT_EQ(copy_->Latest()->checkpoint.size, 6u);

  // The disk is back: the same follower and copy catch up.
  faults->wal_sync = false;
  faults->sst_write = false;
  absl::SleepFor(absl::Milliseconds(150));
  ASSERT_OK(follower_->Process(log_note()));
  stats = follower_->stats();
  EXPECT_EQ(stats.verified_size, 11u);
  EXPECT_EQ(stats.copy_write_failure, "");
  EXPECT_EQ(stats.evidence_raised, 0u);
  EXPECT_TRUE(alarm_.raised().empty());
  ExpectCopyIsTheLog();
}

}  // namespace
}  // namespace vitrine::monitor
