// Crash test of the durable append path (issue 4): a child process
// (crash_appender) appends under load and reports every acknowledged
// (index, leaf hash) on a pipe; this test kills it with SIGKILL at random
// moments, 20 times, restarting it on the same store each time. After each
// kill it opens the store itself and checks that:
//   - every acknowledged entry is at its acknowledged index;
//   - the root recomputed from all stored entries equals the latest signed
//     checkpoint's root (and the tiles agree);
//   - every checkpoint seen so far is consistent with the newest, and the
//     checkpoint stored for its size is still byte for byte the one seen.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/ed25519.h"
#include "log/note/note.h"
#include "log/storage/store.h"
#include "tests/crash/crash_log_key.h"

namespace vitrine::tests {
namespace {

constexpr int kKills = 20;

struct Seen {
  note::Checkpoint checkpoint;
  std::string signed_note;
};

std::string AppenderPath() {
  return std::string(std::getenv("TEST_SRCDIR")) +
         "/vitrine/tests/crash/crash_appender";
}

// Starts the child with its stdout on a pipe; returns its pid and the read
// end of the pipe.
std::pair<pid_t, int> StartAppender(const std::string& data, int run) {
  int fds[2];
  if (pipe(fds) != 0) return {-1, -1};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::string run_text = std::to_string(run);
    execl(AppenderPath().c_str(), "crash_appender", "--data", data.c_str(),
          "--run", run_text.c_str(), "--threads", "4", "--seconds", "30",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

// Reads everything the (now dead) child wrote; returns its ack lines.
std::vector<std::string> DrainLines(int fd) {
  std::string text;
  char buffer[1 << 16];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  close(fd);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  // A line cut by the kill carries no promise: drop the unterminated tail.
  lines.pop_back();
  return lines;
}

note::VerifierSet CrashLogKeys() {
  note::VerifierSet keys;
  auto verifier = CrashLogVerifier();
  if (verifier.ok()) (void)keys.Add(*verifier);
  return keys;
}

TEST(CrashTest, AcknowledgedEntriesSurviveSigkillAtRandomMoments) {
  const std::string data = std::string(std::getenv("TEST_TMPDIR")) + "/log";
  const note::VerifierSet log_keys = CrashLogKeys();
  ASSERT_EQ(log_keys.size(), 1u);
  absl::BitGen random;
  std::map<uint64_t, std::string> acked;  // index -> leaf hash hex
  std::vector<Seen> seen;
  int kills_after_acks = 0;

  for (int run = 0; run < kKills; ++run) {
    auto [pid, fd] = StartAppender(data, run);
    ASSERT_GT(pid, 0);
    // Sometimes during startup, mostly under load.
    absl::SleepFor(absl::Milliseconds(absl::Uniform(random, 5, 400)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "crash_appender exited on its own with status "
        << WEXITSTATUS(wstatus) << " (see the test log for its stderr)";

    size_t acks_this_run = 0;
    for (const std::string& line : DrainLines(fd)) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() != 3 || parts[0] != "ack") continue;
      uint64_t index;
      ASSERT_TRUE(absl::SimpleAtoi(parts[1], &index)) << line;
      auto [it, inserted] = acked.emplace(index, parts[2]);
      ASSERT_TRUE(inserted || it->second == parts[2])
          << "index " << index << " acknowledged for two different leaves";
      ++acks_this_run;
    }
    if (acks_this_run > 0) ++kills_after_acks;

    // The child is dead: its RocksDB lock is released and we can look.
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> store,
                         storage::Store::Open({.path = data}));
    ASSERT_OK_AND_ASSIGN(std::optional<storage::StoredCheckpoint> latest,
                         store->LatestCheckpoint());
    if (!latest.has_value()) {
      ASSERT_TRUE(acked.empty()) << "entries acknowledged but no checkpoint";
      continue;  // killed before the first checkpoint was committed
    }
    ASSERT_OK_AND_ASSIGN(
        note::VerifiedCheckpoint verified,
        note::OpenCheckpoint(latest->signed_note, kCrashLogOrigin, log_keys));
    const note::Checkpoint& head = verified.checkpoint;
    ASSERT_EQ(head.size, latest->size);

    // Every acknowledged entry is at its acknowledged index, in the tree.
    for (const auto& [index, leaf_hash_hex] : acked) {
      ASSERT_LT(index, head.size) << "acknowledged index beyond the checkpoint";
      ASSERT_OK_AND_ASSIGN(std::string leaf, store->GetEntry(index));
      ASSERT_EQ(merkle::HashLeaf(leaf).ToHex(), leaf_hash_hex)
          << "run " << run << ": entry " << index << " changed";
    }

    // The root recomputed from every stored entry, and from the tiles,
    // equals the signed root.
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> leaves,
                         store->GetEntries(0, head.size));
    merkle::CompactRange range;
    for (const std::string& leaf : leaves) range.Append(merkle::HashLeaf(leaf));
    ASSERT_EQ(range.Root(), head.root) << "run " << run;
    ASSERT_OK_AND_ASSIGN(merkle::Hash tile_root,
                         merkle::TreeRoot(head.size, store->hash_reader()));
    ASSERT_EQ(tile_root, head.root);

    // Every checkpoint seen before is consistent with this one, and its
    // size still has exactly the note that was seen.
    for (const Seen& old : seen) {
      ASSERT_LE(old.checkpoint.size, head.size) << "the log went back";
      ASSERT_OK_AND_ASSIGN(std::string stored,
                           store->CheckpointAt(old.checkpoint.size));
      ASSERT_EQ(stored, old.signed_note)
          << "two heads for size " << old.checkpoint.size;
      ASSERT_OK_AND_ASSIGN(
          std::vector<merkle::Hash> proof,
          merkle::ConsistencyProof(old.checkpoint.size, head.size,
                                   store->hash_reader()));
      ASSERT_OK(merkle::VerifyConsistency(old.checkpoint.size, head.size,
                                          old.checkpoint.root, head.root,
                                          proof));
    }
    seen.push_back({head, latest->signed_note});
  }
  // The kills must have landed under load, not only during startup.
  EXPECT_GE(kills_after_acks, kKills / 2);
  EXPECT_GT(acked.size(), 1000u);
  std::printf("crash test: %d kills (%d under load), %zu acknowledged entries "
              "checked, final size %llu\n",
              kKills, kills_after_acks, acked.size(),
              static_cast<unsigned long long>(seen.empty() ? 0 : seen.back().checkpoint.size));
}

}  // namespace
}  // namespace vitrine::tests
