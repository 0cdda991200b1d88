// Deploy derivation per trigger (SPEC §6): push, build, stage, release and
// register_deploy deploys, commit sets along the push chain, rollbacks,
// dedup of redeliveries, and order independence.
#include "tracking/projector.hpp"

#include <future>

#include "storage/journal_writer.hpp"
#include "support/manual_clock.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

using config::Trigger;

TEST_F(TrackingTest, PushesToOtherBranchesAndReposAreIgnored) {
    push(1, at(0), k_zero, sha(1), {{sha(1)}}, "refs/heads/feature");
    push(2, at(1), k_zero, sha(2), {{sha(2)}}, "refs/tags/v1");
    deliver("git.push", envelope("other", "git.push",
                                 push_resource(3, at(2), "refs/heads/main", k_zero, sha(3),
                                               {{sha(3)}}, "other-repo"),
                                 at(2)));
    EXPECT_TRUE(deploys().empty());
    EXPECT_EQ(all_json(), "[]");
}

TEST_F(TrackingTest, FirstDeployShipsOnlyItsPushCommits) {
    push(1, at(0), sha(10), sha(12),
         {{sha(12), "Fix login #1234", "a@example.com", at(-5)},
          {sha(11), "AB#1240 add\nbody #999", "b@example.com", at(-10)}});
    auto d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].id(), "web-api:production:1");
    EXPECT_EQ(d[0].sha, sha(12));
    EXPECT_EQ(d[0].deployed_at, at(0));
    EXPECT_EQ(d[0].trigger, Trigger::push);
    EXPECT_EQ(d[0].status, DeployStatus::succeeded);
    EXPECT_EQ(d[0].failure, Failure::none);
    EXPECT_TRUE(d[0].commits_complete);
    EXPECT_EQ(shas_of(d[0]), (std::vector<std::string>{sha(11), sha(12)}));  // oldest first
    EXPECT_EQ(d[0].commits[0].summary, "AB#1240 add");
    EXPECT_EQ(d[0].work_items, (std::vector<std::int64_t>{999, 1234, 1240}));
    EXPECT_EQ(
        deploy_json(d[0]),
        "{\"id\":\"web-api:production:1\",\"deployment\":\"web-api\",\"environment\":"
        "\"production\",\"sha\":\"" +
            sha(12) +
            "\",\"deployed_at\":\"2026-11-20T10:00:00Z\",\"trigger\":\"push\",\"status\":"
            "\"succeeded\",\"failure\":null,\"commits_complete\":true,\"commit_count\":2,"
            "\"commits\":[{\"sha\":\"" +
            sha(11) +
            "\",\"author_email\":\"b@example.com\",\"authored_at\":\"2026-11-20T09:50:00Z\","
            "\"summary\":\"AB#1240 add\"},{\"sha\":\"" +
            sha(12) +
            "\",\"author_email\":\"a@example.com\",\"authored_at\":\"2026-11-20T09:55:00Z\","
            "\"summary\":\"Fix login #1234\"}],\"work_items\":[999,1234,1240],\"pull_requests\":[],"
            "\"batch\":{\"commits\":2,\"pull_requests\":0,\"work_items\":3,\"size\":\"S\"},"
            "\"rework\":null}");
}

TEST_F(TrackingTest, BranchDeletionIsNoDeploy) {
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    push(2, at(1), sha(1), k_zero, {});
    EXPECT_EQ(deploys().size(), 1u);
}

TEST_F(TrackingTest, BuildDeployShipsEveryPushSinceThePreviousDeploy) {
    m_config->deployments = {deployment("web-api", "production", Trigger::build)};
    m_config->deployments[0].pipeline = "web-api-ci";
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    build(100, sha(1), "succeeded", at(1));
    push(2, at(2), sha(1), sha(3), {{sha(3)}, {sha(2)}});
    push(3, at(3), sha(3), sha(4), {{sha(4)}});
    push(4, at(4), sha(4), sha(5), {{sha(5)}});
    build(101, sha(5), "partiallySucceeded", at(5));
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].trigger, Trigger::build);
    EXPECT_EQ(shas_of(d[0]), std::vector<std::string>{sha(1)});
    EXPECT_TRUE(d[1].commits_complete);
    auto second = shas_of(d[1]);
    std::sort(second.begin(), second.end());
    EXPECT_EQ(second, (std::vector<std::string>{sha(2), sha(3), sha(4), sha(5)}));
    EXPECT_TRUE(queue().empty());
}

TEST_F(TrackingTest, ForcePushRewindingTheBranchIsIncompleteAndQueued) {
    m_config->deployments = {deployment("web-api", "production", Trigger::build)};
    m_config->deployments[0].pipeline = "web-api-ci";
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    build(100, sha(1), "succeeded", at(1));
    push(2, at(2), sha(1), sha(2), {{sha(2)}});
    push(3, at(3), sha(2), sha(3), {{sha(3)}});
    build(101, sha(3), "succeeded", at(4));
    push(4, at(5), sha(3), sha(2), {});  // git push --force back to sha(2)
    build(102, sha(2), "succeeded", at(6));
    auto d = deploys();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_TRUE(d[1].commits_complete);
    EXPECT_FALSE(d[2].commits_complete);
    EXPECT_TRUE(d[2].commits.empty());
    ASSERT_EQ(d[2].pending.size(), 1u);
    auto items = queue();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].kind, "commits_between");
    EXPECT_EQ(items[0].payload, "{\"repo\":\"contoso/web-api\",\"from\":\"" + sha(3) +
                                    "\",\"to\":\"" + sha(2) + "\"}");
    EXPECT_EQ(items[0].key, d[2].pending[0]);
    auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
    auto pending = pending_for(txn, m_projector->tables(), d[2]);
    ASSERT_OK(pending);
    EXPECT_EQ(pending->size(), 1u);
}

TEST_F(TrackingTest, GapInThePushChainIsIncomplete) {
    m_config->deployments = {deployment("web-api", "production", Trigger::build)};
    m_config->deployments[0].pipeline = "web-api-ci";
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    build(100, sha(1), "succeeded", at(1));
    push(3, at(3), sha(2), sha(3), {{sha(3)}});  // push 2 (1 -> 2) never arrived
    build(101, sha(3), "succeeded", at(4));
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_FALSE(d[1].commits_complete);
    push(2, at(2), sha(1), sha(2), {{sha(2)}});  // recovered later (backfill)
    d = deploys();
    EXPECT_TRUE(d[1].commits_complete);
    EXPECT_EQ(shas_of(d[1]), (std::vector<std::string>{sha(2), sha(3)}));
}

TEST_F(TrackingTest, BuildFailedThenSucceededAndCanceledIsNoDeploy) {
    m_config->deployments = {deployment("web-api", "production", Trigger::build)};
    m_config->deployments[0].pipeline = "web-api-ci";
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    build(100, sha(1), "succeeded", at(1));
    push(2, at(2), sha(1), sha(2), {{sha(2)}});
    build(101, sha(2), "failed", at(3));
    build(102, sha(2), "canceled", at(4));
    build(103, sha(2), "succeeded", at(5));
    build(104, sha(2), "succeeded", at(6), "other-pipeline");
    build(105, sha(2), "succeeded", at(7), "web-api-ci", "refs/heads/feature");
    auto d = deploys();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[1].status, DeployStatus::failed);
    EXPECT_EQ(d[1].failure, Failure::failed);
    EXPECT_EQ(shas_of(d[1]), std::vector<std::string>{sha(2)});
    EXPECT_EQ(d[2].status, DeployStatus::succeeded);
    EXPECT_EQ(d[2].failure, Failure::none);
    // The failed deploy did not ship: the next succeeded one ships sha(2).
    EXPECT_EQ(shas_of(d[2]), std::vector<std::string>{sha(2)});
    EXPECT_NE(deploy_json(d[1]).find("\"status\":\"failed\",\"failure\":\"failed\""),
              std::string::npos);
}

TEST_F(TrackingTest, RedeliveryAndTheSameFactFromRestCountOnce) {
    push(1, at(0), k_zero, sha(1), {{sha(1)}}, "refs/heads/main", "hook-1");
    EXPECT_EQ(push(1, at(0), k_zero, sha(1), {{sha(1)}}, "refs/heads/main", "hook-1"), 0u);
    // The same push recovered over REST under another event id.
    EXPECT_NE(push(1, at(0), k_zero, sha(1), {{sha(1)}}, "refs/heads/main", "rest-1"), 0u);
    auto d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].seq, 1u);
}

TEST_F(TrackingTest, BuildBeforeItsPushGivesTheSameResultAsInOrder) {
    auto run = [&](bool reversed) {
        m_config->deployments = {deployment("web-api", "production", Trigger::build)};
        m_config->deployments[0].pipeline = "web-api-ci";
        std::vector<std::function<void()>> events = {
            [&] { push(1, at(0), k_zero, sha(1), {{sha(1)}}); },
            [&] { build(100, sha(1), "succeeded", at(1)); },
            [&] {
                push(2, at(2), sha(1), sha(2), {{sha(2), "fix #7"}});
            },
            [&] { build(101, sha(2), "succeeded", at(3)); },
        };
        if (reversed) std::reverse(events.begin(), events.end());
        for (auto& e : events) e();
        auto d = deploys();
        std::vector<std::string> out;
        for (auto& v : d) {
            v.seq = 0;  // ids follow arrival order; everything else must not
            out.push_back(deploy_json(v));
        }
        return out;
    };
    auto in_order = run(false);
    m_projector.reset();
    m_store.reset();
    std::filesystem::remove_all(m_dir / "store");
    reopen();
    auto reversed = run(true);
    EXPECT_EQ(in_order, reversed);
    ASSERT_EQ(in_order.size(), 2u);
    EXPECT_NE(in_order[1].find("\"commits_complete\":true"), std::string::npos);
}

TEST_F(TrackingTest, RollbackMarksTheDeploysInBetween) {
    m_config->deployments = {deployment("web-api", "production", Trigger::build)};
    m_config->deployments[0].pipeline = "web-api-ci";
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    push(2, at(2), sha(1), sha(2), {{sha(2)}});
    push(3, at(4), sha(2), sha(3), {{sha(3)}});
    build(100, sha(1), "succeeded", at(1));
    build(101, sha(2), "succeeded", at(3));
    build(102, sha(3), "succeeded", at(5));
    build(103, sha(1), "succeeded", at(6));  // back to sha(1)
    auto d = deploys();
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].failure, Failure::none);
    EXPECT_EQ(d[1].failure, Failure::rollback);
    EXPECT_EQ(d[2].failure, Failure::rollback);
    EXPECT_EQ(d[3].failure, Failure::none);
    EXPECT_TRUE(d[3].commits.empty());
    EXPECT_TRUE(d[3].commits_complete);
}

TEST_F(TrackingTest, RedeployOfTheLatestShaIsNoRollback) {
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    register_deploy(sha(1), at(5));
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[1].failure, Failure::none);
    EXPECT_EQ(d[1].trigger, Trigger::manual);
    EXPECT_TRUE(d[1].commits.empty());
    EXPECT_TRUE(d[1].commits_complete);
}

TEST_F(TrackingTest, RegisterDeployRecordsDeploysAndTheLatestSha) {
    m_config->deployments = {deployment("web-api", "production", Trigger::manual),
                             deployment("web-api", "staging", Trigger::manual)};
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    push(2, at(1), sha(1), sha(2), {{sha(2)}});
    const auto first = register_deploy(sha(1), at(2));
    register_deploy(sha(2), at(3), DeployStatus::failed);
    register_deploy(sha(2), at(4), DeployStatus::succeeded, "web-api", "staging");
    register_deploy(sha(2), at(4), DeployStatus::succeeded, "unknown", "production");
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].id(), "web-api:production:" + std::to_string(first));
    EXPECT_EQ(shas_of(d[0]), std::vector<std::string>{sha(1)});
    EXPECT_EQ(d[1].failure, Failure::failed);
    EXPECT_EQ(deploys("web-api", "staging").size(), 1u);

    auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
    auto latest = latest_succeeded_sha(txn, m_projector->tables(), "web-api", "production");
    ASSERT_OK(latest);
    EXPECT_EQ(*latest, sha(1));
    auto got = get_deploy(txn, m_projector->tables(), d[0].id());
    ASSERT_OK(got);
    EXPECT_EQ(*got, d[0]);
    EXPECT_EQ(get_deploy(txn, m_projector->tables(), "web-api:production:999").error().code,
              ErrorCode::not_found);
    EXPECT_EQ(get_deploy(txn, m_projector->tables(), "nonsense").error().code,
              ErrorCode::invalid_argument);
    auto newest = list_deploys(txn, m_projector->tables(), {"web-api", {}, 2});
    ASSERT_OK(newest);
    ASSERT_EQ(newest->size(), 2u);
    EXPECT_EQ(newest->at(0).environment, "staging");  // newest first
    EXPECT_EQ(newest->at(0).deployed_at, at(4));
    EXPECT_EQ(newest->at(1).environment, "production");
    EXPECT_EQ(newest->at(1).deployed_at, at(3));
}

TEST_F(TrackingTest, StageDeployWaitsForItsRunsBuild) {
    m_config->deployments = {deployment("web-api", "production", Trigger::stage)};
    m_config->deployments[0].pipeline = "web-api-cd";
    m_config->deployments[0].stage = "Production";
    const auto stage_type = std::string("ms.vss-pipelines.stage-state-changed-event");
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    deliver(
        stage_type,
        envelope("s1", stage_type,
                 stage_resource(55, "web-api-cd", "Production", "completed", "succeeded"), at(3)),
        at(3));
    deliver(stage_type,
            envelope("s2", stage_type,
                     stage_resource(56, "web-api-cd", "Production", "completed", "skipped"), at(4)),
            at(4));
    deliver(stage_type,
            envelope("s3", stage_type,
                     stage_resource(57, "web-api-cd", "Staging", "completed", "succeeded"), at(4)),
            at(4));
    deliver(stage_type,
            envelope("s4", stage_type,
                     stage_resource(58, "web-api-cd", "Production", "inProgress", ""), at(4)),
            at(4));
    auto d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].sha, "");
    EXPECT_EQ(d[0].deployed_at, at(3));
    EXPECT_FALSE(d[0].commits_complete);
    auto items = queue();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].kind, "build_lookup");
    EXPECT_EQ(items[0].payload, "{\"project\":\"Contoso\",\"run_id\":55}");

    // The answer arrives as the run's build (hook or REST).
    build(55, sha(1), "succeeded", at(2), "web-api-cd");
    d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].sha, sha(1));
    EXPECT_EQ(d[0].trigger, Trigger::stage);
    EXPECT_TRUE(d[0].commits_complete);
    EXPECT_EQ(shas_of(d[0]), std::vector<std::string>{sha(1)});

    // A re-run of the stage replaces the earlier attempt.
    deliver(
        stage_type,
        envelope("s5", stage_type,
                 stage_resource(55, "web-api-cd", "Production", "completed", "failed", 2), at(8)),
        at(8));
    d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].status, DeployStatus::failed);
    EXPECT_EQ(d[0].deployed_at, at(8));
}

TEST_F(TrackingTest, ReleaseDeploysOfTheConfiguredStageOnly) {
    m_config->deployments = {deployment("web-api", "production", Trigger::release)};
    m_config->deployments[0].release_definition = "web-api";
    m_config->deployments[0].release_environment = "Prod";
    const auto type = std::string("ms.vss-release.deployment-completed-event");
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    deliver(type, envelope("r1", type, release_resource(7, "web-api", "Prod", "succeeded"), at(3)),
            at(3));
    deliver(type, envelope("r2", type, release_resource(7, "web-api", "QA", "succeeded"), at(2)),
            at(2));
    deliver(type, envelope("r3", type, release_resource(8, "web-api", "Prod", "canceled"), at(4)),
            at(4));
    deliver(type, envelope("r4", type, release_resource(9, "web-api", "Prod", "rejected"), at(5)),
            at(5));
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].sha, "");
    EXPECT_EQ(d[0].status, DeployStatus::succeeded);
    EXPECT_EQ(d[1].status, DeployStatus::failed);
    ASSERT_EQ(queue().size(), 2u);
    EXPECT_EQ(queue()[0].kind, "release_artifact_lookup");

    deliver(std::string(k_release_artifact_event_type), make_release_artifact_record({7, sha(1)}),
            std::nullopt, storage::EventSource::backfill);
    d = deploys();
    EXPECT_EQ(d[0].sha, sha(1));
    EXPECT_TRUE(d[0].commits_complete);
    EXPECT_FALSE(d[1].commits_complete);
}

}  // namespace
}  // namespace shiplog::tracking::test

namespace shiplog::tracking::test {
namespace {

TEST_F(TrackingTest, WorksAsTheJournalWritersObserver) {
    shiplog::testing::ManualClock clock;
    auto writer = storage::JournalWriter::start(*m_store, clock, m_projector.get());
    std::vector<std::future<Result<storage::AppendResult>>> futures;
    for (int i = 1; i <= 3; ++i) {
        storage::JournalEntry entry;
        entry.event_id = "w" + std::to_string(i);
        entry.event_type = "git.push";
        entry.raw = envelope(
            entry.event_id, "git.push",
            push_resource(i, at(i), "refs/heads/main",
                          i == 1 ? k_zero : sha(static_cast<unsigned>(i - 1)),
                          sha(static_cast<unsigned>(i)), {{sha(static_cast<unsigned>(i))}}),
            at(i));
        futures.push_back(writer->submit(std::move(entry)));
    }
    for (auto& f : futures) ASSERT_OK(f.get());
    writer->stop();
    EXPECT_EQ(writer->stats().observer_failures, 0u);
    auto d = deploys();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[2].id(), "web-api:production:3");
    EXPECT_EQ(shas_of(d[2]), std::vector<std::string>{sha(3)});
}

}  // namespace
}  // namespace shiplog::tracking::test
