// Backfill beyond pushes (bf): work items changed while the daemon was
// down come back over WIQL + workitems and count once beside the same
// revision delivered live; notification history longer than Azure DevOps
// returns in one answer is paged by time window; and `serve` backfills by
// itself after downtime and after re-enabling a subscription (SPEC §7).
// Real binary, real LMDB, the fake Azure DevOps over HTTP on 127.0.0.1.
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>

#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "support/fake_azure_devops.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_pat = "pat-backfill-rest-5e7a9c1b3d2f4a6e8c0b";
constexpr const char* k_project_id = "1f2e3d4c-0000-4000-8000-000000000002";
constexpr const char* k_repo_id = "7a1b2c3d-0000-4000-8000-000000000001";

std::string minutes_ago(int minutes) {
    std::time_t t = std::time(nullptr) - minutes * 60;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// A work item as GET wit/workitems?$expand=relations returns it.
std::string work_item(int id, int rev, const std::string& type, const std::string& state,
                      const std::string& tags, const std::string& created,
                      const std::string& changed, int linked_sha = 0) {
    std::string out =
        "{\"id\":" + std::to_string(id) + ",\"rev\":" + std::to_string(rev) +
        ",\"fields\":{\"System.AreaPath\":\"Contoso\",\"System.TeamProject\":\"Contoso\","
        "\"System.WorkItemType\":\"" +
        type + "\",\"System.State\":\"" + state + "\",\"System.Title\":\"Item " +
        std::to_string(id) + "\",\"System.Tags\":\"" + tags + "\",\"System.CreatedDate\":\"" +
        created + "\",\"System.ChangedDate\":\"" + changed + "\"}";
    if (linked_sha)
        out += ",\"relations\":[{\"rel\":\"ArtifactLink\",\"url\":\"vstfs:///Git/Commit/" +
               std::string(k_project_id) + "%2F" + k_repo_id + "%2F" + sha(linked_sha) +
               "\",\"attributes\":{\"name\":\"Fixed in Commit\"}}]";
    return out + ",\"url\":\"http://fake/_apis/wit/workItems/" + std::to_string(id) + "\"}";
}

// The live deliveries of the same revisions.
std::string created_event(const std::string& event_id, const std::string& item) {
    return "{\"id\":\"" + event_id +
           "\",\"eventType\":\"workitem.created\",\"publisherId\":\"tfs\",\"resourceVersion\":\"1."
           "0\","
           "\"resource\":" +
           item + "}";
}
std::string updated_event(const std::string& event_id, int id, int rev, const std::string& item) {
    return "{\"id\":\"" + event_id +
           "\",\"eventType\":\"workitem.updated\",\"publisherId\":\"tfs\",\"resourceVersion\":\"1."
           "0\","
           "\"resource\":{\"id\":7,\"workItemId\":" +
           std::to_string(id) + ",\"rev\":" + std::to_string(rev) +
           ",\"fields\":{\"System.State\":{\"oldValue\":\"New\",\"newValue\":\"Active\"}},"
           "\"revision\":" +
           item + "}}";
}

class BackfillRestTest : public ::testing::Test {
  protected:
    BackfillRestTest() : fake(k_pat), live(), recovered(azure_options(fake)) {
        fake.add_project("Contoso", k_project_id);
        fake.add_repository("Contoso", "web-api", k_repo_id);
        for (auto* d : {&live, &recovered})
            d->dir().write("webhook-password", std::string(k_webhook_password) + "\n");
        recovered.dir().write("azure-token", std::string(k_pat) + "\n");
        for (int i = 0; i < 5; ++i) {
            dates.push_back(minutes_ago(50 - 10 * i));
            events.push_back(
                push_event("evt-p" + std::to_string(i + 1), i + 1, i, i + 1, {i + 1}, dates[i]));
        }
    }

    static DaemonOptions azure_options(const FakeAzureDevOps& fake) {
        DaemonOptions o;
        o.extra_toml = "[azure_devops]\norganization_url = \"" + fake.organization_url() +
                       "\"\ntoken_file = \"azure-token\"\n";
        return o;
    }

    CommandResult shiplog(const DaemonHarness& d, std::vector<std::string> args) {
        args.push_back("--config");
        args.push_back(d.config_path().string());
        auto r = run_command(SHIPLOG_BINARY, args);
        output += r.out + r.err;
        return r;
    }

    void post_all(DaemonHarness& d, const std::vector<std::string>& bodies) {
        for (const auto& e : bodies) {
            auto r = d.post_event(e);
            ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
        }
    }

    std::string owned_subscription(const std::string& event_type) const {
        for (const auto& s : fake.subscriptions()) {
            auto h = s.consumer_inputs.find("httpHeaders");
            if (s.event_type == event_type && h != s.consumer_inputs.end() &&
                h->second.find("X-Shiplog-Hook:") != std::string::npos)
                return s.id;
        }
        return {};
    }

    void TearDown() override {
        if (recovered_serve_output) output += *recovered_serve_output;
        EXPECT_EQ(output.find(k_pat), std::string::npos) << "the PAT leaked";
    }

    FakeAzureDevOps fake;
    DaemonHarness live;       // control: every delivery arrives
    DaemonHarness recovered;  // misses some, then backfills
    std::vector<std::string> dates;
    std::vector<std::string> events;
    std::string output;
    std::optional<std::string> recovered_serve_output;
};

// A completed pull request as GET .../pullrequests lists it.
std::string pull_request_json(int id, const std::string& created, const std::string& closed,
                              int merge_sha, const std::string& strategy) {
    return "{\"repository\":{\"id\":\"" + std::string(k_repo_id) +
           "\",\"name\":\"web-api\",\"project\":{\"id\":\"" + k_project_id +
           "\",\"name\":\"Contoso\"}},\"pullRequestId\":" + std::to_string(id) +
           ",\"status\":\"completed\",\"createdBy\":{\"id\":\"author-1\"},\"creationDate\":\"" +
           created + "\",\"closedDate\":\"" + closed + "\",\"title\":\"PR " + std::to_string(id) +
           "\",\"sourceRefName\":\"refs/heads/feature/x\",\"targetRefName\":\"refs/heads/main\","
           "\"lastMergeCommit\":{\"commitId\":\"" +
           sha(merge_sha) + "\"},\"completionOptions\":{\"mergeStrategy\":\"" + strategy +
           "\"},\"reviewers\":[]}";
}

TEST_F(BackfillRestTest, PullRequestsCompletedWhileDownComeBackWithCommitsAndThreads) {
    ASSERT_TRUE(recovered.start());
    post_all(recovered, events);
    ASSERT_EQ(recovered.stop(), 0);

    FakePullRequest pr41;
    pr41.id = 41;
    pr41.json = pull_request_json(41, minutes_ago(45), dates[2], 3, "noFastForward");
    pr41.commits = {"{\"commitId\":\"" + sha(3) + "\",\"author\":{\"name\":\"Ada\",\"date\":\"" +
                    minutes_ago(100) + "\"}}"};
    pr41.threads = {
        "{\"id\":1,\"comments\":[{\"id\":1,\"author\":{\"id\":\"rev-1\"},"
        "\"publishedDate\":\"" +
        minutes_ago(40) + "\",\"commentType\":\"text\"}]}"};
    fake.add_pull_request("Contoso", "web-api", pr41);
    FakePullRequest pr42;  // its commits endpoint answers 404: no coding time
    pr42.id = 42;
    pr42.json = pull_request_json(42, minutes_ago(25), dates[3], 4, "squash");
    pr42.commits_missing = true;
    fake.add_pull_request("Contoso", "web-api", pr42);
    FakePullRequest old;  // closed before --since: not asked for
    old.id = 7;
    old.json = pull_request_json(7, minutes_ago(60 * 40), minutes_ago(60 * 30), 1, "squash");
    fake.add_pull_request("Contoso", "web-api", old);

    auto backfill = shiplog(recovered, {"backfill"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
    EXPECT_NE(backfill.out.find("pull request 41: stored"), std::string::npos) << backfill.out;
    EXPECT_NE(backfill.out.find("pull request 42: stored"), std::string::npos) << backfill.out;
    EXPECT_EQ(backfill.out.find("pull request 7"), std::string::npos) << backfill.out;

    auto deploys = shiplog(recovered, {"deploys", "--json"});
    ASSERT_EQ(deploys.exit_code, 0) << deploys.err;
    EXPECT_NE(deploys.out.find("\"pull_requests\":[{\"id\":41,\"title\":\"PR 41\""),
              std::string::npos)
        << deploys.out;
    EXPECT_NE(deploys.out.find("\"pull_requests\":[{\"id\":42,"), std::string::npos) << deploys.out;
    auto metrics = shiplog(recovered, {"metrics", "--json", "--since", "1d"});
    ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
    // PR 41 has a coding time (its commit 100 minutes ago), PR 42 none.
    EXPECT_NE(metrics.out.find("\"pull_requests\":2,"), std::string::npos) << metrics.out;
    EXPECT_EQ(metrics.out.find("\"coding\":{\"median\":null"), std::string::npos) << metrics.out;

    auto again = shiplog(recovered, {"backfill"});
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_NE(again.out.find("backfill: 0 stored"), std::string::npos) << again.out;
    EXPECT_EQ(shiplog(recovered, {"deploys", "--json"}).out, deploys.out);
}

TEST_F(BackfillRestTest, WorkItemsChangedWhileDownComeBackOverWiqlAndCountOnce) {
    // An incident Bug opened after the last deploy (created live, then
    // updated), and a Task linked to the deployed commit.
    const std::string created = minutes_ago(5), changed = minutes_ago(4);
    const std::string bug_rev1 = work_item(500, 1, "Bug", "New", "incident", created, created);
    const std::string bug_rev2 = work_item(500, 2, "Bug", "Active", "incident", created, changed);
    const std::string task_rev1 = work_item(501, 1, "Task", "New", "", created, created, 3);
    std::vector<std::string> pushes(events.begin(), events.begin() + 3);

    ASSERT_TRUE(live.start());
    post_all(live, pushes);
    post_all(live, {created_event("evt-wi500-1", bug_rev1),
                    updated_event("evt-wi500-2", 500, 2, bug_rev2),
                    created_event("evt-wi501-1", task_rev1)});
    ASSERT_EQ(live.stop(), 0);
    auto control = shiplog(live, {"deploys", "--json"});
    ASSERT_EQ(control.exit_code, 0) << control.err;
    ASSERT_NE(control.out.find("incident"), std::string::npos) << control.out;

    // The recovered daemon got the pushes, not the work items.
    ASSERT_TRUE(recovered.start());
    post_all(recovered, pushes);
    ASSERT_EQ(recovered.stop(), 0);
    auto before = shiplog(recovered, {"deploys", "--json"});
    ASSERT_NE(before.out, control.out);

    fake.add_work_item({500, "Contoso", changed, bug_rev2});
    fake.add_work_item({501, "Contoso", created, task_rev1});
    fake.add_work_item(
        {502, "Contoso", minutes_ago(60 * 30),
         work_item(502, 9, "Bug", "New", "incident", minutes_ago(60 * 30), minutes_ago(60 * 30))});
    fake.clear_requests();
    auto backfill = shiplog(recovered, {"backfill"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
    EXPECT_NE(backfill.out.find("work item 500 rev 2: stored"), std::string::npos) << backfill.out;
    EXPECT_NE(backfill.out.find("work item 501 rev 1: stored"), std::string::npos) << backfill.out;
    EXPECT_EQ(backfill.out.find("work item 502"), std::string::npos)
        << "changed before --since: not asked for";
    bool wiql = false, batch = false;
    for (const auto& r : fake.requests()) {
        if (r.path.ends_with("/Contoso/_apis/wit/wiql")) {
            wiql = true;
            EXPECT_EQ(r.method, "POST");
            EXPECT_EQ(r.params.count("timePrecision") ? r.params.at("timePrecision") : "", "true");
            EXPECT_NE(r.body.find("[System.ChangedDate] >= '"), std::string::npos) << r.body;
        }
        if (r.path.ends_with("/Contoso/_apis/wit/workitems")) {
            batch = true;
            EXPECT_EQ(r.params.count("$expand") ? r.params.at("$expand") : "", "relations");
            EXPECT_EQ(r.params.count("ids") ? r.params.at("ids") : "",
                      "501,500");  // ChangedDate order
        }
    }
    EXPECT_TRUE(wiql);
    EXPECT_TRUE(batch);

    auto after = shiplog(recovered, {"deploys", "--json"});
    EXPECT_EQ(after.out, control.out) << "backfilled work items must give what live delivery gave";

    // The same revisions delivered live later (other event ids) are journaled
    // but count once: the facts are keyed (work item, rev, kind).
    ASSERT_TRUE(recovered.start());
    post_all(recovered, {updated_event("evt-wi500-2", 500, 2, bug_rev2),
                         created_event("evt-wi501-1", task_rev1)});
    ASSERT_EQ(recovered.stop(), 0);
    EXPECT_EQ(shiplog(recovered, {"deploys", "--json"}).out, control.out);

    auto again = shiplog(recovered, {"backfill"});
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_NE(again.out.find("backfill: 0 stored"), std::string::npos) << again.out;
}

TEST_F(BackfillRestTest, NotificationHistoryIsPagedByTimeWindowWhenAzureDevOpsCapsIt) {
    auto sync = shiplog(recovered, {"hooks", "sync"});
    ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
    const std::string subscription = owned_subscription("git.push");
    ASSERT_FALSE(subscription.empty());
    for (int i = 0; i < 5; ++i) {
        FakeNotification n;
        n.id = 300 + i;
        n.subscription_id = subscription;
        n.created_date = dates[i];
        n.event_json = events[i];
        fake.add_notification(n);
    }
    fake.set_notifications_cap(2);  // newest first, two per answer
    fake.clear_requests();
    auto backfill = shiplog(recovered, {"backfill", "--since", minutes_ago(120)});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
    EXPECT_NE(backfill.out.find("backfill: 5 stored, 0 already known"), std::string::npos)
        << backfill.out;
    // Stored oldest first, whatever order the answers came in.
    for (int i = 0; i < 4; ++i)
        EXPECT_LT(backfill.out.find("notification " + std::to_string(300 + i) + ": stored"),
                  backfill.out.find("notification " + std::to_string(301 + i) + ": stored"))
            << backfill.out;
    std::vector<std::string> bodies;
    for (const auto& r : fake.requests())
        if (r.path.ends_with("/_apis/hooks/notificationsquery")) bodies.push_back(r.body);
    ASSERT_GE(bodies.size(), 3u) << "5 notifications, 2 per answer: the window must move";
    EXPECT_EQ(bodies[0].find("maxCreatedDate"), std::string::npos) << bodies[0];
    EXPECT_NE(bodies[0].find("\"maxResults\":"), std::string::npos) << bodies[0];
    EXPECT_NE(bodies[1].find("\"maxCreatedDate\":\"" + dates[3] + "\""), std::string::npos)
        << bodies[1];

    auto deploys = shiplog(recovered, {"deploys", "--json"});
    EXPECT_NE(deploys.out.find(sha(5)), std::string::npos) << deploys.out;
    EXPECT_NE(deploys.out.find(sha(1)), std::string::npos) << deploys.out;

    // Oldest first answers move the other end of the window.
    fake.set_notifications_cap(2, false);
    fake.clear_requests();
    auto again = shiplog(recovered, {"backfill", "--since", minutes_ago(120)});
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_NE(again.out.find("backfill: 0 stored, 5 already known"), std::string::npos)
        << again.out;
    std::size_t queries = 0;
    for (const auto& r : fake.requests())
        if (r.path.ends_with("/_apis/hooks/notificationsquery")) {
            ++queries;
            EXPECT_EQ(r.body.find("maxCreatedDate"), std::string::npos) << r.body;
        }
    EXPECT_GE(queries, 3u);
}

TEST_F(BackfillRestTest, ServeBackfillsByItselfAfterDowntimeAndAfterReenablingASubscription) {
    ASSERT_TRUE(live.start());
    post_all(live, events);
    ASSERT_EQ(live.stop(), 0);
    auto control = shiplog(live, {"deploys", "--json"});
    ASSERT_EQ(control.exit_code, 0) << control.err;

    // Delivery 1 arrives; serve creates its subscriptions; then it stops.
    ASSERT_TRUE(recovered.start());
    post_all(recovered, {events[0]});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (owned_subscription("git.push").empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds{100});  // polling the fake
    const std::string subscription = owned_subscription("git.push");
    ASSERT_FALSE(subscription.empty());
    ASSERT_EQ(recovered.stop(), 0);

    // Deliveries 2 and 3 failed while it was down.
    auto notify = [&](int i, const std::string& result) {
        FakeNotification n;
        n.id = 400 + i;
        n.subscription_id = subscription;
        n.result = result;
        n.created_date = dates[i];
        n.event_json = events[i];
        fake.add_notification(n);
    };
    notify(0, "succeeded");
    notify(1, "failed");
    notify(2, "failed");

    ASSERT_TRUE(recovered.start());
    auto& serve = recovered.serve().process();
    ASSERT_TRUE(
        serve.wait_for_output("backfill (downtime before start) since ", std::chrono::seconds{60}))
        << serve.output();
    EXPECT_TRUE(serve.wait_for_output(": 2 stored, 1 already known", std::chrono::seconds{5}))
        << serve.output();
    auto metrics = recovered.client().Get("/metrics");
    ASSERT_TRUE(metrics && metrics->status == 200);
    EXPECT_NE(metrics->body.find("shiplog_backfill_runs_total{result=\"ok\"} 1\n"),
              std::string::npos)
        << metrics->body;
    EXPECT_NE(metrics->body.find("shiplog_backfill_events_stored_total 2\n"), std::string::npos)
        << metrics->body;

    // Azure DevOps put the subscription on probation while deliveries 4 and 5
    // failed; SIGHUP's sync re-enables it and backfill follows.
    fake.set_status(subscription, "onProbation");
    notify(3, "failed");
    notify(4, "failed");
    serve.send_signal(SIGHUP);
    ASSERT_TRUE(serve.wait_for_output("backfill (1 subscription(s) re-enabled) since ",
                                      std::chrono::seconds{60}))
        << serve.output();
    EXPECT_TRUE(serve.wait_for_output(": 2 stored, 3 already known", std::chrono::seconds{5}))
        << serve.output();
    ASSERT_EQ(recovered.stop(), 0);
    recovered_serve_output = serve.output();
    EXPECT_EQ(shiplog(recovered, {"deploys", "--json"}).out, control.out);
}

}  // namespace
}  // namespace shiplog::testing
