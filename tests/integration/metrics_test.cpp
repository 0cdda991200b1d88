// DORA metrics through the real daemon (SPEC §1, §3, §4, §5): pushes and
// register_deploy become deploys, /api/v1/metrics and `shiplog metrics
// --json` print the same hand-computed figures, and /metrics passes
// `promtool check metrics`.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "support/sha.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_api_token = "api-token-9b1e4c7d2a6f";

class MetricsTest : public ApiDaemonTest {
  protected:
    MetricsTest() : ApiDaemonTest(k_api_token) {}

    int register_deploy(const std::string& body) {
        auto c = daemon.client();
        httplib::Headers headers{{"Authorization", std::string("Bearer ") + k_api_token}};
        auto res = c.Post("/api/1/deployments/contoso/web-api/register_deploy", headers, body,
                          "application/json");
        return res ? res->status : -1;
    }

    // Deploys (hand-computed figures in the test below):
    //  1 push   2026-11-20T10:00Z sha 12, commits 11, 12 (lead 26 h each)
    //  2 push   2026-11-21T10:00Z sha 14, commits 13, 14 (lead 50 h each) -- rolled back by 4
    //  3 failed 2026-11-21T12:00Z sha 15 (register_deploy)                -- restored by 4 (22 h)
    //  4 rollback to sha 12 at 2026-11-22T10:00Z (restores 2 after 24 h)
    void record_history() {
        ASSERT_EQ(daemon.post_event(first_push())->body, R"({"status":"stored"})");
        ASSERT_EQ(daemon.post_event(second_push())->body, R"({"status":"stored"})");
        ASSERT_EQ(register_deploy(R"({"sha":")" + sha(15) +
                                  R"(","date":"2026-11-21T12:00:00Z","status":"failed"})"),
                  200);
        ASSERT_EQ(register_deploy(R"({"sha":")" + sha(12) + R"(","date":"2026-11-22T10:00:00Z"})"),
                  200);
    }
};

TEST_F(MetricsTest, ApiAndCliAgreeOnHandComputedFigures) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    record_history();

    const std::string expected =
        R"({"deployment":"web-api","environment":"production",)"
        R"("since":"2026-11-20T00:00:00Z","until":"2026-11-23T00:00:00Z",)"
        R"("deploys":3,"deploys_per_day":1.0,"deploy_days":3,)"
        R"("lead_time_seconds":{"median":136800,"p90":180000,"commits":4},)"
        R"("change_failure_rate":0.5,"time_to_restore_seconds":{"median":82800,"failures":2},)"
        // No pull requests: the four commits came straight to main. The
        // rollback (deploy 4) is 1 rework deploy of 3 succeeded; batches of
        // 2, 2 and 0 commits (all S), median 2.
        R"("lead_time_breakdown_seconds":{"coding":{"median":null,"p90":null},)"
        R"("pickup":{"median":null,"p90":null},"review":{"median":null,"p90":null},)"
        R"("deploy":{"median":null,"p90":null},"pull_requests":0,"direct_commits":4},)"
        R"("rework_rate":0.3333,"batch_size":{"median_commits":2,"S":3,"M":0,"L":0,"XL":0}})";
    auto api = api_get(
        "/api/v1/"
        "metrics?deployment=web-api&environment=production&since=2026-11-20&until=2026-11-23");
    ASSERT_TRUE(api);
    ASSERT_EQ(api->status, 200) << api->body;
    EXPECT_EQ(api->body, expected);

    auto cli_json = cli({"metrics", "--json", "--deployment", "web-api", "--environment",
                         "production", "--since", "2026-11-20", "--until", "2026-11-23T00:00:00Z"});
    EXPECT_EQ(cli_json.exit_code, 0) << cli_json.err;
    EXPECT_EQ(cli_json.out, api->body + "\n");

    // All deployments: echo fields null, same figures (one deployment configured).
    auto all = api_get("/api/v1/metrics?since=2026-11-20&until=2026-11-23");
    ASSERT_TRUE(all);
    auto cli_all = cli({"metrics", "--json", "--since", "2026-11-20", "--until", "2026-11-23"});
    EXPECT_EQ(cli_all.out, all->body + "\n");
    std::string expected_all = expected;
    expected_all.replace(0, expected_all.find(",\"since\""),
                         R"({"deployment":null,"environment":null)");
    EXPECT_EQ(all->body, expected_all);

    // An empty window: nulls, not zeros.
    auto empty = api_get("/api/v1/metrics?since=2026-10-01&until=2026-10-02");
    ASSERT_TRUE(empty);
    EXPECT_NE(
        empty->body.find(
            R"("lead_time_seconds":{"median":null,"p90":null,"commits":0},"change_failure_rate":null)"),
        std::string::npos)
        << empty->body;

    // The table and --explain trace figures to records.
    auto table = cli({"metrics", "--explain", "--since", "2026-11-20", "--until", "2026-11-23"});
    EXPECT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("change failure rate"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("web-api:production:2"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find(sha(13)), std::string::npos) << table.out;

    // Usage errors.
    auto bad = cli({"metrics", "--since", "yesterday"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("yesterday"), std::string::npos) << bad.err;
    auto reversed = cli({"metrics", "--since", "2026-11-23", "--until", "2026-11-20"});
    EXPECT_EQ(reversed.exit_code, 2);
    auto unknown = cli({"metrics", "--deployment", "no-such"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_EQ(api_status("/api/v1/metrics?since=yesterday"), 400);
    EXPECT_EQ(api_status("/api/v1/metrics?deployment=no-such"), 404);
    auto no_token = daemon.client().Get("/api/v1/metrics");
    ASSERT_TRUE(no_token);
    EXPECT_EQ(no_token->status, 401);
    EXPECT_EQ(daemon.stop(), 0);
}

TEST_F(MetricsTest, PrometheusExpositionHasDoraGaugesAndPassesPromtool) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    record_history();
    auto res = daemon.client().Get("/metrics");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    const auto& text = res->body;
    EXPECT_NE(text.find("# TYPE shiplog_dora_deploys gauge"), std::string::npos) << text;
    EXPECT_NE(
        text.find(
            R"(shiplog_dora_deploys{deployment="web-api",environment="production",window="7d"} )"),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find(
            R"(shiplog_dora_deploys{deployment="web-api",environment="production",window="30d"} )"),
        std::string::npos)
        << text;
    EXPECT_EQ(daemon.stop(), 0);

    if (std::system("command -v promtool >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
    auto file = daemon.dir().path() / "metrics.txt";
    std::ofstream(file) << text;
    auto out = daemon.dir().path() / "promtool.out";
    std::string command =
        "promtool check metrics < '" + file.string() + "' > '" + out.string() + "' 2>&1";
    int rc = std::system(command.c_str());
    std::ifstream in(out);
    std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << report;
}

}  // namespace
}  // namespace shiplog::testing
