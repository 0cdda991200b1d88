// POST /hooks/azure-devops against a real daemon and a real store (SPEC §3).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"

namespace shiplog::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Webhook, StoresTrackedPushThenAnswersDuplicate) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto body = make_push_event("0b8f1e52-1c1d-4a39-9d47-1a2b3c4d5e01");
    auto first = daemon.post_event(body, "application/json; charset=utf-8");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(first->body, R"({"status":"stored"})");
    auto again = daemon.post_event(body);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
    EXPECT_EQ(again->body, R"({"status":"duplicate"})");
    ASSERT_EQ(daemon.stop(), 0);
    EXPECT_EQ(daemon.journal_event_ids(),
              std::vector<std::string>{"0b8f1e52-1c1d-4a39-9d47-1a2b3c4d5e01"});
}

TEST(Webhook, UntrackedRepositoryAndUnknownEventTypeAreJournaledButIgnored) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto other_repo = daemon.post_event(make_push_event("ev-other-repo", "billing"));
    ASSERT_TRUE(other_repo);
    // The answer says why (the same reason goes to the access log).
    EXPECT_EQ(other_repo->body,
              R"({"status":"ignored","reason":"no deployment tracks Contoso/billing:main"})");
    auto other_branch =
        daemon.post_event(make_push_event("ev-other-branch", "web-api", "feature/x"));
    ASSERT_TRUE(other_branch);
    EXPECT_EQ(other_branch->body,
              R"({"status":"ignored","reason":"no deployment tracks Contoso/web-api:feature/x"})");
    auto unknown =
        daemon.post_event(R"({"id":"ev-unknown","eventType":"something.new","resource":{}})");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 200);
    EXPECT_EQ(unknown->body, R"({"status":"ignored","reason":"event type not used"})");
    ASSERT_EQ(daemon.stop(), 0);
    EXPECT_EQ(daemon.journal_event_ids(),
              (std::vector<std::string>{"ev-other-repo", "ev-other-branch", "ev-unknown"}));
}

TEST(Webhook, RejectionsWriteNothing) {
    DaemonOptions options;
    options.max_body_bytes = 4096;
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto valid = make_push_event("ev-never-stored");

    auto c = daemon.client();
    auto no_auth = c.Post("/hooks/azure-devops", valid, "application/json");
    ASSERT_TRUE(no_auth);
    EXPECT_EQ(no_auth->status, 401);

    c.set_basic_auth(k_webhook_user, "wrong-password");
    auto wrong = c.Post("/hooks/azure-devops", valid, "application/json");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);

    c.set_basic_auth("someone-else", k_webhook_password);
    auto wrong_user = c.Post("/hooks/azure-devops", valid, "application/json");
    ASSERT_TRUE(wrong_user);
    EXPECT_EQ(wrong_user->status, 401);

    for (const std::string bad :
         {"not json", "[1,2,3]", R"({"eventType":"git.push"})", R"({"id":"x"})",
          R"({"id":5,"eventType":"git.push"})", R"({"id":"x","eventType":"git.push"} trailing)"}) {
        auto res = daemon.post_event(bad);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 400) << bad;
        EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << bad;
        EXPECT_NE(res->body.find("\"error\""), std::string::npos) << res->body;
    }

    auto text = daemon.post_event(valid, "text/plain");
    ASSERT_TRUE(text);
    EXPECT_EQ(text->status, 415);

    auto big = daemon.post_event(make_push_event("ev-too-big", "web-api", "main", 60));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);

    ASSERT_EQ(daemon.stop(), 0);
    EXPECT_TRUE(daemon.journal_event_ids().empty());
    // One line for the unauthenticated source, however many requests it sent.
    auto output = daemon.serve().process().output();
    std::size_t lines = 0;
    for (std::size_t pos = 0;
         (pos = output.find("refused unauthenticated", pos)) != std::string::npos; ++pos)
        ++lines;
    EXPECT_EQ(lines, 1u) << output;
}

TEST(Webhook, WithoutWebhookSectionLoopbackIsAccepted) {
    DaemonOptions options;
    options.webhook_auth = false;
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto res = daemon.client().Post("/hooks/azure-devops", make_push_event("ev-loopback"),
                                    "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, R"({"status":"stored"})");
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(Webhook, MetricsCountEventsByOutcome) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    ASSERT_TRUE(daemon.post_event(make_push_event("ev-m1")));
    ASSERT_TRUE(daemon.post_event(make_push_event("ev-m1")));
    ASSERT_TRUE(daemon.post_event(make_push_event("ev-m2", "billing")));
    auto metrics = daemon.client().Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    const auto& text = metrics->body;
    EXPECT_NE(text.find("shiplog_events_total{event_type=\"git.push\",outcome=\"stored\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("shiplog_events_total{event_type=\"git.push\",outcome=\"duplicate\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("shiplog_events_total{event_type=\"git.push\",outcome=\"ignored\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("shiplog_journal_events 2\n"), std::string::npos);
    EXPECT_EQ(text.find(k_webhook_password), std::string::npos);
    EXPECT_EQ(daemon.stop(), 0);
}

// Conformance: every real Azure DevOps sample payload from the docs is
// accepted, and the same payload again is a duplicate.
TEST(Webhook, SharedAzureDevOpsFixturesAreAcceptedOnceThenDuplicate) {
    std::filesystem::path dir = SHIPLOG_SHARED_FIXTURES;
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no shared fixtures at " << dir;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    ASSERT_FALSE(files.empty());

    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    std::set<std::string> distinct_ok;
    for (const auto& file : files) {
        auto body = slurp(file);
        auto res = daemon.post_event(body, "application/json; charset=utf-8");
        ASSERT_TRUE(res) << file;
        EXPECT_EQ(res->status, 200) << file << ": " << res->body;
        EXPECT_TRUE(res->body == R"({"status":"stored"})" ||
                    res->body.starts_with(R"({"status":"ignored","reason":")") ||
                    res->body == R"({"status":"duplicate"})")
            << file << ": " << res->body;
        auto again = daemon.post_event(body, "application/json; charset=utf-8");
        ASSERT_TRUE(again) << file;
        EXPECT_EQ(again->body, R"({"status":"duplicate"})") << file;
    }
    ASSERT_EQ(daemon.stop(), 0);
    auto ids = daemon.journal_event_ids();
    std::set<std::string> unique(ids.begin(), ids.end());
    EXPECT_EQ(unique.size(), ids.size()) << "an event id was journaled twice";
    EXPECT_GE(ids.size(), 1u);
}

// SIGKILL while many clients post distinct events: every event that got a 200
// must be in the journal after restart, exactly once.
TEST(Webhook, EveryAcknowledgedEventSurvivesSigkill) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    constexpr int k_clients = 16;
    std::atomic<bool> killed{false};
    std::atomic<int> acknowledged_count{0};
    std::mutex mutex;
    std::set<std::string> acknowledged;
    std::condition_variable enough;
    std::vector<std::thread> clients;
    for (int c = 0; c < k_clients; ++c) {
        clients.emplace_back([&, c] {
            auto client = daemon.client();
            client.set_basic_auth(k_webhook_user, k_webhook_password);
            client.set_keep_alive(true);
            for (int i = 0; !killed; ++i) {
                std::string id = "crash-" + std::to_string(c) + "-" + std::to_string(i);
                auto res =
                    client.Post("/hooks/azure-devops", make_push_event(id), "application/json");
                if (!res) continue;  // connection lost: not acknowledged
                if (res->status == 200) {
                    std::lock_guard lock(mutex);
                    acknowledged.insert(id);
                    ++acknowledged_count;
                    enough.notify_all();
                }
            }
        });
    }
    // Kill once a good number of events were acknowledged, while load continues.
    bool enough_acknowledged = false;
    {
        std::unique_lock lock(mutex);
        enough_acknowledged = enough.wait_for(lock, std::chrono::seconds{60},
                                              [&] { return acknowledged_count >= 300; });
    }
    daemon.serve().process().send_signal(SIGKILL);
    EXPECT_EQ(daemon.serve().process().wait(), 128 + SIGKILL);
    killed = true;
    for (auto& t : clients) t.join();
    ASSERT_TRUE(enough_acknowledged) << "only " << acknowledged_count << " events acknowledged";

    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    ASSERT_EQ(daemon.stop(), 0);
    auto ids = daemon.journal_event_ids();
    std::multiset<std::string> journal(ids.begin(), ids.end());
    for (const auto& id : acknowledged) EXPECT_EQ(journal.count(id), 1u) << id;
    std::set<std::string> unique(ids.begin(), ids.end());
    EXPECT_EQ(unique.size(), ids.size());
    EXPECT_GE(acknowledged.size(), 300u);
    RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));
    RecordProperty("journaled", static_cast<int>(ids.size()));
}

}  // namespace
}  // namespace shiplog::testing
