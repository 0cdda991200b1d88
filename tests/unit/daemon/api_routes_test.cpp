// The API routes on the edge's interface: who is refused before the body is
// read, what the read routes answer over a real store, and register_deploy.
#include "routes/api_routes.hpp"

#include <gtest/gtest.h>

#include <string>

#include "route_fixture.hpp"

namespace shiplog::daemon {
namespace {

using test::request;
using test::run;

constexpr const char* k_token = "route-test-token-0123456789";

class ApiRoutesTest : public test::DaemonParts {
  protected:
    void with_api_token() {
        auto c = base_config();
        c.api = config::ApiConfig{Secret(k_token)};
        m_config.set(std::move(c));
    }

    http::Router router() {
        http::Router r;
        add_api_routes(r, ApiDeps{m_config, *m_intake, *m_store, tables(), m_clock, nullptr});
        return r;
    }

    static std::vector<std::pair<std::string, std::string>> bearer(std::string token = k_token) {
        return {{"Authorization", "Bearer " + token}};
    }
};

TEST_F(ApiRoutesTest, WithApiTokenAMissingOrWrongTokenIs401BeforeTheHandler) {
    with_api_token();
    auto r = router();
    for (const auto& headers : {std::vector<std::pair<std::string, std::string>>{},
                                bearer("wrong-token"),
                                {{"Authorization", "Basic dXNlcjpwYXNz"}}}) {
        auto out = run(r, request("GET", "/api/v1/deploys", headers));
        ASSERT_TRUE(out.routed);
        EXPECT_TRUE(out.refused);
        EXPECT_EQ(out.response.status, 401);
        EXPECT_EQ(out.response.body, R"({"error":"missing or wrong API token"})");
        EXPECT_EQ(test::header_of(out.response, "WWW-Authenticate"), "Bearer realm=\"shiplog\"");
    }
    // The right token, as Bearer or apikey, from anywhere.
    auto ok = run(r, request("GET", "/api/v1/deploys", bearer(), "203.0.113.9"));
    EXPECT_FALSE(ok.refused);
    EXPECT_EQ(ok.response.status, 200) << ok.response.body;
    auto apikey =
        run(r, request("GET", "/api/v1/hooks",
                       {{"Authorization", std::string("apikey ") + k_token}}, "203.0.113.9"));
    EXPECT_EQ(apikey.response.status, 200) << apikey.response.body;
}

TEST_F(ApiRoutesTest, WithoutApiSectionOnlyDirectLoopbackClientsAreAllowed) {
    auto r = router();
    for (const char* loopback : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
        auto out = run(r, request("GET", "/api/v1/deploys", {}, loopback));
        EXPECT_FALSE(out.refused) << loopback;
        EXPECT_EQ(out.response.status, 200) << loopback << ": " << out.response.body;
    }
    auto remote = run(r, request("GET", "/api/v1/deploys", {}, "198.51.100.7"));
    EXPECT_TRUE(remote.refused);
    EXPECT_EQ(remote.response.status, 401);
    // A proxy on the same host connects from 127.0.0.1, but its client is
    // not local: through a trusted proxy nothing counts as loopback.
    auto proxied = run(r, request("GET", "/api/v1/deploys", {}, "127.0.0.1", /*via_proxy=*/true));
    EXPECT_TRUE(proxied.refused);
    EXPECT_EQ(proxied.response.status, 401);
    auto proxied_register = run(r, request("POST", "/api/1/deployments/org/web-api/register_deploy",
                                           {{"Content-Type", "application/json"}}, "127.0.0.1",
                                           /*via_proxy=*/true));
    EXPECT_TRUE(proxied_register.refused);
    EXPECT_EQ(proxied_register.response.status, 401);
}

TEST_F(ApiRoutesTest, ListAndShowAStoredDeploy) {
    const auto seq = registered(test::sha(7), "register_deploy:fixture-1");
    ASSERT_GT(seq, 0u);
    const std::string id = "web-api:production:" + std::to_string(seq);
    auto r = router();

    auto list = run(r, request("GET", "/api/v1/deploys?deployment=web-api&environment=production"));
    ASSERT_EQ(list.response.status, 200) << list.response.body;
    EXPECT_EQ(list.response.content_type, "application/json");
    EXPECT_EQ(list.response.body.front(), '[');
    EXPECT_NE(list.response.body.find("\"id\":\"" + id + "\""), std::string::npos)
        << list.response.body;
    EXPECT_NE(list.response.body.find("\"sha\":\"" + test::sha(7) + "\""), std::string::npos)
        << list.response.body;
    EXPECT_NE(list.response.body.find("\"trigger\":\"manual\""), std::string::npos)
        << list.response.body;

    auto show = run(r, request("GET", "/api/v1/deploys/" + id));
    ASSERT_EQ(show.response.status, 200) << show.response.body;
    EXPECT_EQ(show.response.body.front(), '{');
    EXPECT_NE(show.response.body.find("\"id\":\"" + id + "\""), std::string::npos)
        << show.response.body;
    // The dashboard sends ids through encodeURIComponent.
    auto encoded =
        run(r, request("GET", "/api/v1/deploys/web-api%3Aproduction%3A" + std::to_string(seq)));
    EXPECT_EQ(encoded.response.status, 200) << encoded.response.body;
    EXPECT_EQ(encoded.response.body, show.response.body);

    auto pending = run(r, request("GET", "/api/v1/deploys/" + id + "/pending"));
    EXPECT_EQ(pending.response.status, 200) << pending.response.body;
    EXPECT_EQ(pending.response.body.front(), '[');

    // A limit out of range is 400, as before.
    auto bad_limit = run(r, request("GET", "/api/v1/deploys?limit=0"));
    EXPECT_EQ(bad_limit.response.status, 400);
    EXPECT_EQ(bad_limit.response.body,
              R"({"error":"limit: must be a whole number from 1 to 10000"})");
}

TEST_F(ApiRoutesTest, UnknownDeployIs404AndAMalformedId400) {
    auto r = router();
    for (const char* path :
         {"/api/v1/deploys/web-api:production:999",
          "/api/v1/deploys/web-api:production:999/pending", "/api/v1/deploys/other:production:1"}) {
        auto out = run(r, request("GET", path));
        ASSERT_TRUE(out.routed) << path;
        EXPECT_EQ(out.response.status, 404) << path << ": " << out.response.body;
        EXPECT_NE(out.response.body.find("\"error\":"), std::string::npos) << out.response.body;
    }
    // Decoded, then refused as an id: nothing is looked up by path.
    auto traversal = run(r, request("GET", "/api/v1/deploys/..%2f..%2fetc%2fpasswd"));
    EXPECT_EQ(traversal.response.status, 400) << traversal.response.body;
    EXPECT_NE(traversal.response.body.find("../../etc/passwd"), std::string::npos)
        << traversal.response.body;
}

TEST_F(ApiRoutesTest, ReadRoutesRunOnWorkersAndRegisterDeployTakesTheConfiguredBodyCap) {
    auto c = base_config();
    c.server.max_body_bytes = 123456;
    m_config.set(std::move(c));
    auto r = router();
    for (const char* path : {"/api/v1/deploys", "/api/v1/deploys/x", "/api/v1/deploys/x/pending",
                             "/api/v1/hooks", "/api/v1/metrics"}) {
        auto m = r.match("GET", path);
        ASSERT_NE(m.route, nullptr) << path;
        EXPECT_EQ(m.route->execution, http::Execution::worker) << path;
        EXPECT_TRUE(m.route->admit) << path;
    }
    auto reg = r.match("POST", "/api/1/deployments/org/web-api/register_deploy");
    ASSERT_NE(reg.route, nullptr);
    EXPECT_EQ(reg.route->max_body_bytes, 123456u);
    EXPECT_EQ(reg.route->execution, http::Execution::worker);
    ASSERT_EQ(reg.params.size(), 2u);
    EXPECT_EQ(reg.params[1], "web-api");
    EXPECT_TRUE(r.match("GET", "/api/1/deployments/org/web-api/register_deploy").path_known);
}

TEST_F(ApiRoutesTest, RegisterDeployRefusesAWrongContentTypeBeforeReadingTheBody) {
    with_api_token();
    auto r = router();
    const std::string path = "/api/1/deployments/org/web-api/register_deploy";
    auto headers = bearer();
    headers.emplace_back("Content-Type", "text/plain");
    auto out = run(r, request("POST", path, headers));
    EXPECT_TRUE(out.refused);
    EXPECT_EQ(out.response.status, 415);
    EXPECT_EQ(out.response.body, R"({"error":"Content-Type must be application/json"})");
    // Credentials come first: a wrong token with a wrong type is 401.
    auto anonymous = run(r, request("POST", path, {{"Content-Type", "text/plain"}}));
    EXPECT_TRUE(anonymous.refused);
    EXPECT_EQ(anonymous.response.status, 401);
}

TEST_F(ApiRoutesTest, RegisterDeployAnswers400ForABadBodyAnd404ForAnUnknownDeployment) {
    auto r = router();
    auto bad = request("POST", "/api/1/deployments/org/web-api/register_deploy",
                       {{"Content-Type", "application/json"}});
    bad.body = R"({"sha":"xyz"})";
    auto out = run(r, bad);
    EXPECT_FALSE(out.refused);
    EXPECT_EQ(out.response.status, 400) << out.response.body;

    auto unknown = request("POST", "/api/1/deployments/org/nope/register_deploy");
    unknown.body = "{\"sha\":\"" + test::sha(1) + "\"}";
    auto missing = run(r, unknown);
    EXPECT_EQ(missing.response.status, 404) << missing.response.body;
}

TEST_F(ApiRoutesTest, RegisterDeployStoresAndAnswersFromTheCommitCallback) {
    auto r = router();
    auto req = request("POST", "/api/1/deployments/org/web-api/register_deploy",
                       {{"Content-Type", "application/json"}});
    req.body = "{\"sha\":\"" + test::sha(3) + "\"}";
    auto out = run(r, req);
    ASSERT_TRUE(out.answered);
    ASSERT_EQ(out.response.status, 200) << out.response.body;
    EXPECT_EQ(out.response.log_outcome, "stored");
    // {"status":"stored","id":"web-api:production:<journal seq>"}
    const std::string prefix = R"({"status":"stored","id":")";
    ASSERT_EQ(out.response.body.rfind(prefix, 0), 0u) << out.response.body;
    const std::string id =
        out.response.body.substr(prefix.size(), out.response.body.size() - prefix.size() - 2);
    ASSERT_EQ(id.rfind("web-api:production:", 0), 0u) << id;
    ASSERT_EQ(out.response.body, prefix + id + "\"}");

    // Durable and projected: the read API shows it.
    auto show = run(r, request("GET", "/api/v1/deploys/" + id));
    EXPECT_EQ(show.response.status, 200) << show.response.body;
    EXPECT_NE(show.response.body.find(test::sha(3)), std::string::npos) << show.response.body;

    // The same sha again is refused unless the client accepts duplicates.
    auto again = run(r, req);
    EXPECT_EQ(again.response.status, 400) << again.response.body;
    req.body = "{\"sha\":\"" + test::sha(3) + "\",\"ignore_if_duplicate\":true}";
    auto duplicate = run(r, req);
    EXPECT_EQ(duplicate.response.status, 200);
    EXPECT_EQ(duplicate.response.body, R"({"status":"duplicate"})");
}

}  // namespace
}  // namespace shiplog::daemon
