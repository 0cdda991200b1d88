#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "azure/hook_sync_worker.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/hook_sync_config.hpp"

namespace shiplog::azure {
namespace {

using namespace std::chrono_literals;

constexpr const char* k_token = "pat-worker-test-aaaaaaaaaaaaaaaaaaaaaaaa";

// Collects log lines; tests wait on them with a deadline.
struct LogSink {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::string> lines;

    HookSyncWorker::Log log() {
        return [this](HookSyncWorker::Level, const std::string& line) {
            {
                std::lock_guard lock(mutex);
                lines.push_back(line);
            }
            cv.notify_all();
        };
    }
    std::size_t count(const std::string& needle) {
        std::size_t n = 0;
        for (const auto& l : lines) n += l.find(needle) != std::string::npos;
        return n;
    }
    bool wait_for(const std::string& needle, std::size_t times = 1) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, 20s, [&] { return count(needle) >= times; });
    }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string out;
        for (const auto& l : lines) out += l + "\n";
        return out;
    }
};

std::shared_ptr<const config::Config> make_config(const std::string& org_url) {
    return testing::hook_sync_config(org_url, k_token);
}

TEST(HookSyncWorker, SyncsAtStartAndReenablesOnTrigger) {
    testing::FakeAzureDevOps fake{k_token};
    fake.add_project("Fabrikam", "p-1");
    fake.add_repository("Fabrikam", "web-api", "r-1");
    auto config = make_config(fake.organization_url());
    LogSink sink;
    HookSyncWorker worker([&] { return config; }, sink.log(), {});
    // git.push, three workitem.* and four pull-request hooks.
    ASSERT_TRUE(sink.wait_for("8 change(s)")) << sink.all();
    EXPECT_EQ(fake.subscriptions().size(), 8u);

    fake.set_status(fake.subscriptions().at(0).id, "onProbation");
    worker.trigger();
    ASSERT_TRUE(sink.wait_for("re-enabled")) << sink.all();
    EXPECT_EQ(fake.subscriptions().at(0).status, "enabled");
    worker.stop();
    EXPECT_EQ(worker.stats().reenabled, 1u);
    EXPECT_EQ(sink.all().find(k_token), std::string::npos);
}

TEST(HookSyncWorker, FailureIsLoggedAndRetried) {
    std::string url;
    {
        testing::FakeAzureDevOps gone{k_token};
        url = gone.organization_url();
    }
    auto config = make_config(url);
    LogSink sink;
    auto options = testing::one_attempt_options();
    HookSyncWorker worker([&] { return config; }, sink.log(), options);
    ASSERT_TRUE(
        sink.wait_for("hooks sync failed (will retry): deployment web-api:production: GET "
                      "_apis/projects/Fabrikam: no answer from",
                      2))
        << sink.all();
    worker.stop();
    EXPECT_GE(worker.stats().runs_failed, 2u);
    EXPECT_EQ(sink.all().find(k_token), std::string::npos);
}

TEST(HookSyncWorker, NothingToDoWithoutAzureDevOps) {
    auto config = std::make_shared<const config::Config>();
    LogSink sink;
    {
        HookSyncWorker worker([&] { return config; }, sink.log(), {});
        worker.stop();
    }
    EXPECT_TRUE(sink.lines.empty());
}

}  // namespace
}  // namespace shiplog::azure
