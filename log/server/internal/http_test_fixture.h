// The fixture of the HTTP server tests: a real store in TEST_TMPDIR, a
// sequencer with a fresh log key, and an HttpServer on 127.0.0.1 read with
// httplib::Client. Tests only; not thread-safe.
#ifndef VITRINE_LOG_SERVER_INTERNAL_HTTP_TEST_FIXTURE_H_
#define VITRINE_LOG_SERVER_INTERNAL_HTTP_TEST_FIXTURE_H_

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "common/metrics.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/sequencer/sequencer.h"
#include "log/sequencer/sequencer_testing.h"
#include "log/server/http_server.h"

namespace vitrine::server::testing {

inline constexpr absl::string_view kImmutable =
    "public, max-age=31536000, immutable";

inline std::string Leaf(uint64_t i) {
  return absl::StrCat("release statement ", i);
}

class HttpServerFixture : public sequencer::testing::SequencerFixture {
 protected:
  void SetUp() override {
    SequencerFixture::SetUp();
    ASSERT_OK_AND_ASSIGN(sequencer_, StartSequencer());
  }

  void TearDown() override {
    // The client's keep-alive connection first (Stop would close it anyway).
    client_.reset();
    // The server reads through the sequencer and the store: it goes first.
    if (http_ != nullptr) http_->Stop();
    http_.reset();
    sequencer_.reset();
  }

  void StartHttp(HttpOptions options = {}) {
    ASSERT_OK_AND_ASSIGN(http_, HttpServer::Start(options, store_.get(),
                                                  sequencer_.get(), &metrics_));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());
    client_->set_keep_alive(true);  // one connection, so counts are in order
  }

  // Appends leaves [first, first + n) through the sequencer, in batches.
  void AddLeaves(uint64_t first, uint64_t n) {
    constexpr uint64_t kChunk = 4096;  // the sequencer's default max_batch
    for (uint64_t begin = first; begin < first + n; begin += kChunk) {
      const uint64_t end = std::min(first + n, begin + kChunk);
      absl::BlockingCounter done(static_cast<int>(end - begin));
      std::atomic<int> failures{0};
      for (uint64_t i = begin; i < end; ++i) {
        sequencer_->Add({Leaf(i), std::nullopt},
                        [&](absl::StatusOr<sequencer::AddResult> result) {
                          if (!result.ok()) ++failures;
                          done.DecrementCount();
                        });
      }
      done.Wait();
      ASSERT_EQ(failures, 0);
    }
    ASSERT_EQ(sequencer_->Published()->checkpoint.size, first + n);
  }

  httplib::Result Get(const std::string& path) {
    return client_->Get(path.c_str());
  }

  // Expects a 404 for `path`.
  void ExpectNotFound(const std::string& path) {
    httplib::Result r = Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store") << path;
  }

  MetricsRegistry metrics_;
  std::unique_ptr<sequencer::Sequencer> sequencer_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace vitrine::server::testing

#endif  // VITRINE_LOG_SERVER_INTERNAL_HTTP_TEST_FIXTURE_H_
