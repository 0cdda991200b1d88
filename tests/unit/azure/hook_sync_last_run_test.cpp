// HookSyncWorker::last_run(): what the dashboard's hooks view shows
// (/api/v1/hooks): the outcome of the latest run and our subscriptions after it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "azure/hook_sync_worker.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/hook_sync_config.hpp"

namespace shiplog::azure {
namespace {

using namespace std::chrono_literals;
using Outcome = HookSyncWorker::LastRun::Outcome;

constexpr const char* k_token = "pat-last-run-test-bbbbbbbbbbbbbbbbbbbbbbb";

std::shared_ptr<const config::Config> make_config(const std::string& org_url) {
    return testing::hook_sync_config(org_url, k_token);
}

// Polls `done` (with a deadline) against the worker's state.
template <class Predicate>
HookSyncWorker::LastRun wait_for(const HookSyncWorker& worker, Predicate done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    auto run = worker.last_run();
    while (!done(run) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
        run = worker.last_run();
    }
    return run;
}

TEST(HookSyncLastRun, ReportsOurSubscriptionsAfterEachRun) {
    testing::FakeAzureDevOps fake{k_token};
    fake.add_project("Fabrikam", "p-1");
    fake.add_repository("Fabrikam", "web-api", "r-1");
    auto config = make_config(fake.organization_url());
    HookSyncWorker worker([&] { return config; }, [](HookSyncWorker::Level, const std::string&) {},
                          {});
    auto first = wait_for(worker, [](const auto& r) { return r.outcome == Outcome::ok; });
    ASSERT_EQ(first.outcome, Outcome::ok);
    // git.push, 3 workitem.*, 4 pull-request kinds: created in this run
    ASSERT_EQ(first.subscriptions.size(), 8u);
    for (const auto& s : first.subscriptions) EXPECT_EQ(s.status, "enabled") << s.event_type;

    // A subscription on probation is re-enabled (replaced) by the next run;
    // the list afterwards holds it once, enabled, with its id.
    auto probation_id = fake.subscriptions().at(0).id;
    fake.set_status(probation_id, "onProbation");
    worker.trigger();
    auto second = wait_for(worker, [&](const auto&) { return worker.stats().reenabled == 1; });
    second = worker.last_run();
    worker.stop();
    ASSERT_EQ(second.outcome, Outcome::ok);
    EXPECT_EQ(second.subscriptions.size(), 8u);
    std::size_t with_id = 0;
    for (const auto& s : second.subscriptions) {
        EXPECT_EQ(s.status, "enabled") << s.event_type;
        with_id += !s.id.empty();
    }
    EXPECT_EQ(with_id, 8u) << "listed subscriptions carry their ids";
}

TEST(HookSyncLastRun, OnListedGetsTheStatusesAsListedWithoutTheOnesTheRunDeletes) {
    testing::FakeAzureDevOps fake{k_token};
    fake.add_project("Fabrikam", "p-1");
    fake.add_repository("Fabrikam", "web-api", "r-1");
    auto config = make_config(fake.organization_url());
    std::mutex mutex;
    std::vector<std::vector<Subscription>> listings;
    HookSyncWorker::Options options;
    options.on_listed = [&](const std::vector<Subscription>& listed) {
        std::lock_guard lock(mutex);
        listings.push_back(listed);
    };
    HookSyncWorker worker([&] { return config; }, [](HookSyncWorker::Level, const std::string&) {},
                          options);
    wait_for(worker, [&](const auto&) { return worker.stats().runs_ok == 1; });
    {
        std::lock_guard lock(mutex);
        ASSERT_EQ(listings.size(), 1u);
        EXPECT_TRUE(listings[0].empty()) << "nothing existed before the first run created them";
    }
    // One goes on probation; a copy of another is a duplicate this run deletes.
    const auto subs = fake.subscriptions();
    ASSERT_EQ(subs.size(), 8u);
    fake.set_status(subs[0].id, "onProbation");
    auto copy = subs[1];
    copy.id.clear();
    const std::string duplicate = fake.add_subscription(copy);
    worker.trigger();
    wait_for(worker, [&](const auto&) { return worker.stats().runs_ok == 2; });
    worker.stop();
    std::lock_guard lock(mutex);
    ASSERT_EQ(listings.size(), 2u);
    const auto& listed = listings[1];
    EXPECT_EQ(listed.size(), 8u);
    std::size_t on_probation = 0;
    for (const auto& s : listed) {
        on_probation += s.status == "onProbation";
        EXPECT_EQ(s.id.empty(), false);
    }
    EXPECT_EQ(on_probation, 1u) << "the status before the run re-enabled it";
    EXPECT_EQ(fake.subscriptions().size(), 8u) << "the duplicate was deleted";
    const bool duplicate_kept = std::any_of(
        listed.begin(), listed.end(), [&](const Subscription& s) { return s.id == duplicate; });
    const bool original_kept = std::any_of(
        listed.begin(), listed.end(), [&](const Subscription& s) { return s.id == subs[1].id; });
    EXPECT_NE(duplicate_kept, original_kept) << "exactly one of the pair survives the run";
}

TEST(HookSyncLastRun, FailureKeepsTheLastKnownSubscriptionsAndSaysWhy) {
    std::string url;
    {
        testing::FakeAzureDevOps gone{k_token};
        url = gone.organization_url();
    }
    auto config = make_config(url);
    auto options = testing::one_attempt_options();
    HookSyncWorker worker([&] { return config; }, [](HookSyncWorker::Level, const std::string&) {},
                          options);
    auto run = wait_for(worker, [](const auto& r) { return r.outcome == Outcome::failed; });
    worker.stop();
    ASSERT_EQ(run.outcome, Outcome::failed);
    EXPECT_NE(run.message.find("Fabrikam"), std::string::npos) << run.message;
    EXPECT_EQ(run.message.find(k_token), std::string::npos);
    EXPECT_TRUE(run.subscriptions.empty());
}

TEST(HookSyncLastRun, WithoutAzureDevOpsTheRunSaysNotConfigured) {
    auto config = std::make_shared<const config::Config>();
    HookSyncWorker worker([&] { return config; }, [](HookSyncWorker::Level, const std::string&) {},
                          {});
    EXPECT_EQ(wait_for(worker, [](const auto& r) { return r.outcome != Outcome::none; }).outcome,
              Outcome::not_configured);
}

}  // namespace
}  // namespace shiplog::azure
