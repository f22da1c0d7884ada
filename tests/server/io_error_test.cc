// EIO injected on a sync and on a read (issue 14): the same outcome as for
// a full disk. A real LogService over gRPC (127.0.0.1, port 0) in this
// process, on a real sequencer and a real RocksDB whose file system
// (log/storage/testing/fault_file_system.h) fails fdatasync of the
// write-ahead log, writes of table files or reads of them while a switch
// is on.
//
// Checked throughout: nothing aborts; writes are refused with UNAVAILABLE
// and a message naming the I/O error; reads of the last published state
// are answered, or refused with UNAVAILABLE when they need the failing
// disk, never with wrong data; every acknowledged entry is there with an
// inclusion proof that verifies; once the fault is cleared the same
// process takes writes again; and no tree size is ever seen with two roots
// (every checkpoint any client got, from bundles, proofs and GetCheckpoint,
// is compared per size). A WAL that fails while no memtable holds data can
// be replaced only by reopening the store: the store does that in place.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"
#include "log/sequencer/sequencer.h"
#include "log/server/log_service.h"
#include "log/server/log_service_testing.h"
#include "log/server/rate_limiter.h"
#include "log/server/vendor_registry.h"
#include "log/storage/store.h"
#include "log/storage/testing/fault_file_system.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::tests {
namespace {

using merkle::Hash;
using server::testing::ClientContext;
using server::testing::MakeVendor;
using server::testing::TestVendor;

constexpr absl::string_view kOrigin = "example.com/io-error-log";
constexpr char kEio[] = "Input/output error";

// One Add call's outcome per statement.
struct Outcome {
  bool ok = false;
  vitrine::v1::Bundle bundle;
  int code = 0;
  std::string message;
};

class IoErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", test->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    log_key_ =
        note::GenerateKey(kOrigin, note::SignatureType::kEd25519).value();
    log_verifier_ = note::NewVerifier(log_key_.verifier_key).value();
    ASSERT_OK(log_keys_.Add(log_verifier_));
    vendor_ = MakeVendor("example.com/acme", 1);
    std::ofstream(dir_ + "/vendors") << vendor_.verifier_key << "\n";
    faults_ = std::make_shared<storage::testing::IoFaults>();
  }

  // Opens the store on the fault-injecting file system with `options`'
  // caches and serves it.
  void StartLog(storage::StoreOptions options) {
    options.path = dir_ + "/store";
    options.file_system = storage::testing::NewFaultFileSystem(faults_);
    ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(options));
    sequencer::SequencerOptions sequencer_options;
    sequencer_options.verify_full_tiles_on_start = false;
    ASSERT_OK_AND_ASSIGN(
        sequencer_,
        sequencer::Sequencer::Start(
            store_.get(), note::NewSigner(log_key_.signer_key).value(),
            log_verifier_, sequencer_options));
    ASSERT_OK_AND_ASSIGN(registry_,
                         server::VendorRegistry::Open(dir_ + "/vendors"));
    ASSERT_OK_AND_ASSIGN(limiter_,
                         server::RateLimiter::Create({.rate_per_second = 0}));
    service_ = std::make_unique<server::LogService>(
        store_.get(), sequencer_.get(), registry_.get(), limiter_.get(),
        &metrics_, server::ServiceLimits{});
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = vitrine::v1::Log::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override { StopLog(); }

  void StopLog() {
    if (service_ != nullptr) service_->Shutdown();
    if (server_ != nullptr) {
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    }
    if (sequencer_ != nullptr) sequencer_->Stop();
    server_.reset();
    service_.reset();
    sequencer_.reset();
    store_.reset();  // closes RocksDB: must not abort after the faults
  }

  std::string Statement(int i) const {
    note::Statement statement{vendor_.name, absl::StrCat("tool-", i), "1.0",
                              merkle::HashLeaf(absl::StrCat("artifact ", i)),
                              std::nullopt};
    return note::SignStatement(statement, *vendor_.signer).value();
  }

  // Adds statements [first, first + n) in one call. Records every
  // acknowledged one and every checkpoint seen; checks each bundle.
  std::vector<Outcome> Add(int first, int n) {
    vitrine::v1::AddRequest request;
    for (int i = first; i < first + n; ++i) {
      request.add_statements(Statement(i));
    }
    vitrine::v1::AddResponse response;
    const grpc::Status status =
        stub_->Add(ClientContext().get(), request, &response);
    std::vector<Outcome> outcomes(n);
    if (!status.ok()) {
      for (Outcome& o : outcomes) {
        o.code = status.error_code();
        o.message = status.error_message();
      }
      return outcomes;
    }
    EXPECT_EQ(response.results_size(), n);
    for (int k = 0; k < response.results_size() && k < n; ++k) {
      const vitrine::v1::AddResult& result = response.results(k);
      Outcome& o = outcomes[k];
      if (result.has_bundle()) {
        o.ok = true;
        o.bundle = result.bundle();
        EXPECT_EQ(o.bundle.statement(), request.statements(k));
        CheckInclusion(o.bundle.leaf_index(), o.bundle.statement(),
                       o.bundle.checkpoint(), o.bundle.inclusion_proof());
        std::lock_guard<std::mutex> lock(mu_);
        acked_[o.bundle.leaf_index()] = o.bundle.statement();
      } else {
        o.code = result.error().code();
        o.message = result.error().message();
      }
    }
    return outcomes;
  }

  // Opens `signed_note` as the log's checkpoint and records its root for
  // its size, failing the test if that size was seen with another root.
  note::Checkpoint Saw(const std::string& signed_note) {
    absl::StatusOr<note::VerifiedCheckpoint> opened =
        note::OpenCheckpoint(signed_note, kOrigin, log_keys_);
    EXPECT_OK(opened);
    if (!opened.ok()) return {};
    const note::Checkpoint& c = opened->checkpoint;
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, added] = roots_.emplace(c.size, c.root);
    EXPECT_EQ(it->second, c.root) << "tree size " << c.size << " has two roots";
    return c;
  }

  template <typename Proof>
  void CheckInclusion(uint64_t index, const std::string& leaf,
                      const std::string& signed_note, const Proof& proof) {
    const note::Checkpoint checkpoint = Saw(signed_note);
    std::vector<Hash> hashes;
    for (const std::string& h : proof) {
      hashes.push_back(Hash::FromBytes(h).value());
    }
    EXPECT_OK(merkle::VerifyInclusion(index, checkpoint.size,
                                      merkle::HashLeaf(leaf), hashes,
                                      checkpoint.root))
        << "index " << index;
  }

  // The latest checkpoint (or the one at most `at_most` when not 0).
  grpc::Status GetCheckpoint(note::Checkpoint* checkpoint,
                             std::string* signed_note = nullptr,
                             uint64_t at_most = 0) {
    vitrine::v1::GetCheckpointRequest request;
    request.set_at_most_size(at_most);
    vitrine::v1::GetCheckpointResponse response;
    grpc::Status status =
        stub_->GetCheckpoint(ClientContext().get(), request, &response);
    if (status.ok()) {
      *checkpoint = Saw(response.checkpoint().note());
      if (signed_note != nullptr) *signed_note = response.checkpoint().note();
    }
    return status;
  }

  grpc::Status InclusionProof(uint64_t index, uint64_t size) {
    vitrine::v1::GetInclusionProofRequest request;
    request.set_leaf_index(index);
    request.set_tree_size(size);
    vitrine::v1::GetInclusionProofResponse response;
    grpc::Status status =
        stub_->GetInclusionProof(ClientContext().get(), request, &response);
    if (status.ok()) {
      std::string leaf;
      {
        std::lock_guard<std::mutex> lock(mu_);
        leaf = acked_.at(index);
      }
      CheckInclusion(index, leaf, response.checkpoint().note(),
                     response.proof());
    }
    return status;
  }

  grpc::Status Entries(uint64_t begin, uint64_t end,
                       std::vector<std::string>* leaves) {
    vitrine::v1::GetEntriesRequest request;
    request.set_start(begin);
    request.set_end(end);
    std::unique_ptr<grpc::ClientContext> context = ClientContext();
    auto reader = stub_->GetEntries(context.get(), request);
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) leaves->push_back(entry.leaf());
    return reader->Finish();
  }

  grpc::Status ConsistencyProof(uint64_t old_size, uint64_t new_size) {
    vitrine::v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    request.set_new_size(new_size);
    vitrine::v1::GetConsistencyProofResponse response;
    grpc::Status status =
        stub_->GetConsistencyProof(ClientContext().get(), request, &response);
    if (status.ok()) {
      Hash old_root, new_root;
      {
        std::lock_guard<std::mutex> lock(mu_);
        old_root = roots_.at(old_size);
        new_root = roots_.at(new_size);
      }
      std::vector<Hash> proof;
      for (const std::string& h : response.proof()) {
        proof.push_back(Hash::FromBytes(h).value());
      }
      EXPECT_OK(merkle::VerifyConsistency(old_size, new_size, old_root,
                                          new_root, proof));
    }
    return status;
  }

  // Checks the whole log as a monitor would: the latest checkpoint holds
  // every acknowledged entry at its index, each with a verifying inclusion
  // proof, and is consistent with every smaller size seen. Returns its size.
  uint64_t VerifyWholeLog() {
    note::Checkpoint head;
    EXPECT_TRUE(GetCheckpoint(&head).ok());
    std::map<uint64_t, std::string> acked;
    std::vector<uint64_t> sizes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      acked = acked_;
      for (const auto& [size, root] : roots_) sizes.push_back(size);
    }
    std::vector<std::string> leaves;
    for (uint64_t begin = 0; begin < head.size; begin += 1000) {
      const grpc::Status s =
          Entries(begin, std::min<uint64_t>(head.size, begin + 1000), &leaves);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    EXPECT_EQ(leaves.size(), head.size);
    for (const auto& [index, leaf] : acked) {
      if (index >= leaves.size()) {
        ADD_FAILURE() << "acknowledged index " << index << " is not logged";
        continue;
      }
      EXPECT_EQ(leaves[index], leaf) << "index " << index;
      const grpc::Status s = InclusionProof(index, head.size);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    for (uint64_t size : sizes) {
      if (size == 0 || size >= head.size) continue;
      const grpc::Status s = ConsistencyProof(size, head.size);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return head.size;
  }

  // Adds one new statement at a time until one is taken (the log resumes
  // by itself: the first refused Add asks it to try, at most once a
  // second). Returns whether one was taken before the deadline.
  bool AddUntilTaken(int* next, absl::Duration timeout, std::string* last) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      const Outcome o = Add((*next)++, 1).front();
      if (o.ok) return true;
      *last = absl::StrCat("code ", o.code, ": ", o.message);
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  size_t acked_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }

  std::string dir_;
  note::GeneratedKey log_key_;
  std::shared_ptr<const note::Verifier> log_verifier_;
  note::VerifierSet log_keys_;
  TestVendor vendor_;
  std::shared_ptr<storage::testing::IoFaults> faults_;

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sequencer::Sequencer> sequencer_;
  std::unique_ptr<server::VendorRegistry> registry_;
  std::unique_ptr<server::RateLimiter> limiter_;
  MetricsRegistry metrics_;
  std::unique_ptr<server::LogService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;

  std::mutex mu_;
  std::map<uint64_t, std::string> acked_;  // index -> statement
  std::map<uint64_t, Hash> roots_;         // every size seen -> its root
};

TEST_F(IoErrorTest, EioOnTheWalSyncStopsWritesKeepsReadsAndResumes) {
  storage::StoreOptions options;
  options.tile_cache_tiles = 256;
  options.block_cache_bytes = 8 << 20;
  StartLog(options);
  if (HasFatalFailure()) return;

  // Four clients add 20 statements a call; the WAL's fdatasync starts
  // failing under them. Each stops after its third refused call.
  std::atomic<int> next{0};
  std::mutex errors_mu;
  std::vector<Outcome> errors;
  std::atomic<int> refused_while_off{0};
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      int refused_calls = 0;
      while (refused_calls < 3 && absl::Now() < deadline) {
        bool refused = false;
        for (Outcome& o : Add(next.fetch_add(20), 20)) {
          if (o.ok) continue;
          refused = true;
          if (!faults_->wal_sync.load()) ++refused_while_off;
          std::lock_guard<std::mutex> lock(errors_mu);
          errors.push_back(std::move(o));
        }
        if (refused) ++refused_calls;
      }
    });
  }
  while (acked_count() < 400 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  faults_->wal_sync = true;
  for (std::thread& client : clients) client.join();

  EXPECT_GT(faults_->injected.load(), 0u);
  EXPECT_EQ(refused_while_off.load(), 0);
  ASSERT_FALSE(errors.empty()) << "no Add was refused";
  for (const Outcome& o : errors) {
    EXPECT_EQ(o.code, grpc::StatusCode::UNAVAILABLE) << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, "commit of tree size"))
        << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, "IO error")) << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, kEio)) << o.message;
  }

  // Reads of the last published state go on while the disk fails.
  const uint64_t acked_before = acked_count();
  ASSERT_GE(acked_before, 400u);
  note::Checkpoint head;
  std::string head_note;
  ASSERT_TRUE(GetCheckpoint(&head, &head_note).ok());
  EXPECT_EQ(head.size, acked_before);  // every entry logged was acknowledged
  EXPECT_EQ(VerifyWholeLog(), acked_before);
  std::string still;
  int probe = next.fetch_add(1000);
  EXPECT_FALSE(AddUntilTaken(&probe, absl::Seconds(2), &still));
  EXPECT_TRUE(absl::StrContains(still, kEio)) << still;

  // The disk is back: the same process takes writes again, by itself.
  faults_->wal_sync = false;
  int after = next.load();
  std::string refused;
  ASSERT_TRUE(AddUntilTaken(&after, absl::Seconds(30), &refused))
      << "writes never resumed; last refusal: " << refused;
  next = after;
  clients.clear();
  std::atomic<int> failed_after{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        for (const Outcome& o : Add(next.fetch_add(20), 20)) {
          if (!o.ok) {
            ++failed_after;
            ADD_FAILURE() << "after resuming: code " << o.code << ": "
                          << o.message;
          }
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(failed_after.load(), 0);

  // Everything acknowledged, before and after, is there and proves; the
  // checkpoint published before the fault is still the one for its size.
  EXPECT_GE(VerifyWholeLog(), acked_count());
  note::Checkpoint then;
  std::string then_note;
  ASSERT_TRUE(GetCheckpoint(&then, &then_note, head.size).ok());
  EXPECT_EQ(then_note, head_note);
}

// The same when no memtable holds data (right after opening, a full flush
// as a backup does, or a resume): RocksDB 7.8 can then move to a new
// write-ahead log only by reopening the store, and the next write to the
// failed one would abort the process. The store reopens itself in place:
// the same process takes writes again, nothing acknowledged is lost, and
// a restart later finds the same log.
TEST_F(IoErrorTest, EioOnTheWalSyncWithEmptyMemtablesReopensTheStoreInPlace) {
  StartLog(storage::StoreOptions{});
  if (HasFatalFailure()) return;
  int next = 0;
  for (const Outcome& o : Add(next, 50)) ASSERT_TRUE(o.ok) << o.message;
  next += 50;
  ASSERT_OK(store_->Flush());
  note::Checkpoint head;
  std::string head_note;
  ASSERT_TRUE(GetCheckpoint(&head, &head_note).ok());

  faults_->wal_sync = true;
  for (const Outcome& o : Add(next, 10)) {
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.code, grpc::StatusCode::UNAVAILABLE) << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, kEio)) << o.message;
  }
  next += 10;
  EXPECT_GT(faults_->injected.load(), 0u);

  // Cleared, the same process takes writes again (the store reopened).
  faults_->wal_sync = false;
  std::string refused;
  ASSERT_TRUE(AddUntilTaken(&next, absl::Seconds(30), &refused))
      << "writes never resumed; last refusal: " << refused;
  for (const Outcome& o : Add(next, 20)) EXPECT_TRUE(o.ok) << o.message;
  next += 20;
  EXPECT_GE(VerifyWholeLog(), head.size + 21);
  {
    note::Checkpoint now;
    std::string now_note;
    ASSERT_TRUE(GetCheckpoint(&now, &now_note, head.size).ok());
    EXPECT_EQ(now_note, head_note);
  }

  StopLog();
  StartLog(storage::StoreOptions{});
  if (HasFatalFailure()) return;
  for (const Outcome& o : Add(next, 50)) EXPECT_TRUE(o.ok) << o.message;
  next += 50;
  EXPECT_GE(VerifyWholeLog(), head.size + 50);
  note::Checkpoint then;
  std::string then_note;
  ASSERT_TRUE(GetCheckpoint(&then, &then_note, head.size).ok());
  EXPECT_EQ(then_note, head_note);
}

// EIO while a flush writes a table file: RocksDB stops taking writes; the
// log refuses Adds with the reason, serves reads, and resumes by itself.
TEST_F(IoErrorTest, EioWritingATableFileStopsWritesAndResumes) {
  StartLog(storage::StoreOptions{});
  if (HasFatalFailure()) return;
  int next = 0;
  for (const Outcome& o : Add(next, 50)) ASSERT_TRUE(o.ok) << o.message;
  next += 50;

  faults_->sst_write = true;
  EXPECT_THAT(store_->Flush(),
              vitrine::testing::StatusIs(absl::StatusCode::kUnavailable, kEio));
  EXPECT_GT(faults_->injected.load(), 0u);
  for (const Outcome& o : Add(next, 10)) {
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.code, grpc::StatusCode::UNAVAILABLE) << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, "commit of tree size"))
        << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, kEio)) << o.message;
  }
  next += 10;
  EXPECT_EQ(VerifyWholeLog(), 50u);

  faults_->sst_write = false;
  std::string refused;
  ASSERT_TRUE(AddUntilTaken(&next, absl::Seconds(30), &refused))
      << "writes never resumed; last refusal: " << refused;
  for (const Outcome& o : Add(next, 50)) EXPECT_TRUE(o.ok) << o.message;
  next += 50;
  EXPECT_GE(VerifyWholeLog(), 101u);
}

TEST_F(IoErrorTest, EioOnTableReadsFailsReadsCleanlyAndRecovers) {
  // No tile cache and no block cache: every proof and entry read goes to
  // the table files.
  storage::StoreOptions options;
  options.tile_cache_tiles = 0;
  options.block_cache_bytes = 0;
  StartLog(options);
  if (HasFatalFailure()) return;

  int next = 0;
  for (int call = 0; call < 6; ++call) {
    for (const Outcome& o : Add(next, 100)) {
      ASSERT_TRUE(o.ok) << o.message;
    }
    next += 100;
  }
  // Everything in table files, nothing in memtables.
  ASSERT_OK(store_->Flush());
  note::Checkpoint head;
  std::string head_note;
  ASSERT_TRUE(GetCheckpoint(&head, &head_note).ok());
  ASSERT_EQ(head.size, 600u);

  faults_->sst_read = true;
  // The latest checkpoint is the published state, in memory: answered.
  note::Checkpoint during;
  std::string during_note;
  ASSERT_TRUE(GetCheckpoint(&during, &during_note).ok());
  EXPECT_EQ(during_note, head_note);
  // Reads that need the disk are refused with the I/O error, never
  // answered with wrong data.
  const auto expect_eio = [](const grpc::Status& status, const char* what) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << what << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), kEio))
        << what << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), ".sst"))
        << what << ": " << status.error_message();
  };
  std::vector<std::string> leaves;
  expect_eio(Entries(0, 10, &leaves), "GetEntries");
  EXPECT_TRUE(leaves.empty());
  expect_eio(InclusionProof(5, head.size), "GetInclusionProof");
  expect_eio(ConsistencyProof(100, head.size), "GetConsistencyProof");
  {
    vitrine::v1::GetBundleRequest request;
    request.set_leaf_index(5);
    vitrine::v1::Bundle bundle;
    expect_eio(stub_->GetBundle(ClientContext().get(), request, &bundle),
               "GetBundle");
  }
  {
    note::Checkpoint older;
    expect_eio(GetCheckpoint(&older, nullptr, 300), "GetCheckpoint at 300");
  }
  // Writes that need reads fail the same way: a statement already logged
  // (its index is read to answer it) and new ones (the tiles they extend
  // are read to check the commit).
  for (const Outcome& o : Add(5, 1)) {
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.code, grpc::StatusCode::UNAVAILABLE) << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, kEio)) << o.message;
  }
  for (const Outcome& o : Add(next, 10)) {
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.code, grpc::StatusCode::UNAVAILABLE) << o.message;
    EXPECT_TRUE(absl::StrContains(o.message, kEio)) << o.message;
  }
  next += 10;
  EXPECT_GT(faults_->injected.load(), 0u);
  // Those failed before anything was written: writes are not stopped.
  EXPECT_OK(sequencer_->health());
  ASSERT_TRUE(GetCheckpoint(&during, &during_note).ok());
  EXPECT_EQ(during_note, head_note);

  // The disk reads again: writes resume in the same process, and the
  // whole tree verifies.
  faults_->sst_read = false;
  std::string refused;
  ASSERT_TRUE(AddUntilTaken(&next, absl::Seconds(30), &refused))
      << "writes never resumed; last refusal: " << refused;
  for (const Outcome& o : Add(next, 100)) EXPECT_TRUE(o.ok) << o.message;
  next += 100;
  EXPECT_GE(VerifyWholeLog(), 701u);
  note::Checkpoint then;
  std::string then_note;
  ASSERT_TRUE(GetCheckpoint(&then, &then_note, head.size).ok());
  EXPECT_EQ(then_note, head_note);
}

}  // namespace
}  // namespace vitrine::tests
