// Deploy tracking through the real daemon (SPEC §1, §3, §4, §6): webhook
// pushes become deploys, register_deploy records them, the API and the CLI
// show the same JSON, and reindex reproduces it byte for byte.
#include <cstdio>
#include <sstream>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "event_builders.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_api_token = "api-token-4d2c8e1f0a9b";

class DeploysTest : public ApiDaemonTest {
  protected:
    DeploysTest() : ApiDaemonTest(k_api_token) {}

    httplib::Result register_deploy(const std::string& body,
                                    const std::string& auth = std::string("apikey ") +
                                                              k_api_token) {
        auto c = daemon.client();
        httplib::Headers headers{{"Authorization", auth}};
        return c.Post("/api/1/deployments/contoso/web-api/register_deploy", headers, body,
                      "application/json");
    }
};

TEST_F(DeploysTest, PushesBecomeDeploysWithTheirCommitsAndTheApiAndCliAgree) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    // First deploy: ships only its own push's commits (never all history).
    ASSERT_EQ(daemon.post_event(first_push())->body, R"({"status":"stored"})");
    // Two pushes, then a third: each push is a deploy with push trigger.
    ASSERT_EQ(daemon.post_event(second_push())->body, R"({"status":"stored"})");
    // A push to another branch is ignored and creates nothing.
    ASSERT_EQ(daemon.post_event(make_push_event("other-branch", "web-api", "feature/x"))->body,
              R"({"status":"ignored","reason":"no deployment tracks Contoso/web-api:feature/x"})");

    auto listed = api_get("/api/v1/deploys?deployment=web-api&environment=production");
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->status, 200) << listed->body;
    const auto& body = listed->body;
    // Newest first; ids carry the journal seq of the creating event.
    auto second = body.find(R"("id":"web-api:production:2")");
    auto first = body.find(R"("id":"web-api:production:1")");
    ASSERT_NE(second, std::string::npos) << body;
    ASSERT_NE(first, std::string::npos) << body;
    EXPECT_LT(second, first);
    EXPECT_NE(
        body.find(
            R"("sha":")" + sha(14) +
            R"(","deployed_at":"2026-11-21T10:00:00Z","trigger":"push","status":"succeeded","failure":null,"commits_complete":true,"commit_count":2)"),
        std::string::npos)
        << body;
    EXPECT_NE(body.find(R"("work_items":[113,114])"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("work_items":[111,112])"), std::string::npos) << body;

    auto one = api_get("/api/v1/deploys/web-api:production:1");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->status, 200);
    EXPECT_EQ(api_status("/api/v1/deploys/web-api:production:999"), 404);

    // The CLI reads the same store while serve runs and prints the same JSON.
    auto cli_list =
        cli({"deploys", "--json", "--deployment", "web-api", "--environment", "production"});
    EXPECT_EQ(cli_list.exit_code, 0) << cli_list.err;
    EXPECT_EQ(cli_list.out, body + "\n");
    auto cli_show = cli({"deploy", "show", "web-api:production:1", "--json"});
    EXPECT_EQ(cli_show.exit_code, 0) << cli_show.err;
    EXPECT_EQ(cli_show.out, one->body + "\n");
    auto table = cli({"deploys"});
    EXPECT_EQ(table.exit_code, 0);
    EXPECT_NE(table.out.find("web-api:production:2"), std::string::npos) << table.out;

    // reindex refuses while serve holds the store.
    auto refused = cli({"reindex"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("shiplog serve"), std::string::npos) << refused.err;

    ASSERT_EQ(daemon.stop(), 0);
    auto reindexed = cli({"reindex"});
    EXPECT_EQ(reindexed.exit_code, 0) << reindexed.err;
    auto after =
        cli({"deploys", "--json", "--deployment", "web-api", "--environment", "production"});
    EXPECT_EQ(after.out, body + "\n") << "reindex must reproduce live ingestion byte for byte";
}

TEST_F(DeploysTest, RegisterDeployIsSleuthCompatible) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    std::string body =
        R"({"sha":")" + sha(77) + R"(","environment":"production","date":"2026-11-22T09:30:00Z"})";

    auto no_token = register_deploy(body, "");
    ASSERT_TRUE(no_token);
    EXPECT_EQ(no_token->status, 401);
    auto wrong = register_deploy(body, "Bearer nope");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);

    auto stored = register_deploy(body);
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->status, 200) << stored->body;
    EXPECT_EQ(stored->body, R"({"status":"stored","id":"web-api:production:1"})");

    auto again = register_deploy(body, std::string("Bearer ") + k_api_token);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 400) << again->body;
    auto ignored = register_deploy(R"({"sha":")" + sha(77) + R"(","ignore_if_duplicate":true})");
    ASSERT_TRUE(ignored);
    EXPECT_EQ(ignored->status, 200);
    EXPECT_EQ(ignored->body, R"({"status":"duplicate"})");

    auto bad_sha = register_deploy(R"({"sha":"abc"})");
    ASSERT_TRUE(bad_sha);
    EXPECT_EQ(bad_sha->status, 400);
    auto bad_env = register_deploy(R"({"sha":")" + sha(78) + R"(","environment":"staging"})");
    ASSERT_TRUE(bad_env);
    EXPECT_EQ(bad_env->status, 404) << bad_env->body;
    auto c = daemon.client();
    auto unknown = c.Post("/api/1/deployments/contoso/no-such/register_deploy",
                          httplib::Headers{{"Authorization", std::string("Bearer ") + k_api_token}},
                          R"({"sha":")" + sha(78) + R"("})", "application/json");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404);

    // A later registration of an older sha is a rollback over the deploys between.
    ASSERT_EQ(
        register_deploy(R"({"sha":")" + sha(78) + R"(","date":"2026-11-22T10:00:00Z"})")->status,
        200);
    ASSERT_EQ(
        register_deploy(R"({"sha":")" + sha(77) + R"(","date":"2026-11-22T11:00:00Z"})")->status,
        200);
    auto list = api_get("/api/v1/deploys");
    ASSERT_TRUE(list);
    EXPECT_NE(
        list->body.find(
            R"("sha":")" + sha(78) +
            R"(","deployed_at":"2026-11-22T10:00:00Z","trigger":"manual","status":"succeeded","failure":"rollback")"),
        std::string::npos)
        << list->body;
    EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace shiplog::testing
