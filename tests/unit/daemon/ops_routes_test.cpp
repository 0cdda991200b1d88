// /healthz, /readyz and /metrics on the edge's interface, over a real store
// and journal writer.
#include "routes/ops_routes.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "daemon/readiness.hpp"
#include "route_fixture.hpp"

namespace shiplog::daemon {
namespace {

using test::request;
using test::run;

class OpsRoutesTest : public test::DaemonParts {
  protected:
    http::Router router(std::function<http::Server::Stats()> edge_stats = {}) {
        http::Router r;
        add_ops_routes(r, OpsDeps{m_config, *m_intake, *m_store, *m_writer, m_metrics, m_clock,
                                  tables(), nullptr, std::move(edge_stats)});
        return r;
    }
};

TEST_F(OpsRoutesTest, HealthzIsAnsweredOnTheIoThreadAndReadyzOnAWorker) {
    auto r = router();
    auto health = run(r, request("GET", "/healthz", {}, "198.51.100.7"));
    EXPECT_EQ(health.response.status, 200);
    EXPECT_EQ(health.response.body, R"({"status":"ok"})");
    EXPECT_EQ(r.match("GET", "/healthz").route->execution, http::Execution::inline_io);
    EXPECT_EQ(r.match("GET", "/readyz").route->execution, http::Execution::worker);
    EXPECT_EQ(r.match("GET", "/metrics").route->execution, http::Execution::worker);

    auto ready = run(r, request("GET", "/readyz"));
    EXPECT_EQ(ready.response.status, 200);
    EXPECT_EQ(ready.response.body, R"({"status":"ready"})");
}

TEST_F(OpsRoutesTest, MetricsCarriesTheEdgeConnectionGauges) {
    http::Server::Stats stats;
    stats.open_connections = 17;
    stats.refused_connections = 4;
    stats.timed_out = 9;
    auto r = router([&stats] { return stats; });
    auto out = run(r, request("GET", "/metrics"));
    ASSERT_EQ(out.response.status, 200);
    EXPECT_EQ(out.response.content_type, "text/plain; version=0.0.4; charset=utf-8");
    const auto& body = out.response.body;
    for (const char* expected : {
             "# TYPE shiplog_http_open_connections gauge\nshiplog_http_open_connections 17\n",
             "# TYPE shiplog_http_refused_connections_total counter\n"
             "shiplog_http_refused_connections_total 4\n",
             "# TYPE shiplog_http_timed_out_total counter\nshiplog_http_timed_out_total 9\n",
             "# HELP shiplog_http_open_connections ",
             "# HELP shiplog_http_refused_connections_total ",
             "# HELP shiplog_http_timed_out_total ",
             "\nshiplog_ready 1\n",
             "# TYPE shiplog_dora_deploys gauge\n",
             "# TYPE shiplog_http_requests_total counter\n",
         })
        EXPECT_NE(body.find(expected), std::string::npos) << expected << "\n--- in:\n" << body;
    // Read at every scrape, not once.
    stats.open_connections = 2;
    auto later = run(r, request("GET", "/metrics"));
    EXPECT_NE(later.response.body.find("\nshiplog_http_open_connections 2\n"), std::string::npos);

    // Without the edge's figures (no server attached) the families are left out.
    auto bare = run(router(), request("GET", "/metrics"));
    EXPECT_EQ(bare.response.body.find("shiplog_http_open_connections"), std::string::npos);
    EXPECT_NE(bare.response.body.find("\nshiplog_ready 1\n"), std::string::npos);
}

TEST_F(OpsRoutesTest, MetricsCarriesDoraGaugesOfAStoredDeploy) {
    ASSERT_GT(registered(test::sha(5), "register_deploy:ops-1"), 0u);
    m_clock.advance(std::chrono::minutes{1});  // the window ends before "now"
    auto out = run(router(), request("GET", "/metrics"));
    EXPECT_NE(out.response.body.find("shiplog_dora_deploys{deployment=\"web-api\",environment="
                                     "\"production\",window=\"7d\"} 1\n"),
              std::string::npos)
        << out.response.body;
}

// The whole exposition, new families included, passes promtool's lint.
TEST_F(OpsRoutesTest, MetricsPassPromtoolCheck) {
    ASSERT_GT(registered(test::sha(6), "register_deploy:ops-2"), 0u);
    m_clock.advance(std::chrono::minutes{1});
    auto out = run(router([] { return http::Server::Stats{3, 1, 2}; }), request("GET", "/metrics"));
    ASSERT_EQ(out.response.status, 200);
    if (std::system("command -v promtool >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
    auto file = m_dir.write("metrics.txt", out.response.body);
    auto report = m_dir.path() / "promtool.out";
    std::string command =
        "promtool check metrics < '" + file.string() + "' > '" + report.string() + "' 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << testing::read_file(report);
}

// /readyz after a failed journal sync: the writer then refuses every write
// until a restart (storage/journal_writer.hpp), so the daemon must say it is
// not ready, and why, instead of answering 200 while every webhook gets 503.
class ReadyzSyncFailure : public OpsRoutesTest {
  protected:
    static constexpr const char* k_sync_error = "injected sync failure";
    void SetUp() override {
        storage::WriterOptions options;
        options.sync = []() -> Status { return fail(ErrorCode::io, k_sync_error); };
        start(base_config(), std::move(options));
    }
};

TEST_F(ReadyzSyncFailure, ReadyzIs503NamingTheSyncFailureOnceAWriteFailedToSync) {
    auto r = router();
    // Healthy before any write: nothing has been synced (or failed) yet.
    auto before = run(r, request("GET", "/readyz"));
    EXPECT_EQ(before.response.status, 200) << before.response.body;

    // One webhook delivery: committed, then its sync fails, so it is refused.
    auto posted = m_intake->submit(std::string(R"({"id":"e1","eventType":"git.push"})"),
                                   storage::EventSource::webhook, std::chrono::seconds{10});
    ASSERT_FALSE(posted);

    auto after = run(r, request("GET", "/readyz"));
    EXPECT_EQ(after.response.status, 503) << after.response.body;
    const auto& body = after.response.body;
    EXPECT_NE(body.find("\"status\":\"not ready\""), std::string::npos) << body;
    EXPECT_NE(body.find("journal sync failed"), std::string::npos) << body;
    EXPECT_NE(body.find(k_sync_error), std::string::npos) << body;
    EXPECT_NE(body.find("restarted"), std::string::npos) << body;

    // The same decision feeds the shiplog_ready gauge and STATUS= (store_ready).
    auto metrics = run(r, request("GET", "/metrics"));
    EXPECT_NE(metrics.response.body.find("\nshiplog_ready 0\n"), std::string::npos)
        << metrics.response.body;
    std::string reason;
    EXPECT_FALSE(store_ready(*m_store, *m_intake, reason));
    EXPECT_NE(reason.find(k_sync_error), std::string::npos) << reason;

    // /healthz stays 200: the process is alive, only writes are refused.
    EXPECT_EQ(run(r, request("GET", "/healthz")).response.status, 200);
}

}  // namespace
}  // namespace shiplog::daemon
