// The REST work queue executed by `serve` against the fake Azure DevOps:
// a push whose commit list is truncated ends with the full commit set, a
// stage deploy gets its sha from the run's build, a look-up Azure DevOps
// answers 404 is shown as failed, and `reindex` (no network) reproduces
// exactly what the daemon derived, because the answers are journaled.
#include <gtest/gtest.h>

#include <cstdio>

#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "support/fake_azure_devops.hpp"
#include "work_queue_support.hpp"

namespace shiplog::testing {
namespace {

using namespace work_queue;

constexpr const char* k_pat = "pat-workqueue-3e5f7a9b1c2d4e6f8a0b";
constexpr int k_history = 150;  // commits 1..150 on main, each the parent of the next

std::string stage_event(const std::string& id, int run_id, const std::string& date) {
    return R"({"id":")" + id +
           R"(","eventType":"ms.vss-pipelines.stage-state-changed-event","publisherId":"pipelines",)"
           R"("resourceVersion":"5.1-preview.1","createdDate":")" +
           date +
           R"(","resource":{"stage":{"id":"s1","name":"Production","displayName":null,)"
           R"("state":"completed","result":"succeeded"},"run":{"pipeline":{"id":9,"name":"web-api-cd"},)"
           R"("state":"inProgress","result":null,"id":)" +
           std::to_string(run_id) + R"(,"name":"r"},"pipeline":{"id":9,"name":"web-api-cd"}}})";
}

// A release of definition web-api-rm whose primary artifact is build `build_id`.
FakeRelease release_of(int release_id, int build_id) {
    FakeRelease r;
    r.id = release_id;
    r.project = "Contoso";
    r.definition_id = 4;
    r.definition = "web-api-rm";
    FakeReleaseArtifact other;  // another pipeline's build: not what this deployment ships
    other.alias = "_tools";
    other.is_primary = false;
    other.build_id = "9999";
    other.definition = "tools-ci";
    other.repository = "tools";
    FakeReleaseArtifact build;
    build.build_id = std::to_string(build_id);
    build.definition = "web-api-ci";
    build.repository = "web-api";
    r.artifacts = {other, build};
    return r;
}

DaemonOptions options_for(const FakeAzureDevOps& fake) {
    DaemonOptions o;
    o.extra_toml = "[azure_devops]\norganization_url = \"" + fake.organization_url() +
                   "\"\ntoken_file = \"azure-token\"\n\n"
                   "[[deployment]]\nname = \"web-api-cd\"\nenvironment = \"production\"\nproject = "
                   "\"Contoso\"\n"
                   "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"stage\"\npipeline = "
                   "\"web-api-cd\"\n"
                   "stage = \"Production\"\n\n"
                   "[[deployment]]\nname = \"web-api-rm\"\nenvironment = \"production\"\n"
                   "project = \"Contoso\"\nrepository = \"web-api\"\nbranch = \"main\"\n"
                   "trigger = \"release\"\nrelease_definition = \"web-api-rm\"\n"
                   "release_environment = \"Prod\"\n\n";
    return o;
}

class WorkQueueTest : public ::testing::Test {
  protected:
    WorkQueueTest() : fake(k_pat), daemon(options_for(fake)) {
        fake.add_project("Contoso", "1f2e3d4c-0000-4000-8000-000000000002");
        fake.add_repository("Contoso", "web-api", "7a1b2c3d-0000-4000-8000-000000000001");
        fake.add_build_definition("Contoso", "web-api-cd", 9);
        fake.add_release_definition({4, "Contoso", "web-api-rm", {{12, "Prod"}}});
        for (int n = 1; n <= k_history; ++n) {
            FakeCommit c;
            c.sha = sha(n);
            if (n > 1) c.parents = {sha(n - 1)};
            c.author_date = time_of(n);
            c.comment = "Change " + std::to_string(n);
            fake.add_commit("Contoso", "web-api", c);
        }
        daemon.dir().write("azure-token", std::string(k_pat) + "\n");
        daemon.dir().write("webhook-password", std::string(k_webhook_password) + "\n");
    }

    std::string deploys_json(const std::string& deployment) {
        return work_queue::deploys_json(daemon, deployment);
    }
    template <class Pred>
    bool eventually(const std::string& deployment, Pred pred) {
        return work_queue::eventually(daemon, deployment, pred);
    }
    std::size_t requests_to(const std::string& method, const std::string& suffix) const {
        return work_queue::requests_to(fake, method, suffix);
    }

    FakeAzureDevOps fake;
    DaemonHarness daemon;
};

TEST_F(WorkQueueTest, TruncatedPushGetsItsFullCommitSetAndStageDeployItsShaThenReindexAgrees) {
    ASSERT_TRUE(daemon.start());
    auto first = daemon.post_event(push_event("p1", 1, 0, 1, {1}, time_of(1)));
    ASSERT_TRUE(first && first->status == 200);
    // Push 2 brought commits 2..150, but its payload lists only the newest 100.
    std::vector<int> listed;
    for (int n = 51; n <= k_history; ++n) listed.push_back(n);
    auto second = daemon.post_event(push_event("p2", 2, 1, k_history, listed, time_of(200)));
    ASSERT_TRUE(second && second->status == 200);

    ASSERT_TRUE(eventually("web-api", [](const std::string& json) {
        auto d = deploy_with_sha(json, sha(k_history));
        return d.find("\"commits_complete\":true") != std::string::npos;
    })) << deploys_json("web-api");
    auto full = deploy_with_sha(deploys_json("web-api"), sha(k_history));
    EXPECT_NE(full.find("\"commit_count\":149"), std::string::npos) << full;
    EXPECT_NE(full.find(sha(2)), std::string::npos) << "the oldest commit REST added is in the set";
    EXPECT_GE(requests_to("POST", "/commitsbatch"), 1u);

    // A stage deploy: the run's build gives the sha.
    FakeBuild run;
    run.id = 77;
    run.project = "Contoso";
    run.definition = "web-api-cd";
    run.source_version = sha(k_history);
    fake.add_build(run);
    auto stage = daemon.post_event(stage_event("s77", 77, time_of(300)));
    ASSERT_TRUE(stage && stage->status == 200);
    ASSERT_TRUE(eventually("web-api-cd", [](const std::string& json) {
        return !deploy_with_sha(json, sha(k_history)).empty();
    })) << deploys_json("web-api-cd");
    EXPECT_EQ(requests_to("GET", "/_apis/build/builds/77"), 1u);

    // A run Azure DevOps does not know (404): shown as failed, not retried forever.
    auto unknown = daemon.post_event(stage_event("s78", 78, time_of(400)));
    ASSERT_TRUE(unknown && unknown->status == 200);
    std::string id;
    ASSERT_TRUE(eventually("web-api-cd", [&](const std::string& json) {
        return pending_deploy_failed(daemon, json, id);
    }));
    const auto asked = requests_to("GET", "/_apis/build/builds/78");
    EXPECT_EQ(asked, 1u);

    const std::string live_push = deploys_json("web-api");
    const std::string live_stage = deploys_json("web-api-cd");
    ASSERT_EQ(daemon.stop(), 0);
    auto reindex =
        run_command(SHIPLOG_BINARY, {"reindex", "--config", daemon.config_path().string()});
    ASSERT_EQ(reindex.exit_code, 0) << reindex.err;
    EXPECT_EQ(deploys_json("web-api"), live_push);
    EXPECT_EQ(deploys_json("web-api-cd"), live_stage);
    auto show = run_command(SHIPLOG_BINARY,
                            {"deploy", "show", id, "--config", daemon.config_path().string()});
    EXPECT_NE(show.out.find("FAILED"), std::string::npos) << show.out;
    EXPECT_EQ(requests_to("GET", "/_apis/build/builds/78"), asked) << "reindex needs no network";
}

TEST_F(WorkQueueTest, ReleaseDeployGetsShaAndCommitsFromItsBuildArtifactThenReindexAgrees) {
    ASSERT_TRUE(daemon.start());
    ASSERT_TRUE(daemon.post_event(push_event("p1", 1, 0, 1, {1}, time_of(1)))->status == 200);
    ASSERT_TRUE(daemon.post_event(push_event("p2", 2, 1, 5, {2, 3, 4, 5}, time_of(100)))->status ==
                200);
    for (auto [build_id, commit] : {std::pair{500, 1}, std::pair{501, 5}}) {
        FakeBuild b;
        b.id = build_id;
        b.project = "Contoso";
        b.definition = "web-api-ci";
        b.source_version = sha(commit);
        fake.add_build(b);
    }
    fake.add_release(release_of(30, 500));
    fake.add_release(release_of(31, 501));

    // Delivered before REST answers: the deploy waits for its release artifact.
    ASSERT_TRUE(daemon.post_event(release_event("r30", 30, time_of(300)))->status == 200);
    ASSERT_TRUE(eventually("web-api-rm", [](const std::string& json) {
        return !deploy_with_sha(json, sha(1)).empty();
    })) << deploys_json("web-api-rm");
    ASSERT_TRUE(daemon.post_event(release_event("r31", 31, time_of(400)))->status == 200);
    ASSERT_TRUE(eventually("web-api-rm", [](const std::string& json) {
        auto d = deploy_with_sha(json, sha(5));
        return d.find("\"commits_complete\":true") != std::string::npos;
    })) << deploys_json("web-api-rm");
    auto second = deploy_with_sha(deploys_json("web-api-rm"), sha(5));
    EXPECT_NE(second.find("\"trigger\":\"release\""), std::string::npos) << second;
    EXPECT_NE(second.find("\"commit_count\":4"), std::string::npos) << second;
    EXPECT_NE(second.find(sha(2)), std::string::npos) << second;
    EXPECT_EQ(second.find(sha(1)), std::string::npos)
        << "the previous deploy's commit is not shipped again";
    EXPECT_EQ(requests_to("GET", "/_apis/release/releases/31"), 1u);
    EXPECT_EQ(requests_to("GET", "/_apis/build/builds/501"), 1u);
    EXPECT_EQ(requests_to("GET", "/_apis/build/builds/9999"), 0u)
        << "the other pipeline's artifact";

    // A release Azure DevOps does not know (404): failed, not retried.
    ASSERT_TRUE(daemon.post_event(release_event("r32", 32, time_of(500)))->status == 200);
    std::string id;
    ASSERT_TRUE(eventually("web-api-rm", [&](const std::string& json) {
        return pending_deploy_failed(daemon, json, id);
    }));

    const std::string live = deploys_json("web-api-rm");
    const auto asked = fake.requests().size();
    ASSERT_EQ(daemon.stop(), 0);
    auto reindex =
        run_command(SHIPLOG_BINARY, {"reindex", "--config", daemon.config_path().string()});
    ASSERT_EQ(reindex.exit_code, 0) << reindex.err;
    EXPECT_EQ(deploys_json("web-api-rm"), live);
    EXPECT_EQ(fake.requests().size(), asked) << "reindex needs no network";
}

TEST_F(WorkQueueTest, FirstDeployOfATruncatedPushShipsThatPushsFullCommitList) {
    // The branch is created by one push of commits 1..150 whose payload lists
    // only the newest 100: the first deploy ships the push's 150 commits
    // (SPEC §6), taken from the push itself, not just its tip commit.
    std::vector<int> all, listed;
    for (int n = 1; n <= k_history; ++n) all.push_back(n);
    for (int n = 51; n <= k_history; ++n) listed.push_back(n);
    const std::string full = push_event("p1", 1, 0, k_history, all, time_of(200));
    FakePush p;
    p.push_id = 1;
    p.ref_name = "refs/heads/main";
    p.date = time_of(200);
    p.json =
        full.substr(full.find("\"resource\":") + 11, full.size() - full.find("\"resource\":") - 12);
    fake.add_push("Contoso", "web-api", p);

    ASSERT_TRUE(daemon.start());
    ASSERT_TRUE(
        daemon.post_event(push_event("p1", 1, 0, k_history, listed, time_of(200)))->status == 200);
    ASSERT_TRUE(eventually("web-api", [](const std::string& json) {
        return deploy_with_sha(json, sha(k_history)).find("\"commits_complete\":true") !=
               std::string::npos;
    })) << deploys_json("web-api");
    auto first = deploy_with_sha(deploys_json("web-api"), sha(k_history));
    EXPECT_NE(first.find("\"commit_count\":150"), std::string::npos) << first;
    EXPECT_NE(first.find(sha(1)), std::string::npos) << "the oldest commit of the push";
    EXPECT_EQ(requests_to("GET", "/pushes/1"), 1u);
    EXPECT_EQ(requests_to("GET", "/commits/" + sha(k_history)), 0u);
}

}  // namespace
}  // namespace shiplog::testing
