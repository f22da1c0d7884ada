// The child of crash_test: runs a sequencer over the store in --data and
// appends from several threads as fast as it can, writing one line per
// acknowledged entry to stdout ("ack <index> <leaf hash hex>"), until it is
// killed. Every line it wrote is a promise: that entry is durable at that
// index. It exits by itself after --seconds, so a lost parent leaves nothing.
//
//   crash_appender --data DIR --run 3 [--threads 4] [--seconds 30]
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "log/merkle/hash.h"
#include "log/note/ed25519.h"
#include "log/sequencer/sequencer.h"
#include "log/storage/store.h"
#include "tests/crash/crash_log_key.h"

namespace vitrine::tests {
namespace {

absl::Mutex stdout_mu;

// write(2) straight to the pipe: no stdio buffer may hold an ack back.
void WriteLine(const std::string& line) {
  absl::MutexLock lock(&stdout_mu);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) _exit(3);  // the parent is gone
    done += static_cast<size_t>(n);
  }
}

int Run(const std::string& data, int run, int threads, int seconds) {
  auto store = storage::Store::Open({.path = data});
  if (!store.ok()) {
    std::fprintf(stderr, "crash_appender: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto signer = CrashLogSigner();
  auto verifier = CrashLogVerifier();
  if (!signer.ok() || !verifier.ok()) return 1;
  sequencer::SequencerOptions options;
  options.max_batch = 512;
  auto seq = sequencer::Sequencer::Start(store->get(), *std::move(signer),
                                         *verifier, options);
  if (!seq.ok()) {
    std::fprintf(stderr, "crash_appender: %s\n", seq.status().ToString().c_str());
    return 1;
  }
  WriteLine("started\n");

  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      // A bounded window of outstanding Adds per thread keeps the queue busy
      // without tripping back-pressure.
      std::atomic<int> outstanding{0};
      for (uint64_t i = 0; absl::Now() < deadline; ++i) {
        while (outstanding.load() >= 64) absl::SleepFor(absl::Microseconds(50));
        std::string leaf = absl::StrCat("crash-run", run, "-t", t, "-", i);
        merkle::Hash leaf_hash = merkle::HashLeaf(leaf);
        outstanding.fetch_add(1);
        (*seq)->Add({.leaf = leaf, .artifact_digest = std::nullopt},
                    [&outstanding, leaf_hash](
                        absl::StatusOr<sequencer::AddResult> result) {
                      if (result.ok()) {
                        WriteLine(absl::StrCat("ack ", result->index, " ",
                                               leaf_hash.ToHex(), "\n"));
                      }
                      outstanding.fetch_sub(1);
                    });
      }
      while (outstanding.load() > 0) absl::SleepFor(absl::Milliseconds(1));
    });
  }
  for (auto& w : workers) w.join();
  (*seq)->Stop();
  return 0;
}

}  // namespace
}  // namespace vitrine::tests

int main(int argc, char** argv) {
  std::string data;
  int run = 0, threads = 4, seconds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char* value = argv[i + 1];
    bool ok = true;
    if (flag == "--data") data = value;
    else if (flag == "--run") ok = absl::SimpleAtoi(value, &run);
    else if (flag == "--threads") ok = absl::SimpleAtoi(value, &threads);
    else if (flag == "--seconds") ok = absl::SimpleAtoi(value, &seconds);
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "crash_appender: bad flag %s\n", argv[i]);
      return 2;
    }
  }
  if (data.empty() || threads < 1 || seconds < 1) {
    std::fprintf(stderr, "usage: crash_appender --data DIR --run N [--threads T] [--seconds S]\n");
    return 2;
  }
  return vitrine::tests::Run(data, run, threads, seconds);
}
