// The /api/v1 routes the dashboard added: trend buckets that equal
// /api/v1/metrics per bucket, the deploy list's filters and cursor paging,
// and a deploy's details (origin, links into Azure DevOps). Real LMDB,
// real projector, registrations through the journal.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "common/time_format.hpp"
#include "route_fixture.hpp"
#include "routes/api_routes.hpp"

namespace shiplog::daemon {
namespace {

using test::request;
using test::run;

class DashboardApiTest : public test::DaemonParts {
  protected:
    http::Router router() {
        http::Router r;
        add_api_routes(r, ApiDeps{m_config, *m_intake, *m_store, tables(), m_clock, nullptr});
        return r;
    }

    // A registration of deployment web-api:production at `at`; returns the deploy id.
    std::string deploy(unsigned n, Timestamp at,
                       tracking::DeployStatus status = tracking::DeployStatus::succeeded) {
        tracking::RegisterDeploy r;
        r.deployment = "web-api";
        r.environment = "production";
        r.sha = test::sha(n);
        r.date = at;
        r.status = status;
        auto stored = m_intake->submit_record(
            "register_deploy:dash-" + std::to_string(++m_registrations),
            tracking::k_register_deploy_event_type, tracking::make_register_deploy_record(r),
            storage::EventSource::register_deploy, std::chrono::seconds{10});
        EXPECT_OK(stored);
        return "web-api:production:" + std::to_string(stored ? stored->seq : 0);
    }

    std::string get(const http::Router& r, const std::string& target, int status = 200) {
        auto out = run(r, request("GET", target));
        EXPECT_TRUE(out.answered) << target;
        EXPECT_EQ(out.response.status, status) << target << ": " << out.response.body;
        return out.response.body;
    }

    // The ids of a deploy list body, in order.
    static std::vector<std::string> ids(const std::string& body) {
        std::vector<std::string> out;
        for (auto at = body.find("{\"id\":\""); at != std::string::npos;
             at = body.find("{\"id\":\"", at + 1)) {
            const auto start = at + 7;
            out.push_back(body.substr(start, body.find('"', start) - start));
        }
        return out;
    }

    int m_registrations = 0;

    static Timestamp day(int n) {
        return Timestamp{std::chrono::seconds{1'795'000'000}} + std::chrono::days{n};
    }
};

TEST_F(DashboardApiTest, TrendBucketsEqualTheMetricsOfEachBucket) {
    deploy(1, day(0) + std::chrono::hours{2});
    deploy(2, day(3));
    deploy(3, day(8), tracking::DeployStatus::failed);
    deploy(4, day(9));
    deploy(5, day(16));
    deploy(1, day(17));  // a rollback to sha 1: 4 and 5 become failed changes
    auto r = router();
    const auto since = format_rfc3339(day(0));
    const auto until = format_rfc3339(day(20));
    const auto body = get(r, "/api/v1/metrics/trend?since=" + since + "&until=" + until);
    // Weeks from `since`; the last one ends at `until`.
    const std::vector<Timestamp> edges{day(0), day(7), day(14), day(20)};
    std::string expected = "\"bucket\":\"week\",\"buckets\":[";
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
        if (i) expected += ",";
        expected += get(r, "/api/v1/metrics?since=" + format_rfc3339(edges[i]) +
                               "&until=" + format_rfc3339(edges[i + 1]));
    }
    expected += "]}";
    ASSERT_GE(body.size(), expected.size());
    EXPECT_EQ(body.substr(body.size() - expected.size()), expected) << body;
    EXPECT_TRUE(body.starts_with("{\"deployment\":null,\"environment\":null,\"since\":\"" + since +
                                 "\",\"until\":\"" + until + "\""))
        << body;
    // The figures are really there: the failed deploy is in week 2.
    EXPECT_NE(body.find("\"deploys\":2"), std::string::npos) << body;

    // Filtered the same way as /api/v1/metrics.
    const auto one =
        get(r, "/api/v1/metrics/trend?deployment=web-api&environment=production&since=" + since +
                   "&until=" + until);
    EXPECT_TRUE(one.starts_with("{\"deployment\":\"web-api\",\"environment\":\"production\""))
        << one;
    get(r, "/api/v1/metrics/trend?deployment=no-such", 404);
    get(r, "/api/v1/metrics/trend?bucket=day", 400);
    get(r, "/api/v1/metrics/trend?since=2010-01-01&until=2026-01-01", 400);  // > 400 weeks
}

TEST_F(DashboardApiTest, MonthBucketsFollowTheCalendarAndClampTheDay) {
    auto r = router();
    const auto body =
        get(r, "/api/v1/metrics/trend?since=2026-01-31&until=2026-04-15&bucket=month");
    for (const char* edge :
         {"\"since\":\"2026-01-31T00:00:00Z\",\"until\":\"2026-02-28T00:00:00Z\"",
          "\"since\":\"2026-02-28T00:00:00Z\",\"until\":\"2026-03-31T00:00:00Z\"",
          "\"since\":\"2026-03-31T00:00:00Z\",\"until\":\"2026-04-15T00:00:00Z\""})
        EXPECT_NE(body.find(edge), std::string::npos) << edge << " in " << body;
    EXPECT_NE(body.find("\"bucket\":\"month\""), std::string::npos) << body;
}

TEST_F(DashboardApiTest, TheDeployListPagesWithACursorInTheLinkHeader) {
    for (unsigned n = 1; n <= 5; ++n) deploy(n, day(static_cast<int>(n)));
    // Two deploys at the same moment: the cursor must not lose either.
    deploy(6, day(3));
    auto r = router();
    const auto all = ids(get(r, "/api/v1/deploys?limit=100"));
    ASSERT_EQ(all.size(), 6u);
    std::vector<std::string> paged;
    std::string target = "/api/v1/deploys?deployment=web-api&limit=2";
    int pages = 0;
    while (!target.empty()) {
        auto out = run(r, request("GET", target));
        ASSERT_EQ(out.response.status, 200) << target << ": " << out.response.body;
        auto page = ids(out.response.body);
        EXPECT_LE(page.size(), 2u);
        paged.insert(paged.end(), page.begin(), page.end());
        const auto link = test::header_of(out.response, "Link");
        target.clear();
        if (!link.empty()) {
            ASSERT_TRUE(link.starts_with("</api/v1/deploys?deployment=web-api&limit=2&cursor="))
                << link;
            ASSERT_TRUE(link.ends_with(">; rel=\"next\"")) << link;
            target = link.substr(1, link.find('>') - 1);
        }
        ASSERT_LT(++pages, 10) << "the cursor does not advance";
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(paged, all);
    // The last page has no Link; neither has a list that fits.
    auto fits = run(r, request("GET", "/api/v1/deploys?limit=6"));
    EXPECT_EQ(test::header_of(fits.response, "Link"), "");
    get(r, "/api/v1/deploys?cursor=garbage", 400);
}

TEST_F(DashboardApiTest, TheDeployListFiltersByStatusFailureAndSearch) {
    const auto first = deploy(1, day(1));
    const auto failed = deploy(2, day(2), tracking::DeployStatus::failed);
    const auto third = deploy(3, day(3));
    auto r = router();
    EXPECT_EQ(ids(get(r, "/api/v1/deploys?status=failed")), std::vector<std::string>{failed});
    EXPECT_EQ(ids(get(r, "/api/v1/deploys?status=succeeded")),
              (std::vector<std::string>{third, first}));
    EXPECT_EQ(ids(get(r, "/api/v1/deploys?failure=any")), std::vector<std::string>{failed});
    EXPECT_EQ(ids(get(r, "/api/v1/deploys?failure=none")),
              (std::vector<std::string>{third, first}));
    // A sha (a prefix of itself), in any case.
    auto prefix = test::sha(3);
    for (auto& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(ids(get(r, "/api/v1/deploys?q=" + prefix)), std::vector<std::string>{third});
    EXPECT_TRUE(ids(get(r, "/api/v1/deploys?q=nobody%40example.com")).empty());
    get(r, "/api/v1/deploys?status=broken", 400);
    get(r, "/api/v1/deploys?failure=maybe", 400);
}

TEST_F(DashboardApiTest, DetailsNameTheOriginAndLinkIntoAzureDevOpsWhenConfigured) {
    const auto id = deploy(1, day(1));
    auto r = router();
    auto body = get(r, "/api/v1/deploys/" + id + "/details");
    EXPECT_EQ(body, "{\"id\":\"" + id +
                        "\",\"origin\":{\"kind\":\"registration\",\"id\":null},\"links\":null,"
                        "\"work_items\":[],\"incidents\":[],\"rest_lookups\":false}");
    get(r, "/api/v1/deploys/web-api:production:999/details", 404);

    auto c = base_config();
    c.azure_devops = config::AzureDevOpsConfig{};
    c.azure_devops->organization_url = "https://dev.azure.com/contoso";
    c.deployments[0].project = "Contoso Web";
    m_config.set(std::move(c));
    body = get(r, "/api/v1/deploys/" + id + "/details");
    EXPECT_NE(body.find("\"links\":{\"repository\":\"https://dev.azure.com/contoso/"
                        "Contoso%20Web/_git/web-api\",\"commit\":\"https://dev.azure.com/contoso/"
                        "Contoso%20Web/_git/web-api/commit/" +
                        test::sha(1) + "\",\"run\":null}"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("\"rest_lookups\":true"), std::string::npos) << body;
}

}  // namespace
}  // namespace shiplog::daemon
