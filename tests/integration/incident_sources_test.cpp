// Incidents from outside Azure Boards through the real daemon: register_impact
// (Sleuth's path shapes, stored / duplicate / ignored, 401 before 404) and
// Azure Monitor alerts (common alert schema fixtures, Basic auth), counted in
// the metrics like any incident and listed by `shiplog incidents` and
// /api/v1/incidents; and environment drift in the CLI and the API.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "event_builders.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_api_token = "api-token-4d8e1f0a7c3b";

std::string read_fixture(const std::string& name) {
    std::ifstream in(std::filesystem::path(SHIPLOG_TEST_FIXTURES) / "azure-monitor" / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class IncidentSourcesTest : public ApiDaemonTest {
  protected:
    IncidentSourcesTest() : ApiDaemonTest(k_api_token, sources_toml()) {}

    static std::string sources_toml() {
        return "[[deployment]]\nname = \"shop\"\nenvironment = \"staging\"\nproject = \"Contoso\"\n"
               "repository = \"web-api\"\ntrigger = \"manual\"\n\n"
               "[[deployment]]\nname = \"shop\"\nenvironment = \"production\"\nproject = "
               "\"Contoso\"\nrepository = \"web-api\"\ntrigger = \"manual\"\n\n"
               "[[incident_source]]\nname = \"pager\"\nkind = \"api\"\ndeployment = \"web-api\"\n"
               "environment = \"production\"\n\n"
               "[[incident_source]]\nname = \"alerts\"\nkind = \"azure-monitor\"\n"
               "deployment = \"web-api\"\nenvironment = \"production\"\n";
    }

    void SetUp() override {
        ASSERT_TRUE(daemon.start());
        // Two web-api deploys: 2026-11-20T10:00Z and 2026-11-21T10:00Z.
        ASSERT_EQ(daemon.post_event(first_push())->body, R"({"status":"stored"})");
        ASSERT_EQ(daemon.post_event(second_push())->body, R"({"status":"stored"})");
    }

    // POST register_impact with the key in the path; {status, body}.
    std::pair<int, std::string> impact(const std::string& body, const std::string& source = "pager",
                                       const std::string& key = k_api_token) {
        auto c = daemon.client();
        auto res = c.Post(
            ("/api/1/deployments/contoso/web-api/production/" + source + "/register_impact/" + key)
                .c_str(),
            body, "application/json");
        if (!res) return {-1, ""};
        return {res->status, res->body};
    }

    std::pair<int, std::string> alert(const std::string& body, const std::string& source = "alerts",
                                      const std::string& password = k_webhook_password) {
        auto c = daemon.client();
        c.set_basic_auth(k_webhook_user, password);
        auto res = c.Post(("/hooks/azure-monitor/" + source).c_str(), body, "application/json");
        if (!res) return {-1, ""};
        return {res->status, res->body};
    }

    std::string api_body(const std::string& path) {
        auto res = api_get(path);
        EXPECT_TRUE(res);
        if (!res) return "";
        EXPECT_EQ(res->status, 200) << res->body;
        return res->body;
    }

    std::string metrics() {
        return api_body(
            "/api/v1/metrics?deployment=web-api&environment=production&since=2026-11-01&until="
            "2026-12-01");
    }
};

TEST_F(IncidentSourcesTest, RegisterImpactTriggeredThenResolvedCountsAsAnIncident) {
    const std::string before = metrics();
    EXPECT_NE(before.find("\"change_failure_rate\":0.0"), std::string::npos) << before;

    const std::string triggered =
        R"({"type":"triggered","id":"INC-7","date":"2026-11-21T11:00:00Z",)"
        R"("url":"https://status.example.com/7","title":"checkout down"})";
    EXPECT_EQ(impact(triggered), (std::pair<int, std::string>{200, R"({"status":"stored"})"}));
    // The same call again (Sleuth clients retry): nothing changes.
    EXPECT_EQ(impact(triggered), (std::pair<int, std::string>{200, R"({"status":"duplicate"})"}));
    // The header form of the path.
    {
        auto c = daemon.client();
        httplib::Headers headers{{"Authorization", std::string("apikey ") + k_api_token}};
        auto res =
            c.Post("/api/1/deployments/contoso/web-api/production/pager/register_impact", headers,
                   R"({"type":"resolved","id":"INC-7","date":"2026-11-21T15:00:00Z"})",
                   "application/json");
        ASSERT_TRUE(res);
        EXPECT_EQ(res->body, R"({"status":"stored"})");
    }
    const std::string after = metrics();
    // Deploy 2 (2026-11-21T10:00Z) is blamed: 1 of 2 changes failed, restored in 4 h.
    EXPECT_NE(after.find("\"change_failure_rate\":0.5"), std::string::npos) << after;
    EXPECT_NE(after.find("\"time_to_restore_seconds\":{\"median\":14400,\"failures\":1}"),
              std::string::npos)
        << after;

    // Listed with its source, times and blamed deploy, the same in the CLI and the API.
    const std::string listed =
        api_body("/api/v1/incidents?since=2026-11-01&until=2026-12-01&deployment=web-api");
    EXPECT_NE(listed.find(
                  R"({"id":"api:pager:INC-7","source":"pager","title":"checkout down",)"
                  R"("url":"https://status.example.com/7","opened_at":"2026-11-21T11:00:00Z",)"
                  R"("restored_at":"2026-11-21T15:00:00Z","blamed_deploys":["web-api:production:)"),
              std::string::npos)
        << listed;
    auto cli_listed = cli({"incidents", "--since", "2026-11-01", "--until", "2026-12-01",
                           "--deployment", "web-api", "--json"});
    EXPECT_EQ(cli_listed.exit_code, 0) << cli_listed.err;
    EXPECT_EQ(cli_listed.out, listed + "\n");
    // Another deployment's selection does not list it.
    EXPECT_EQ(api_body("/api/v1/incidents?since=2026-11-01&until=2026-12-01&deployment=shop"),
              "[]");
}

TEST_F(IncidentSourcesTest, RegisterImpactRefusals) {
    // resolved / reopened of an unknown id: journaled, "ignored".
    EXPECT_EQ(impact(R"({"type":"resolved","id":"never"})"),
              (std::pair<int, std::string>{200, R"({"status":"ignored"})"}));
    // Unknown source (or one of another kind): 404.
    EXPECT_EQ(impact(R"({"type":"triggered","id":"x"})", "nobody").first, 404);
    EXPECT_EQ(impact(R"({"type":"triggered","id":"x"})", "alerts").first, 404);
    // A wrong key: 401, before any 404 (no probing for names).
    EXPECT_EQ(impact(R"({"type":"triggered","id":"x"})", "pager", "wrong-key").first, 401);
    EXPECT_EQ(impact(R"({"type":"triggered","id":"x"})", "nobody", "wrong-key").first, 401);
    {
        auto c = daemon.client();
        auto res = c.Post("/api/1/deployments/contoso/web-api/production/pager/register_impact",
                          R"({"type":"triggered","id":"x"})", "application/json");
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 401);
    }
    // Bad bodies: 400 naming the field.
    auto bad_type = impact(R"({"type":"exploded","id":"x"})");
    EXPECT_EQ(bad_type.first, 400);
    EXPECT_NE(bad_type.second.find("type"), std::string::npos);
    EXPECT_EQ(impact(R"({"type":"triggered"})").first, 400);
    EXPECT_EQ(impact(R"({"type":"triggered","id":"x","date":"yesterday"})").first, 400);
    // The key in the path never reaches the log.
    ASSERT_TRUE(daemon.serve().process().wait_for_output("register_impact/***"));
    EXPECT_EQ(daemon.serve().process().output().find(k_api_token), std::string::npos);
}

TEST_F(IncidentSourcesTest, AzureMonitorFiredAndResolvedCountAsAnIncident) {
    const std::string fired = read_fixture("fired.json");
    const std::string resolved = read_fixture("resolved.json");
    ASSERT_FALSE(fired.empty());
    EXPECT_EQ(alert(fired), (std::pair<int, std::string>{200, R"({"status":"stored"})"}));
    EXPECT_EQ(alert(fired), (std::pair<int, std::string>{200, R"({"status":"duplicate"})"}));
    EXPECT_EQ(alert(resolved), (std::pair<int, std::string>{200, R"({"status":"stored"})"}));
    const std::string after = metrics();
    EXPECT_NE(after.find("\"change_failure_rate\":0.5"), std::string::npos) << after;
    EXPECT_NE(after.find("\"time_to_restore_seconds\":{\"median\":14399,\"failures\":1}"),
              std::string::npos)
        << after;
    const std::string listed = api_body("/api/v1/incidents?since=2026-11-01&until=2026-12-01");
    EXPECT_NE(
        listed.find(
            R"("id":"monitor:alerts:aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e","source":"alerts","title":"web-api 5xx rate")"),
        std::string::npos)
        << listed;

    EXPECT_EQ(alert(fired, "nobody").first, 404);
    EXPECT_EQ(alert(fired, "pager").first, 404);  // an api source takes no alerts
    EXPECT_EQ(alert(fired, "alerts", "wrong-password").first, 401);
    EXPECT_EQ(alert(fired, "nobody", "wrong-password").first, 401);
    EXPECT_EQ(alert(R"({"schemaId":"Microsoft.Insights/activityLogs","data":{}})").first, 400);
}

TEST_F(IncidentSourcesTest, DriftListsStagingCommitsNotYetInProductionInCliAndApi) {
    // Pushes p3..p5 put commits 15..17 on main after 12, 14.
    ASSERT_EQ(daemon.post_event(push_event("p3", 3, 14, 15, {15}, "2026-11-22T10:00:00Z"))->body,
              R"({"status":"stored"})");
    ASSERT_EQ(daemon.post_event(push_event("p4", 4, 15, 16, {16}, "2026-11-22T11:00:00Z"))->body,
              R"({"status":"stored"})");
    ASSERT_EQ(daemon.post_event(push_event("p5", 5, 16, 17, {17}, "2026-11-22T12:00:00Z"))->body,
              R"({"status":"stored"})");
    auto reg = [&](int n, const std::string& env, const std::string& date) {
        auto c = daemon.client();
        httplib::Headers headers{{"Authorization", std::string("Bearer ") + k_api_token}};
        auto res = c.Post("/api/1/deployments/contoso/shop/register_deploy", headers,
                          R"({"sha":")" + sha(n) + R"(","environment":")" + env + R"(","date":")" +
                              date + R"("})",
                          "application/json");
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 200) << res->body;
    };
    reg(12, "production", "2026-11-22T13:00:00Z");
    reg(12, "staging", "2026-11-22T13:05:00Z");
    reg(15, "staging", "2026-11-22T14:00:00Z");     // ships 13, 14, 15
    reg(14, "production", "2026-11-22T15:00:00Z");  // ships 13, 14
    reg(17, "staging", "2026-11-22T16:00:00Z");     // ships 16, 17

    const std::string api = api_body("/api/v1/drift?deployment=shop&from=staging&to=production");
    auto cli_json =
        cli({"drift", "--deployment", "shop", "--from", "staging", "--to", "production", "--json"});
    ASSERT_EQ(cli_json.exit_code, 0) << cli_json.err;
    // The same commits, oldest first (waiting times differ by the seconds between the calls).
    auto shas_of = [](const std::string& json) {
        std::vector<std::string> out;
        for (std::size_t at = json.find("{\"sha\":\""); at != std::string::npos;
             at = json.find("{\"sha\":\"", at + 1))
            out.push_back(json.substr(at + 8, 40));
        return out;
    };
    EXPECT_EQ(shas_of(api), (std::vector<std::string>{sha(15), sha(16), sha(17)})) << api;
    EXPECT_EQ(shas_of(cli_json.out), shas_of(api));
    EXPECT_NE(api.find(R"("from_sha":")" + sha(17) + R"(","to_sha":")" + sha(14) + "\""),
              std::string::npos)
        << api;
    EXPECT_NE(api.find(R"("deploy":"shop:staging:)"), std::string::npos);

    auto table = cli({"drift", "--deployment", "shop", "--from", "staging", "--to", "production"});
    EXPECT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("3 commit(s) in staging not yet in production"), std::string::npos)
        << table.out;
    // Unknown environment: usage error naming the choices; the API answers 404.
    auto unknown = cli({"drift", "--deployment", "shop", "--from", "staging", "--to", "qa"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("staging, production"), std::string::npos) << unknown.err;
    auto c = daemon.client();
    c.set_bearer_token_auth(k_api_token);
    auto res = c.Get("/api/v1/drift?deployment=shop&from=staging&to=qa");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
}

}  // namespace
}  // namespace shiplog::testing
