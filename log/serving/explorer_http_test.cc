// The explorer's page and assets as written onto a response: bytes, types,
// the security headers on every answer, ETag -> 304, 404/405; and the page
// itself: no inline script or style (the CSP forbids them) and relative
// URLs only (a mirror serves it under a prefix).
#include "log/serving/explorer_http.h"

#include <string>

#include "absl/strings/match.h"
#include "common/http_front.h"
#include "gtest/gtest.h"

namespace vitrine::serving {
namespace {

constexpr absl::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

HttpResponse Get(absl::string_view path, std::string method = "GET",
                 std::string if_none_match = "") {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::string(path);
  request.target = request.path;
  if (!if_none_match.empty()) {
    request.headers.push_back({"if-none-match", if_none_match});
  }
  HttpResponse response;
  WriteExplorerReply(request, path, response);
  return response;
}

std::string Body(const HttpResponse& response) {
  return response.shared_body ? *response.shared_body : response.body;
}

std::string HeaderOf(const HttpResponse& response, absl::string_view name) {
  for (const auto& [k, v] : response.headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "<absent>";
}

void ExpectSecurityHeaders(const HttpResponse& response) {
  EXPECT_EQ(HeaderOf(response, "Content-Security-Policy"), kCsp);
  EXPECT_EQ(HeaderOf(response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(response, "Referrer-Policy"), "no-referrer");
}

TEST(ExplorerHttpTest, PathsItServes) {
  EXPECT_TRUE(IsExplorerPath("/"));
  EXPECT_TRUE(IsExplorerPath("/explorer/explorer.js"));
  EXPECT_TRUE(IsExplorerPath("/explorer/nope"));
  EXPECT_FALSE(IsExplorerPath(""));
  EXPECT_FALSE(IsExplorerPath("/index.html"));
  EXPECT_FALSE(IsExplorerPath("/checkpoint"));
  EXPECT_FALSE(IsExplorerPath("/api/v1/log"));
  EXPECT_FALSE(IsExplorerPath("/explorer"));
}

TEST(ExplorerHttpTest, ServesThePageAtTheRoot) {
  HttpResponse page = Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(HeaderOf(page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(page, "Cache-Control"), "no-cache");
  ExpectSecurityHeaders(page);
  const std::string html = Body(page);
  EXPECT_TRUE(absl::StartsWith(html, "<!doctype html>")) << html.substr(0, 40);
  EXPECT_TRUE(absl::StrContains(
      html, "<script src=\"explorer/verify.js\" defer></script>"));
  EXPECT_EQ(Body(Get("/explorer/index.html")), html);
}

TEST(ExplorerHttpTest, AssetsWithTheirTypes) {
  struct Case {
    const char* path;
    const char* type;
    const char* contains;
  } cases[] = {
      {"/explorer/explorer.js", "text/javascript; charset=utf-8",
       "api/v1/log"},
      {"/explorer/verify.js", "text/javascript; charset=utf-8",
       "function verifyInclusion"},
      {"/explorer/explorer.css", "text/css; charset=utf-8", ".verdict.ok"},
  };
  for (const Case& c : cases) {
    HttpResponse response = Get(c.path);
    EXPECT_EQ(response.status, 200) << c.path;
    EXPECT_EQ(HeaderOf(response, "Content-Type"), c.type) << c.path;
    EXPECT_TRUE(absl::StrContains(Body(response), c.contains)) << c.path;
    ExpectSecurityHeaders(response);
  }
}

TEST(ExplorerHttpTest, NoInlineCodeAndRelativeUrlsOnly) {
  const std::string html = Body(Get("/"));
  // Every <script> has a src; no <style> element, no style= attribute and
  // no on...= handler: the CSP would block them.
  size_t at = 0;
  int scripts = 0;
  while ((at = html.find("<script", at)) != std::string::npos) {
    EXPECT_EQ(html.compare(at, 13, "<script src=\""), 0) << html.substr(at, 40);
    ++at;
    ++scripts;
  }
  EXPECT_EQ(scripts, 2);
  EXPECT_FALSE(absl::StrContains(html, "<style"));
  EXPECT_FALSE(absl::StrContains(html, "style="));
  EXPECT_FALSE(absl::StrContains(html, " onclick="));
  EXPECT_FALSE(absl::StrContains(html, "src=\"/"));
  EXPECT_FALSE(absl::StrContains(html, "href=\"/"));
  EXPECT_FALSE(absl::StrContains(html, "http:"));
  EXPECT_FALSE(absl::StrContains(html, "https:"));
  // The script's API calls are relative too.
  const std::string js = Body(Get("/explorer/explorer.js"));
  EXPECT_TRUE(absl::StrContains(js, "getJSON('api/v1/log')"));
  EXPECT_FALSE(absl::StrContains(js, "'/api/"));
  EXPECT_FALSE(absl::StrContains(js, "`/api/"));
}

TEST(ExplorerHttpTest, EtagRevalidation) {
  HttpResponse page = Get("/");
  const std::string etag = HeaderOf(page, "ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;
  HttpResponse again = Get("/", "GET", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(Body(again), "");
  EXPECT_EQ(HeaderOf(again, "ETag"), etag);
  EXPECT_EQ(HeaderOf(again, "Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/", "GET", "\"0123\"").status, 200);
  // Each file has its own tag.
  EXPECT_NE(HeaderOf(Get("/explorer/explorer.js"), "ETag"), etag);
}

TEST(ExplorerHttpTest, HeadIsGet) {
  HttpResponse head = Get("/explorer/verify.js", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(HeaderOf(head, "ETag"), HeaderOf(Get("/explorer/verify.js"), "ETag"));
}

TEST(ExplorerHttpTest, Errors) {
  HttpResponse missing = Get("/explorer/nope.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Body(missing), "not found\n");
  EXPECT_EQ(HeaderOf(missing, "Cache-Control"), "no-store");
  ExpectSecurityHeaders(missing);

  HttpResponse post = Get("/", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(HeaderOf(post, "Cache-Control"), "no-store");
  ExpectSecurityHeaders(post);
}

}  // namespace
}  // namespace vitrine::serving
