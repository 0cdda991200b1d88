// The LMDB map fills up (issue 8, SPEC §3, §8): the webhook answers 503 so
// Azure DevOps retries, /readyz fails, the error is logged once, and after
// the operator raises storage.max_size_mb and restarts nothing acknowledged
// is lost and nothing refused was half-stored.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"

namespace shiplog::testing {
namespace {

TEST(StoreFull, WebhookAnswers503ReadyzFailsThenRaisingTheMapLosesNothing) {
    DaemonOptions options;
    options.max_size_mb = 1;  // the smallest the config accepts
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    {
        auto ready = daemon.client().Get("/readyz");
        ASSERT_TRUE(ready);
        EXPECT_EQ(ready->status, 200) << ready->body;
    }

    // ~200 KB events (600 commits each) to an untracked repository: journal only.
    std::vector<std::string> accepted, refused;
    const int k_max_attempts = 40;  // 1 MiB cannot hold 40 x 200 KB
    int attempt = 0;
    for (; attempt < k_max_attempts && refused.empty(); ++attempt) {
        auto id = "ev-fill-" + std::to_string(attempt);
        auto body = make_push_event(id, "billing", "main", 600);
        ASSERT_GT(body.size(), 150'000u);
        auto res = daemon.post_event(body);
        ASSERT_TRUE(res) << "no answer for " << id;
        if (res->status == 200) {
            accepted.push_back(id);
        } else {
            EXPECT_EQ(res->status, 503) << res->body;  // 503: Azure DevOps retries; never 500/507
            refused.push_back(id);
        }
    }
    ASSERT_FALSE(refused.empty()) << "the store never filled after " << attempt << " events";
    std::printf("[ measured ] 1 MiB map: %zu x ~200 KB events accepted before the first 503\n",
                accepted.size());

    // Readiness fails and says why.
    auto ready = daemon.client().Get("/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 503);
    EXPECT_NE(ready->body.find("max_size_mb"), std::string::npos) << ready->body;
    EXPECT_NE(ready->body.find("store full"), std::string::npos) << ready->body;
    EXPECT_EQ(ready->body.find("disk full"), std::string::npos) << ready->body;

    // More writes keep getting 503 (retry later), a small one included; health stays up.
    for (int i = 0; i < 3; ++i) {
        auto id = "ev-refused-" + std::to_string(i);
        auto res = daemon.post_event(make_push_event(id, "billing", "main", 600));
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 503);
        if (res->status != 200)
            refused.push_back(id);
        else
            accepted.push_back(id);
    }
    auto health = daemon.client().Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    auto metrics = daemon.client().Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("shiplog_ready 0"), std::string::npos)
        << metrics->body.substr(0, 3000);

    ASSERT_EQ(daemon.stop(), 0) << daemon.serve().process().output();
    auto output = daemon.serve().process().output();
    EXPECT_EQ(count_occurrences(output, "store full:"), 1u) << output;

    // The operator raises the map and restarts.
    daemon.set_max_size_mb(16);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto ready_again = daemon.client().Get("/readyz");
    ASSERT_TRUE(ready_again);
    EXPECT_EQ(ready_again->status, 200) << ready_again->body;
    // Azure DevOps retries the refused deliveries; they are stored now, once.
    for (const auto& id : refused) {
        auto res = daemon.post_event(make_push_event(id, "billing", "main", 600));
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200) << id << ": " << res->body;
        EXPECT_EQ(res->body,
                  R"({"status":"ignored","reason":"no deployment tracks Contoso/billing:main"})")
            << id << " was already (partly) stored";
    }
    // And the accepted ones are recognised as duplicates.
    expect_duplicates(daemon, accepted, 600);
    ASSERT_EQ(daemon.stop(), 0);

    auto ids = daemon.journal_event_ids();
    std::vector<std::string> expected = accepted;
    expected.insert(expected.end(), refused.begin(), refused.end());
    EXPECT_EQ(ids, expected)
        << "journal must hold every acknowledged event, in order, then the retried ones";
    expect_each_once(ids);
}

// Before the retries: a restart with the larger map shows exactly the
// acknowledged events, and none of the refused ones.
TEST(StoreFull, RefusedEventsAreAbsentAfterRestart) {
    DaemonOptions options;
    options.max_size_mb = 1;
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    std::vector<std::string> accepted, refused;
    for (int attempt = 0; attempt < 40 && refused.size() < 2; ++attempt) {
        auto id = "ev-" + std::to_string(attempt);
        auto res = daemon.post_event(make_push_event(id, "web-api", "feature/x", 600));
        ASSERT_TRUE(res);
        (res->status == 200 ? accepted : refused).push_back(id);
    }
    ASSERT_EQ(refused.size(), 2u);
    ASSERT_EQ(daemon.stop(), 0);
    daemon.set_max_size_mb(8);
    EXPECT_EQ(daemon.journal_event_ids(), accepted);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto ready = daemon.client().Get("/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200) << ready->body;
    EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace shiplog::testing
