// `shiplog backfill` against the fake Azure DevOps: deliveries missed while
// the daemon was stopped come back from our subscriptions' notification
// history and the REST push history, giving the same deploys as live
// delivery (compared with a control store that got every delivery live);
// a second backfill stores nothing.
#include <gtest/gtest.h>

#include <ctime>

#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "support/fake_azure_devops.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_pat = "pat-backfill-8d6c4b2a0f1e3d5c7b9a";

std::string minutes_ago(int minutes) {
    std::time_t t = std::time(nullptr) - minutes * 60;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// The "resource" of a delivery made by push_event (its last field).
std::string resource_of(const std::string& body) {
    auto at = body.find("\"resource\":");
    return body.substr(at + 11, body.size() - at - 12);
}

class BackfillTest : public ::testing::Test {
  protected:
    BackfillTest() : fake(k_pat), live(), recovered(azure_options(fake)) {
        fake.add_project("Contoso", "1f2e3d4c-0000-4000-8000-000000000002");
        fake.add_repository("Contoso", "web-api", "7a1b2c3d-0000-4000-8000-000000000001");
        for (auto* d : {&live, &recovered})
            d->dir().write("webhook-password", std::string(k_webhook_password) + "\n");
        recovered.dir().write("azure-token", std::string(k_pat) + "\n");
        dates = {minutes_ago(30), minutes_ago(20), minutes_ago(10)};
        for (int i = 0; i < 3; ++i)
            events.push_back(
                push_event("evt-p" + std::to_string(i + 1), i + 1, i, i + 1, {i + 1}, dates[i]));
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

    std::string owned_push_subscription() const {
        for (const auto& s : fake.subscriptions()) {
            auto h = s.consumer_inputs.find("httpHeaders");
            if (s.event_type == "git.push" && h != s.consumer_inputs.end() &&
                h->second.find("X-Shiplog-Hook:") != std::string::npos)
                return s.id;
        }
        return {};
    }

    void TearDown() override {
        EXPECT_EQ(output.find(k_pat), std::string::npos) << "the PAT leaked";
    }

    FakeAzureDevOps fake;
    DaemonHarness live;       // control: every delivery arrives
    DaemonHarness recovered;  // misses deliveries 2 and 3, then backfills
    std::vector<std::string> dates;
    std::vector<std::string> events;
    std::string output;
};

TEST_F(BackfillTest, MissedDeliveriesComeBackAsTheSameDeploysAndASecondRunIsANoOp) {
    ASSERT_TRUE(live.start());
    for (const auto& e : events) {
        auto r = live.post_event(e);
        ASSERT_TRUE(r && r->status == 200);
    }
    ASSERT_EQ(live.stop(), 0);
    auto control = shiplog(live, {"deploys", "--json"});
    ASSERT_EQ(control.exit_code, 0) << control.err;
    ASSERT_NE(control.out.find(sha(3)), std::string::npos);

    // The recovered daemon gets delivery 1 and creates its subscriptions, then stops.
    ASSERT_TRUE(recovered.start());
    auto first = recovered.post_event(events[0]);
    ASSERT_TRUE(first && first->status == 200);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (owned_push_subscription().empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(
            std::chrono::milliseconds{100});  // polling the fake, not synchronisation
    const std::string subscription = owned_push_subscription();
    ASSERT_FALSE(subscription.empty()) << "serve's hook sync created no git.push subscription";
    // Subscription health in /metrics once the sync finished.
    std::string metrics;
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (std::chrono::steady_clock::now() < deadline) {
        auto res = recovered.client().Get("/metrics");
        if (res && res->status == 200) metrics = res->body;
        if (metrics.find("shiplog_hook_subscriptions{status=\"enabled\"}") != std::string::npos)
            break;
        std::this_thread::sleep_for(
            std::chrono::milliseconds{100});  // polling, not synchronisation
    }
    EXPECT_NE(metrics.find("shiplog_hook_subscriptions{status=\"onProbation\"} 0\n"),
              std::string::npos)
        << metrics;
    EXPECT_EQ(metrics.find("shiplog_hook_subscriptions{status=\"enabled\"} 0\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("shiplog_hook_subscriptions{status=\"enabled\"} "), std::string::npos)
        << metrics;
    ASSERT_EQ(recovered.stop(), 0);
    auto before = shiplog(recovered, {"deploys", "--json"});
    ASSERT_EQ(before.out.find(sha(2)), std::string::npos);

    // Azure DevOps meanwhile: deliveries 2 and 3 failed (receiver down); all
    // three pushes are in the REST history; a foreign subscription's history
    // is not ours to replay.
    for (int i = 0; i < 3; ++i) {
        FakeNotification n;
        n.id = 100 + i;
        n.subscription_id = subscription;
        n.result = i == 0 ? "succeeded" : "failed";
        n.created_date = dates[i];
        n.event_json = events[i];
        fake.add_notification(n);
        FakePush p;
        p.push_id = i + 1;
        p.ref_name = "refs/heads/main";
        p.date = dates[i];
        p.json = resource_of(events[i]);
        fake.add_push("Contoso", "web-api", p);
    }
    FakeNotification foreign;
    foreign.id = 200;
    foreign.subscription_id = "00000000-0000-4000-8000-00000000f0e1";
    foreign.created_date = dates[2];
    foreign.event_json = push_event("evt-foreign", 9, 3, 9, {9}, dates[2]);
    fake.add_notification(foreign);

    fake.clear_requests();
    auto backfill = shiplog(recovered, {"backfill"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
    EXPECT_NE(backfill.out.find("notification 101: stored"), std::string::npos) << backfill.out;
    EXPECT_NE(backfill.out.find("notification 102: stored"), std::string::npos) << backfill.out;
    // Journaled: the two missed deliveries and the three REST pushes (their
    // facts are already known, so they add no deploy); delivery 1 is a duplicate.
    EXPECT_NE(backfill.out.find("backfill: 5 stored, 1 already known, 0 not relevant, 0 failed"),
              std::string::npos)
        << backfill.out;
    bool queried = false, listed_pushes = false;
    for (const auto& r : fake.requests()) {
        if (r.path.ends_with("/_apis/hooks/notificationsquery")) {
            queried = true;
            EXPECT_NE(r.body.find(subscription), std::string::npos);
            EXPECT_EQ(r.body.find("f0e1"), std::string::npos)
                << "only our subscriptions are queried";
            EXPECT_NE(r.body.find("\"includeDetails\":true"), std::string::npos);
        }
        if (r.path.ends_with("/pushes") && r.params.count("searchCriteria.refName"))
            listed_pushes = r.params.at("searchCriteria.refName") == "refs/heads/main";
    }
    EXPECT_TRUE(queried);
    EXPECT_TRUE(listed_pushes);

    auto after = shiplog(recovered, {"deploys", "--json"});
    EXPECT_EQ(after.out, control.out) << "backfill must give the deploys live delivery gave";
    EXPECT_EQ(after.out.find(sha(9)), std::string::npos);

    auto again = shiplog(recovered, {"backfill"});
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_NE(again.out.find("backfill: 0 stored"), std::string::npos) << again.out;
    EXPECT_EQ(shiplog(recovered, {"deploys", "--json"}).out, control.out);
}

}  // namespace
}  // namespace shiplog::testing
