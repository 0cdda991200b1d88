// A first deploy of a truncated push, when the push itself is bigger than what
// GET .../pushes/{id}?includeCommits=1000 returns (docs/azure-devops.md §4):
// the look-up is journaled as failed once, the deploy keeps the delivery's
// commits flagged `commits_complete: false`, nothing is retried, later deploys
// are unaffected and `reindex` reproduces it without network. A push just
// under the cap gets its whole commit list.
#include <gtest/gtest.h>

#include <vector>

#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "support/fake_azure_devops.hpp"
#include "work_queue_support.hpp"

namespace shiplog::testing {
namespace {

using namespace work_queue;

constexpr const char* k_pat = "pat-pushcap-8c0e2a4b6d8f0a1c3e5b";
constexpr std::size_t npos = std::string::npos;

DaemonOptions options_for(const FakeAzureDevOps& fake) {
    DaemonOptions o;
    o.extra_toml = azure_devops_toml(fake);  // the harness's push-triggered "web-api" deployment
    return o;
}

std::vector<int> range(int first, int last) {
    std::vector<int> out;
    for (int n = first; n <= last; ++n) out.push_back(n);
    return out;
}

class FirstDeployPushCapTest : public ::testing::Test {
  protected:
    FirstDeployPushCapTest() : fake(k_pat), daemon(options_for(fake)) {
        fake.add_project("Contoso", k_project_id);
        fake.add_repository("Contoso", "web-api", k_repository_id);
        daemon.dir().write("azure-token", std::string(k_pat) + "\n");
        daemon.dir().write("webhook-password", std::string(k_webhook_password) + "\n");
    }

    // Push 1 creates main with commits 1..n: Azure DevOps holds all of them
    // (and serves at most includeCommits), the delivery lists the newest 100.
    void deliver_branch_creation(int n) {
        const std::string full = push_event("p1", 1, 0, n, range(1, n), time_of(200));
        const auto at = full.find("\"resource\":") + 11;
        FakePush p;
        p.push_id = 1;
        p.ref_name = "refs/heads/main";
        p.date = time_of(200);
        p.json = full.substr(at, full.size() - at - 1);
        fake.add_push("Contoso", "web-api", p);
        auto r = daemon.post_event(push_event("p1", 1, 0, n, range(n - 99, n), time_of(200)));
        ASSERT_TRUE(r && r->status == 200);
    }

    FakeAzureDevOps fake;
    DaemonHarness daemon;
};

TEST_F(FirstDeployPushCapTest, PushOfMoreThan1000CommitsStaysIncompleteFailedOnceNeverRetried) {
    constexpr int k_commits = 1200;
    // Commits after the push, for a later deploy that needs commitsbatch.
    for (int n : {k_commits + 1, k_commits + 2}) {
        FakeCommit c;
        c.sha = sha(n);
        c.parents = {sha(n - 1)};
        c.comment = "Change " + std::to_string(n);
        fake.add_commit("Contoso", "web-api", c);
    }
    ASSERT_TRUE(daemon.start());
    deliver_branch_creation(k_commits);

    std::string id;
    ASSERT_TRUE(eventually(daemon, "web-api", [&](const std::string& json) {
        id = id_of(deploy_with_sha(json, sha(k_commits)));
        return !id.empty() && deploy_show(daemon, id).find("FAILED") != npos;
    })) << deploys_json(daemon, "web-api");
    const auto first = deploy_with_sha(deploys_json(daemon, "web-api"), sha(k_commits));
    EXPECT_NE(first.find("\"commits_complete\":false"), npos) << first;
    EXPECT_NE(first.find("\"commit_count\":100,"), npos)
        << "the delivery's commits, flagged incomplete: " << first;
    EXPECT_NE(first.find("\"sha\":\"" + sha(k_commits - 99) + "\""), npos) << first;
    EXPECT_EQ(first.find("\"sha\":\"" + sha(k_commits - 100) + "\""), npos)
        << "nothing of the capped REST answer is taken as the push's commit list";
    const std::string show = deploy_show(daemon, id);
    EXPECT_NE(show.find("1000 commits or more"), npos) << show;
    EXPECT_NE(show.find("(incomplete"), npos) << show;

    std::size_t push_requests = 0;
    for (const auto& r : fake.requests())
        if (r.method == "GET" && r.path.ends_with("/pushes/1")) {
            ++push_requests;
            EXPECT_EQ(r.params.count("includeCommits") ? r.params.at("includeCommits") : "",
                      "1000");
        }
    EXPECT_EQ(push_requests, 1u);
    EXPECT_EQ(requests_to(fake, "GET", "/commits/" + sha(k_commits)), 0u)
        << "not degraded to the tip commit alone";

    // A later push after a missing one: the next deploy needs commitsbatch.
    // Once it is answered the queue has run again, past the failed item.
    auto next = daemon.post_event(
        push_event("p3", 3, k_commits + 1, k_commits + 2, {k_commits + 2}, time_of(400)));
    ASSERT_TRUE(next && next->status == 200);
    ASSERT_TRUE(eventually(daemon, "web-api", [&](const std::string& json) {
        return deploy_with_sha(json, sha(k_commits + 2)).find("\"commits_complete\":true") != npos;
    })) << deploys_json(daemon, "web-api");
    const auto second = deploy_with_sha(deploys_json(daemon, "web-api"), sha(k_commits + 2));
    EXPECT_NE(second.find("\"commit_count\":2,"), npos) << second;
    EXPECT_EQ(second.find("\"sha\":\"" + sha(k_commits) + "\""), npos)
        << "the previous deploy's sha bounds the range: " << second;
    EXPECT_EQ(requests_to(fake, "POST", "/commitsbatch"), 1u);
    EXPECT_EQ(requests_to(fake, "GET", "/pushes/1"), 1u) << "a failed look-up is not retried";
    EXPECT_NE(deploy_show(daemon, id).find("FAILED"), npos);

    const std::string live = deploys_json(daemon, "web-api");
    const auto asked = fake.requests().size();
    ASSERT_EQ(daemon.stop(), 0);
    const auto ids = daemon.journal_event_ids();
    EXPECT_EQ(journaled(ids, "shiplog-lookup-failed:commits_between:", ".." + sha(k_commits)), 1u);
    EXPECT_EQ(journaled(ids, "shiplog-lookup:commits_between:", ".." + sha(k_commits)), 0u);
    auto reindex =
        run_command(SHIPLOG_BINARY, {"reindex", "--config", daemon.config_path().string()});
    ASSERT_EQ(reindex.exit_code, 0) << reindex.err;
    EXPECT_EQ(deploys_json(daemon, "web-api"), live);
    EXPECT_NE(deploy_show(daemon, id).find("1000 commits or more"), npos);
    EXPECT_EQ(fake.requests().size(), asked) << "reindex needs no network";
}

TEST_F(FirstDeployPushCapTest, PushJustUnderTheCapGivesTheFirstDeployAllItsCommits) {
    constexpr int k_commits = 999;
    ASSERT_TRUE(daemon.start());
    deliver_branch_creation(k_commits);
    ASSERT_TRUE(eventually(daemon, "web-api", [&](const std::string& json) {
        return deploy_with_sha(json, sha(k_commits)).find("\"commits_complete\":true") != npos;
    })) << deploys_json(daemon, "web-api");
    const auto first = deploy_with_sha(deploys_json(daemon, "web-api"), sha(k_commits));
    EXPECT_NE(first.find("\"commit_count\":999,"), npos) << first.substr(0, 400);
    EXPECT_NE(first.find("\"sha\":\"" + sha(1) + "\""), npos) << "the push's oldest commit";
    EXPECT_EQ(requests_to(fake, "GET", "/pushes/1"), 1u);
    const auto id = id_of(first);
    EXPECT_EQ(deploy_show(daemon, id).find("pending over REST"), npos) << "the item is done";
}

}  // namespace
}  // namespace shiplog::testing
