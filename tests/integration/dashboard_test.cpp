// The dashboard's HTTP side through the real daemon (issue 10): GET / and
// /ui/* from the embedded assets (Content-Type, CSP, ETag/304, gzip), and the
// API additions it reads (/api/v1/hooks, since/until on /api/v1/deploys,
// /api/v1/deploys/{id}/pending). The page itself is tested in tests/e2e.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "event_builders.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_api_token = "api-token-dashboard-7f3e";

class DashboardTest : public ::testing::Test {
  protected:
    DashboardTest() : daemon(options()) {
        daemon.dir().write("api-token", std::string(k_api_token) + "\n");
    }

    static DaemonOptions options() {
        DaemonOptions o;
        o.extra_toml = "[api]\ntoken_file = \"api-token\"\n";
        return o;
    }

    httplib::Result get(const std::string& path, httplib::Headers headers = {}) {
        auto c = daemon.client();
        c.set_decompress(false);  // see the bytes as sent
        return c.Get(path.c_str(), headers);
    }

    httplib::Result api_get(const std::string& path) {
        return get(path, {{"Authorization", std::string("Bearer ") + k_api_token},
                          {"Accept-Encoding", "identity"}});
    }

    DaemonHarness daemon;
};

TEST_F(DashboardTest, ServesThePageWithStrictHeaders) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto page = get("/", {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_FALSE(page->has_header("Content-Encoding"));
    auto csp = page->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
    EXPECT_NE(page->body.find(R"(<script type="module" src="/ui/app.js">)"), std::string::npos);
    // No reference to any other host.
    EXPECT_EQ(page->body.find("http://"), std::string::npos);
    EXPECT_EQ(page->body.find("https://"), std::string::npos);

    auto etag = page->get_header_value("ETag");
    ASSERT_FALSE(etag.empty());
    auto again = get("/", {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304);
    EXPECT_TRUE(again->body.empty());

    auto js = get("/ui/app.js", {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(js);
    EXPECT_EQ(js->status, 200);
    EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_NE(js->get_header_value("ETag"), etag);

    EXPECT_EQ(get("/ui/missing.js")->status, 404);
    EXPECT_EQ(get("/ui/../api/v1/metrics")->status, 404);
}

TEST_F(DashboardTest, ServesGzipOnlyToClientsThatAcceptIt) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto plain = get("/ui/chart.min.js", {{"Accept-Encoding", "identity"}});
    auto zipped = get("/ui/chart.min.js", {{"Accept-Encoding", "gzip, deflate, br"}});
    auto refused = get("/ui/chart.min.js", {{"Accept-Encoding", "gzip;q=0"}});
    ASSERT_TRUE(plain && zipped && refused);
    EXPECT_EQ(plain->status, 200);
    EXPECT_NE(plain->body.find("Chart.js"), std::string::npos);
    EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
    EXPECT_EQ(zipped->get_header_value("Vary"), "Accept-Encoding");
    ASSERT_GE(zipped->body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(zipped->body[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(zipped->body[1]), 0x8b);
    EXPECT_LT(zipped->body.size(), plain->body.size() / 2);
    EXPECT_FALSE(refused->has_header("Content-Encoding"));
    EXPECT_EQ(refused->body, plain->body);
}

TEST_F(DashboardTest, HooksEndpointNeedsTheTokenAndReportsTheLastPushPerRepository) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    EXPECT_EQ(get("/api/v1/hooks")->status, 401);
    ASSERT_EQ(daemon.post_event(push_event("p1", 1, 0, 1, {1}, "2026-11-20T10:00:00Z"))->status,
              200);

    // The hook sync worker runs once at start; without [azure_devops] it
    // records "not_configured" (poll: it runs on its own thread).
    std::string body;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    do {
        auto r = api_get("/api/v1/hooks");
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        body = r->body;
        if (body.find(R"("state":"not_configured")") != std::string::npos) break;
        std::this_thread::yield();
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_NE(body.find(R"("state":"not_configured")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("subscriptions":[])"), std::string::npos) << body;
    EXPECT_NE(
        body.find(
            R"("project":"Contoso","repository":"web-api","deployments":["web-api:production"])"),
        std::string::npos)
        << body;
    EXPECT_NE(body.find(R"("last_push_at":"2026-11-20T10:00:00Z")"), std::string::npos) << body;
    EXPECT_EQ(body.find(R"("last_push_received_at":null)"), std::string::npos) << body;
    EXPECT_EQ(body.find("password"), std::string::npos) << body;
}

TEST_F(DashboardTest, DeploysTakeSinceAndUntilAndPendingLookUpsAreListed) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    ASSERT_EQ(daemon.post_event(push_event("p1", 1, 0, 1, {1}, "2026-11-10T10:00:00Z"))->status,
              200);
    ASSERT_EQ(daemon.post_event(push_event("p2", 2, 1, 2, {2}, "2026-11-12T10:00:00Z"))->status,
              200);
    ASSERT_EQ(daemon.post_event(push_event("p3", 3, 2, 3, {3}, "2026-11-14T10:00:00Z"))->status,
              200);

    auto all = api_get("/api/v1/deploys");
    auto window = api_get("/api/v1/deploys?since=2026-11-11&until=2026-11-14T10:00:00Z");
    auto limited = api_get("/api/v1/deploys?since=2026-11-11&limit=1");
    ASSERT_TRUE(all && window && limited);
    EXPECT_NE(all->body.find("2026-11-10T10:00:00Z"), std::string::npos) << all->body;
    EXPECT_EQ(window->status, 200);
    EXPECT_NE(window->body.find("2026-11-12T10:00:00Z"), std::string::npos) << window->body;
    EXPECT_EQ(window->body.find("2026-11-10T10:00:00Z"), std::string::npos) << window->body;
    EXPECT_EQ(window->body.find("2026-11-14T10:00:00Z"), std::string::npos)
        << "until is exclusive: " << window->body;
    EXPECT_NE(limited->body.find("2026-11-14T10:00:00Z"), std::string::npos) << limited->body;
    EXPECT_EQ(limited->body.find("2026-11-12T10:00:00Z"), std::string::npos) << limited->body;
    EXPECT_EQ(api_get("/api/v1/deploys?since=yesterday")->status, 400);

    // A push whose old tip no recorded push produced leaves a gap in the
    // chain: the deploy waits for a commits_between look-up over REST.
    ASSERT_EQ(daemon.post_event(push_event("p4", 4, 77, 4, {4}, "2026-11-15T10:00:00Z"))->status,
              200);
    auto pending = api_get("/api/v1/deploys/web-api:production:4/pending");
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->status, 200) << pending->body;
    EXPECT_NE(pending->body.find(R"("kind":"commits_between")"), std::string::npos)
        << pending->body;
    auto complete = api_get("/api/v1/deploys/web-api:production:2/pending");
    ASSERT_TRUE(complete);
    EXPECT_EQ(complete->body, "[]");
    EXPECT_EQ(api_get("/api/v1/deploys/web-api:production:999/pending")->status, 404);
    EXPECT_EQ(get("/api/v1/deploys/web-api:production:1/pending")->status, 401);
}

}  // namespace
}  // namespace shiplog::testing
