// The dashboard's static files on the edge's interface: the embedded assets
// with their security and caching headers, 304 on a matching ETag, the
// build-time gzip form when the client accepts it.
#include "routes/ui_routes.hpp"

#include <gtest/gtest.h>

#include <string>

#include "route_fixture.hpp"
#include "web/assets.hpp"

namespace shiplog::daemon {
namespace {

using test::header_of;
using test::request;
using test::run;

http::Router ui_router() {
    http::Router r;
    add_ui_routes(r);
    return r;
}

const web::Asset& asset(std::string_view path) {
    for (const auto& a : web::assets())
        if (a.path == path) return a;
    throw std::runtime_error("no asset " + std::string(path));
}

TEST(UiRoutes, RootServesTheDashboardHtmlOnTheIoThread) {
    auto r = ui_router();
    EXPECT_EQ(r.match("GET", "/").route->execution, http::Execution::inline_io);
    EXPECT_EQ(r.match("GET", "/ui/app.js").route->execution, http::Execution::inline_io);

    auto out = run(r, request("GET", "/", {}, "198.51.100.7"));
    ASSERT_TRUE(out.answered);
    EXPECT_EQ(out.response.status, 200);
    EXPECT_EQ(out.response.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(out.response.body, asset("/ui/index.html").identity);
    EXPECT_NE(out.response.body.find("<!doctype html>"), std::string::npos);
    EXPECT_EQ(header_of(out.response, "Content-Encoding"), "");
    EXPECT_EQ(header_of(out.response, "ETag"), asset("/ui/index.html").etag);
    EXPECT_EQ(header_of(out.response, "Cache-Control"), "no-cache");
    EXPECT_EQ(header_of(out.response, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header_of(out.response, "Vary"), "Accept-Encoding");
    EXPECT_NE(header_of(out.response, "Content-Security-Policy").find("default-src 'self'"),
              std::string::npos);
}

TEST(UiRoutes, MatchingEtagIs304WithoutBodyAndGzipIsTheBuildTimeForm) {
    auto r = ui_router();
    const auto& js = asset("/ui/app.js");
    auto cached = run(r, request("GET", "/ui/app.js", {{"If-None-Match", std::string(js.etag)}}));
    EXPECT_EQ(cached.response.status, 304);
    EXPECT_TRUE(cached.response.body.empty());
    EXPECT_EQ(header_of(cached.response, "ETag"), js.etag);

    auto stale = run(r, request("GET", "/ui/app.js", {{"If-None-Match", "\"other\""}}));
    EXPECT_EQ(stale.response.status, 200);
    EXPECT_EQ(stale.response.body, js.identity);

    auto gzip = run(r, request("GET", "/ui/app.js", {{"Accept-Encoding", "br, gzip"}}));
    EXPECT_EQ(gzip.response.status, 200);
    EXPECT_EQ(header_of(gzip.response, "Content-Encoding"), "gzip");
    EXPECT_EQ(gzip.response.body, js.gzip);
    EXPECT_EQ(gzip.response.content_type, js.content_type);

    auto refused = run(r, request("GET", "/ui/app.js", {{"Accept-Encoding", "gzip;q=0"}}));
    EXPECT_EQ(refused.response.body, js.identity);
}

TEST(UiRoutes, UnknownFileIs404Json) {
    auto r = ui_router();
    for (const char* path : {"/ui/nope.js", "/ui/%2e%2e"}) {
        auto out = run(r, request("GET", path));
        ASSERT_TRUE(out.routed) << path;
        EXPECT_EQ(out.response.status, 404) << path;
        EXPECT_EQ(out.response.body, R"({"error":"not found"})");
    }
    EXPECT_FALSE(r.match("GET", "/ui/a/b").route);
}

}  // namespace
}  // namespace shiplog::daemon
