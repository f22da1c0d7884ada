#include "monitor/server/status_http.h"

#include <httplib.h>

#include <atomic>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::monitor {
namespace {

TEST(StatusHttpTest, ServesMetricsAndHealth) {
  std::atomic<bool> healthy{true};
  StatusHttp::Handlers handlers;
  handlers.metrics = [] { return std::string("vitrine_monitor_up 1\n"); };
  handlers.health = [&] {
    return healthy ? Health{true, "ok\n"} : Health{false, "alarm: example.com/log\n"};
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StatusHttp> http,
                       StatusHttp::Start("127.0.0.1", 0, handlers));
  httplib::Client client("127.0.0.1", http->port());

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body, "vitrine_monitor_up 1\n");
  EXPECT_EQ(metrics->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");

  auto ok = client.Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "ok\n");
  healthy = false;
  auto alarm = client.Get("/healthz");
  ASSERT_TRUE(alarm);
  EXPECT_EQ(alarm->status, 503);
  EXPECT_EQ(alarm->body, "alarm: example.com/log\n");

  auto missing = client.Get("/checkpoint");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto post = client.Post("/metrics", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  // A request with a body is refused by the front before any handler.
  auto with_body = client.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(with_body);
  EXPECT_EQ(with_body->status, 400);
  http->Stop();
  http->Stop();
}

TEST(StatusHttpTest, BusyPortIsUnavailable) {
  StatusHttp::Handlers handlers{[] { return std::string(); }, [] { return Health{}; }};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StatusHttp> first,
                       StatusHttp::Start("127.0.0.1", 0, handlers));
  EXPECT_THAT(StatusHttp::Start("127.0.0.1", first->port(), handlers),
              ::vitrine::testing::StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace vitrine::monitor
