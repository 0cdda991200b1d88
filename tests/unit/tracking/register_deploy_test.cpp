// register_deploy records and the environment default; the work queue.
#include "tracking/register_deploy.hpp"

#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

TEST(RegisterDeployRecord, RoundTripsExactly) {
    RegisterDeploy r{"web-api",
                     "production",
                     sha(5),
                     Timestamp{std::chrono::nanoseconds{1'795'168'800'123'456'789}},
                     DeployStatus::failed,
                     "#a #b",
                     "ci@example.com"};
    auto parsed = parse_register_deploy_record(make_register_deploy_record(r));
    ASSERT_OK(parsed);
    EXPECT_EQ(*parsed, r);
}

TEST(RegisterDeployRecord, RejectsBadFields) {
    EXPECT_FALSE(parse_register_deploy_record("{}").has_value());
    EXPECT_FALSE(parse_register_deploy_record("not json").has_value());
    RegisterDeploy r{"web-api", "production", "abc", at(0), DeployStatus::succeeded, "", ""};
    EXPECT_EQ(parse_register_deploy_record(make_register_deploy_record(r)).error().message,
              "register_deploy record.sha: \"abc\" is not a 40-hex commit id");
}

TEST(RegisterDeployRecord, UpperCaseShaIsLowered) {
    RegisterDeploy r{
        "web-api", "production", std::string(40, 'A'), at(0), DeployStatus::succeeded, "", ""};
    auto parsed = parse_register_deploy_record(make_register_deploy_record(r));
    ASSERT_OK(parsed);
    EXPECT_EQ(parsed->sha, std::string(40, 'a'));
}

TEST(DefaultEnvironment, OnlyEnvironmentOrChoices) {
    config::Config config;
    config.deployments = {deployment("web-api", "production", config::Trigger::push),
                          deployment("web-api", "staging", config::Trigger::push),
                          deployment("worker", "production", config::Trigger::push)};
    EXPECT_EQ(*default_environment(config, "worker", std::nullopt), "production");
    auto several = default_environment(config, "web-api", std::nullopt);
    ASSERT_FALSE(several.has_value());
    EXPECT_EQ(several.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(several.error().message.find("production, staging"), std::string::npos);
    EXPECT_EQ(*default_environment(config, "web-api", "staging"), "staging");
    EXPECT_EQ(default_environment(config, "web-api", "qa").error().code, ErrorCode::not_found);
    EXPECT_EQ(default_environment(config, "nope", std::nullopt).error().code, ErrorCode::not_found);
}

TEST(ReleaseArtifactRecord, RoundTrips) {
    auto parsed = parse_release_artifact_record(make_release_artifact_record({12, sha(3)}));
    ASSERT_OK(parsed);
    EXPECT_EQ(parsed->release_id, 12);
    EXPECT_EQ(parsed->sha, sha(3));
}

TEST_F(TrackingTest, WorkQueueIsIdempotentByKey) {
    auto txn = lmdb::txn::begin(m_store->env().handle());
    const Tables& t = m_projector->tables();
    auto item = make_commits_between("contoso/web-api", sha(1), sha(2), at(0));
    ASSERT_OK(enqueue(txn, t, item));
    ASSERT_OK(record_attempt(txn, t, item.key));
    ASSERT_OK(enqueue(txn, t, item));  // does not reset attempts
    auto listed = list_pending(txn, t);
    ASSERT_OK(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->at(0).attempts, 1u);
    EXPECT_EQ(listed->at(0).kind, "commits_between");
    ASSERT_OK(complete(txn, t, item.key));
    ASSERT_OK(complete(txn, t, item.key));
    listed = list_pending(txn, t);
    ASSERT_OK(listed);
    EXPECT_TRUE(listed->empty());
    EXPECT_EQ(record_attempt(txn, t, item.key).error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace shiplog::tracking::test
