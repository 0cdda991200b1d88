// A classic release deploy whose artifact's build is gone (GET build/builds/{id}
// answers 404, e.g. deleted by retention): shiplog takes the commit from the
// artifact's own definitionReference.sourceVersion (docs/azure-devops.md §4),
// the queue item completes, nothing is asked twice, and `reindex` reproduces
// it without network. Without a sourceVersion the look-up fails for good.
#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "support/fake_azure_devops.hpp"
#include "work_queue_support.hpp"

namespace shiplog::testing {
namespace {

using namespace work_queue;

constexpr const char* k_pat = "pat-relgone-4b6d8f0a2c4e6a8c0e2f";
constexpr std::size_t npos = std::string::npos;

// A release of web-api-rm whose web-api-ci build `build_id` no longer exists;
// the artifact still names the commit it was built from (`source_version`
// 0: not sent). A second, non-primary artifact of another pipeline names
// another commit that must not be taken.
FakeRelease release_of(int release_id, int build_id, int source_version) {
    FakeRelease r;
    r.id = release_id;
    r.project = "Contoso";
    r.definition_id = 4;
    r.definition = "web-api-rm";
    FakeReleaseArtifact other;
    other.alias = "_tools";
    other.is_primary = false;
    other.build_id = "9999";
    other.definition = "tools-ci";
    other.repository = "tools";
    other.source_version = sha(99);
    FakeReleaseArtifact build;
    build.build_id = std::to_string(build_id);
    build.definition = "web-api-ci";
    build.repository = "web-api";
    if (source_version != 0) build.source_version = sha(source_version);
    r.artifacts = {other, build};
    return r;
}

DaemonOptions options_for(const FakeAzureDevOps& fake) {
    DaemonOptions o;
    o.extra_toml = azure_devops_toml(fake) +
                   "[[deployment]]\nname = \"web-api-rm\"\nenvironment = \"production\"\n"
                   "project = \"Contoso\"\nrepository = \"web-api\"\nbranch = \"main\"\n"
                   "trigger = \"release\"\nrelease_definition = \"web-api-rm\"\n"
                   "release_environment = \"Prod\"\n\n";
    return o;
}

class ReleaseBuildGoneTest : public ::testing::Test {
  protected:
    ReleaseBuildGoneTest() : fake(k_pat), daemon(options_for(fake)) {
        fake.add_project("Contoso", k_project_id);
        fake.add_repository("Contoso", "web-api", k_repository_id);
        fake.add_release_definition({4, "Contoso", "web-api-rm", {{12, "Prod"}}});
        daemon.dir().write("azure-token", std::string(k_pat) + "\n");
        daemon.dir().write("webhook-password", std::string(k_webhook_password) + "\n");
    }

    bool deliver(const std::string& body) {
        auto r = daemon.post_event(body);
        return r && r->status == 200;
    }

    FakeAzureDevOps fake;
    DaemonHarness daemon;
};

TEST_F(ReleaseBuildGoneTest, ShaComesFromTheArtifactsSourceVersionAndTheItemCompletes) {
    // No build is added to the fake: every builds/{id} look-up answers 404.
    fake.add_release(release_of(40, 600, 1));
    fake.add_release(release_of(41, 601, 5));
    fake.add_release(release_of(42, 602, 0));  // gone, and no sourceVersion either
    ASSERT_TRUE(daemon.start());
    ASSERT_TRUE(deliver(push_event("p1", 1, 0, 1, {1}, time_of(1))));
    ASSERT_TRUE(deliver(push_event("p2", 2, 1, 5, {2, 3, 4, 5}, time_of(100))));

    // Release 40 (first deploy): its sha from sourceVersion, shipping push 1.
    ASSERT_TRUE(deliver(release_event("r40", 40, time_of(300))));
    ASSERT_TRUE(eventually(daemon, "web-api-rm", [](const std::string& json) {
        return deploy_with_sha(json, sha(1)).find("\"commits_complete\":true") != npos;
    })) << deploys_json(daemon, "web-api-rm");
    const auto first = deploy_with_sha(deploys_json(daemon, "web-api-rm"), sha(1));
    EXPECT_NE(first.find("\"trigger\":\"release\""), npos) << first;
    EXPECT_NE(first.find("\"commit_count\":1,"), npos) << first;
    const std::string first_show = deploy_show(daemon, id_of(first));
    EXPECT_EQ(first_show.find("pending over REST"), npos) << "the item completed: " << first_show;

    // Release 42, later in time: gone without a sourceVersion, failed for good.
    ASSERT_TRUE(deliver(release_event("r42", 42, time_of(500))));
    std::string failed_id;
    ASSERT_TRUE(eventually(daemon, "web-api-rm", [&](const std::string& json) {
        failed_id = id_of(deploy_with_sha(json, ""));
        return !failed_id.empty() && deploy_show(daemon, failed_id).find("FAILED") != npos;
    })) << deploys_json(daemon, "web-api-rm");
    EXPECT_NE(deploy_show(daemon, failed_id).find("FAILED: build 602 not found"), npos)
        << deploy_show(daemon, failed_id);

    // Release 41, between the two: sha 5 from sourceVersion, commits 2..5 from
    // the pushes after release 40's sha. Answering it took another queue pass.
    ASSERT_TRUE(deliver(release_event("r41", 41, time_of(400))));
    ASSERT_TRUE(eventually(daemon, "web-api-rm", [](const std::string& json) {
        return deploy_with_sha(json, sha(5)).find("\"commits_complete\":true") != npos;
    })) << deploys_json(daemon, "web-api-rm");
    const auto second = deploy_with_sha(deploys_json(daemon, "web-api-rm"), sha(5));
    EXPECT_NE(second.find("\"commit_count\":4,"), npos) << second;
    EXPECT_NE(second.find("\"sha\":\"" + sha(2) + "\""), npos) << second;
    EXPECT_EQ(second.find("\"sha\":\"" + sha(1) + "\""), npos) << second;
    EXPECT_EQ(deploys_json(daemon, "web-api-rm").find(sha(99)), npos)
        << "the other pipeline's artifact is not taken";

    for (int release : {40, 41, 42})
        EXPECT_EQ(requests_to(fake, "GET", "/_apis/release/releases/" + std::to_string(release)),
                  1u)
            << release;
    for (int build : {600, 601, 602})
        EXPECT_EQ(requests_to(fake, "GET", "/_apis/build/builds/" + std::to_string(build)), 1u)
            << "a 404 is not retried: " << build;
    EXPECT_EQ(requests_to(fake, "GET", "/_apis/build/builds/9999"), 0u);

    const std::string live = deploys_json(daemon, "web-api-rm");
    const auto asked = fake.requests().size();
    ASSERT_EQ(daemon.stop(), 0);
    const auto ids = daemon.journal_event_ids();
    EXPECT_EQ(journaled(ids, "shiplog-lookup:release_artifact_lookup:", ":40"), 1u);
    EXPECT_EQ(journaled(ids, "shiplog-lookup:release_artifact_lookup:", ":41"), 1u);
    EXPECT_EQ(journaled(ids, "shiplog-lookup-failed:release_artifact_lookup:", ":42"), 1u);
    EXPECT_EQ(journaled(ids, "shiplog-lookup-failed:", ":40"), 0u);
    auto reindex =
        run_command(SHIPLOG_BINARY, {"reindex", "--config", daemon.config_path().string()});
    ASSERT_EQ(reindex.exit_code, 0) << reindex.err;
    EXPECT_EQ(deploys_json(daemon, "web-api-rm"), live);
    EXPECT_NE(deploy_show(daemon, failed_id).find("FAILED"), npos);
    EXPECT_EQ(fake.requests().size(), asked) << "reindex needs no network";
}

}  // namespace
}  // namespace shiplog::testing
