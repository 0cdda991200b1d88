#include "handlers/relevance.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using namespace testing;  // fixture, replaced, ts, error_of

using config::Trigger;

config::DeploymentConfig deployment(Trigger trigger) {
    return production_deployment("web-api", "Contoso", trigger);
}

config::Config with(std::vector<config::DeploymentConfig> deployments) {
    config::Config config;
    config.deployments = std::move(deployments);
    return config;
}

Relevance classify(const std::string& body, const config::Config& config) {
    auto envelope = parse_envelope(body);
    EXPECT_TRUE(envelope.has_value()) << (envelope ? "" : envelope.error().message);
    if (!envelope) return Relevance::ignored;
    return classify_event(*envelope, body, config);
}

constexpr auto tracked = Relevance::tracked;
constexpr auto ignored = Relevance::ignored;

TEST(Relevance, PushToTheTrackedBranch) {
    const auto body = fixture("git.push.json");
    EXPECT_EQ(classify(body, with({deployment(Trigger::push)})), tracked);
    // Any trigger: pushes feed every deployment's commit history.
    EXPECT_EQ(classify(body, with({deployment(Trigger::release)})), tracked);
    auto upper = deployment(Trigger::push);
    upper.project = "CONTOSO";
    upper.repository = "Web-API";
    EXPECT_EQ(classify(body, with({upper})), tracked);
}

TEST(Relevance, PushElsewhereIsIgnored) {
    const auto body = fixture("git.push.json");
    auto other_branch = deployment(Trigger::push);
    other_branch.branch = "release";
    EXPECT_EQ(classify(body, with({other_branch})), ignored);
    auto other_repo = deployment(Trigger::push);
    other_repo.repository = "mobile-app";
    EXPECT_EQ(classify(body, with({other_repo})), ignored);
    auto other_project = deployment(Trigger::push);
    other_project.project = "Fabrikam";
    EXPECT_EQ(classify(body, with({other_project})), ignored);
    EXPECT_EQ(classify(body, with({})), ignored);
    // A prefix of the ref is not the branch.
    auto prefix = deployment(Trigger::push);
    prefix.branch = "mai";
    EXPECT_EQ(classify(body, with({prefix})), ignored);
}

TEST(Relevance, TestDeliveriesAreAlwaysIgnored) {
    EXPECT_EQ(classify(fixture("git.push.test-delivery.json"), with({deployment(Trigger::push)})),
              ignored);
}

TEST(Relevance, UnreadablePayloadsAndUnknownTypesAreIgnored) {
    const auto config = with({deployment(Trigger::push)});
    EXPECT_EQ(classify(replaced(fixture("git.push.json"), "\"refUpdates\"", "\"x\""), config),
              ignored);
    EXPECT_EQ(classify(R"({"id":"e","eventType":"git.push"})", config), ignored);
    EXPECT_EQ(classify(R"({"id":"e","eventType":"tfvc.checkin","resource":{}})", config), ignored);
    EXPECT_EQ(classify(replaced(fixture("workitem.created.json"), "\"workitem.created\"",
                                "\"workitem.commented\""),
                       config),
              ignored);
}

TEST(Relevance, BuildOfATrackedPipeline) {
    const auto body = fixture("build.complete.json");
    auto build = deployment(Trigger::build);
    build.pipeline = "Web-API-CI";
    build.repository = "elsewhere";
    EXPECT_EQ(classify(body, with({build})), tracked);
    auto stage = deployment(Trigger::stage);
    stage.pipeline = "web-api-ci";
    stage.repository = "elsewhere";
    EXPECT_EQ(classify(body, with({stage})), tracked);
    // Same pipeline name in another project.
    build.project = "Fabrikam";
    EXPECT_EQ(classify(body, with({build})), ignored);
    // A push deployment names no pipeline.
    auto push = deployment(Trigger::push);
    push.pipeline = "web-api-ci";
    push.repository = "elsewhere";
    EXPECT_EQ(classify(body, with({push})), ignored);
}

TEST(Relevance, BuildOfATrackedRepositoryBranch) {
    const auto body = fixture("build.complete.json");
    EXPECT_EQ(classify(body, with({deployment(Trigger::push)})), tracked);
    auto other_branch = deployment(Trigger::push);
    other_branch.branch = "develop";
    EXPECT_EQ(classify(body, with({other_branch})), ignored);
}

TEST(Relevance, Version1BuildMatchesByDefinitionWithoutProject) {
    const auto body = fixture("build.complete.v1.json");
    auto build = deployment(Trigger::build);
    build.pipeline = "web-api-nightly";
    EXPECT_EQ(classify(body, with({build})), tracked);
    build.pipeline = "web-api-ci";
    EXPECT_EQ(classify(body, with({build})), ignored);
}

TEST(Relevance, StageOfATrackedPipeline) {
    const auto body = fixture("ms.vss-pipelines.stage-state-changed-event.json");
    auto stage = deployment(Trigger::stage);
    stage.pipeline = "web-api-cd";
    stage.stage = "Production";
    EXPECT_EQ(classify(body, with({stage})), tracked);
    stage.pipeline = "other-cd";
    EXPECT_EQ(classify(body, with({stage})), ignored);
    auto build = deployment(Trigger::build);
    build.pipeline = "web-api-cd";
    EXPECT_EQ(classify(body, with({build})), ignored);
}

TEST(Relevance, RunOfATrackedPipeline) {
    const auto body = fixture("ms.vss-pipelines.run-state-changed-event.json");
    auto stage = deployment(Trigger::stage);
    stage.pipeline = "web-api-cd";
    EXPECT_EQ(classify(body, with({stage})), tracked);
    EXPECT_EQ(classify(body, with({deployment(Trigger::push)})), ignored);
}

TEST(Relevance, ReleaseOfATrackedDefinitionAndEnvironment) {
    const auto body = fixture("ms.vss-release.deployment-completed-event.json");
    auto release = deployment(Trigger::release);
    release.release_definition = "web-api-release";
    release.release_environment = "prod";
    EXPECT_EQ(classify(body, with({release})), tracked);
    release.release_environment = "Staging";
    EXPECT_EQ(classify(body, with({release})), ignored);
    release.release_environment = "Prod";
    release.release_definition = "other";
    EXPECT_EQ(classify(body, with({release})), ignored);
}

TEST(Relevance, WorkItemsOfATrackedProject) {
    const auto config = with({deployment(Trigger::push)});
    EXPECT_EQ(classify(fixture("workitem.created.json"), config), tracked);
    EXPECT_EQ(classify(fixture("workitem.updated.json"), config), tracked);
    EXPECT_EQ(classify(fixture("workitem.deleted.json"), config), tracked);
    auto other = deployment(Trigger::push);
    other.project = "Fabrikam";
    EXPECT_EQ(classify(fixture("workitem.created.json"), with({other})), ignored);
}

TEST(Relevance, MergedPullRequestOfATrackedRepository) {
    const auto body = fixture("git.pullrequest.merged.json");
    EXPECT_EQ(classify(body, with({deployment(Trigger::push)})), tracked);
    auto other = deployment(Trigger::push);
    other.repository = "mobile-app";
    EXPECT_EQ(classify(body, with({other})), ignored);
}

TEST(Relevance, RefMatchesBranch) {
    EXPECT_TRUE(ref_matches_branch("refs/heads/main", "main"));
    EXPECT_TRUE(ref_matches_branch("refs/heads/release/2026.11", "release/2026.11"));
    EXPECT_TRUE(ref_matches_branch("refs/heads/main", "refs/heads/main"));
    EXPECT_FALSE(ref_matches_branch("refs/heads/main", "mai"));
    EXPECT_FALSE(ref_matches_branch("refs/heads/xmain", "main"));
    EXPECT_FALSE(ref_matches_branch("refs/tags/main", "main"));
    EXPECT_FALSE(ref_matches_branch("refs/heads/main", ""));
    EXPECT_STREQ(to_string(Relevance::tracked), "tracked");
}

}  // namespace
}  // namespace shiplog::handlers
