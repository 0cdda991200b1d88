// What current Azure DevOps deliveries carry is used before any REST call:
// a stage delivery's repositories.self (sha, branch), a release delivery's
// artifacts (the build looked up in the artifact's own project), and
// deployment.operationStatus (a rejected approval deployed nothing). A
// look-up whose answer stays unusable ends after bounded retries with a
// reason and a /metrics counter; a commit that cannot be found leaves no
// empty commit on the deploy.
//
// Real parts: LMDB in a temp dir, the journal writer with the projector,
// EventIntake, the WorkQueueRunner over HTTP to the fake Azure DevOps.
// The fixtures below are written for these tests in the documented shapes.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/metrics.hpp"
#include "daemon/work_queue_runner.hpp"
#include "integration/event_builders.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "support/event_fixtures.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/temp_dir.hpp"
#include "tracking/deploy.hpp"
#include "tracking/projector.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::daemon {
namespace {

using testing::sha;

constexpr const char* k_pat = "pat-delivery-fields-3c5e7a9b1d";
constexpr const char* k_time = "2026-11-20T10:00:00Z";

config::DeploymentConfig stage_deployment() {
    auto d = testing::production_deployment("web-stage", "Contoso", config::Trigger::stage);
    d.pipeline = "web-api-ci";
    d.stage = "Production";
    return d;
}

config::DeploymentConfig release_deployment() {
    auto d = testing::production_deployment("web-rel", "Contoso", config::Trigger::release);
    d.pipeline = "web-api-ci";  // picks this build artifact among several
    d.release_definition = "web-api-rm";
    d.release_environment = "Prod";
    return d;
}

// A completed stage of run `run_id`; `self_sha` 0: no repositories.self.
std::string stage_event(const std::string& id, int run_id, int self_sha) {
    std::string resources;
    if (self_sha != 0)
        resources = R"(,"resources":{"repositories":{"self":{"refName":"refs/heads/main",)"
                    R"("version":")" +
                    sha(self_sha) + R"("}}})";
    return R"({"id":")" + id +
           R"(","eventType":"ms.vss-pipelines.stage-state-changed-event","publisherId":"pipelines",)"
           R"("resourceVersion":"5.1-preview.1","createdDate":")" +
           k_time +
           R"(","resource":{"stage":{"name":"Production","state":"completed","result":"succeeded"},)"
           R"("run":{"id":)" +
           std::to_string(run_id) + R"(,"name":"20261120.1","state":"completed")" + resources +
           R"(},"pipeline":{"id":7,"name":"web-api-ci"}}})";
}

// One artifact of resource.deployment.release.artifacts[].
std::string artifact(const std::string& type, const std::string& alias, bool primary,
                     const std::string& definition, const std::string& project,
                     const std::string& version, const std::string& source_version = "") {
    std::string ref = R"({"definition":{"id":"3","name":")" + definition +
                      R"("},"project":{"id":"p-)" + project + R"(","name":")" + project +
                      R"("},"version":{"id":")" + version + R"(","name":"20261120.)" + version +
                      R"("},"branch":{"id":"refs/heads/main","name":"refs/heads/main"},)"
                      R"("repository":{"id":"r1","name":"web-api"})";
    if (!source_version.empty())
        ref += R"(,"sourceVersion":{"id":")" + source_version + R"(","name":")" + source_version +
               R"("})";
    return R"({"type":")" + type + R"(","alias":")" + alias + R"(","isPrimary":)" +
           (primary ? "true" : "false") + R"(,"definitionReference":)" + ref + "}}";
}

std::string release_event(const std::string& id, int release_id, const std::string& status,
                          const std::string& operation_status,
                          const std::vector<std::string>& artifacts) {
    std::string list;
    for (const auto& a : artifacts) list += (list.empty() ? "" : ",") + a;
    const std::string rid = std::to_string(release_id);
    return R"({"id":")" + id +
           R"(","eventType":"ms.vss-release.deployment-completed-event","publisherId":"rm",)"
           R"("resourceVersion":"3.0-preview.1","createdDate":")" +
           k_time + R"(","resource":{"environment":{"id":)" + std::to_string(500 + release_id) +
           R"(,"name":"Prod","status":")" + status + R"(","releaseId":)" + rid +
           R"(,"release":{"id":)" + rid + R"(,"name":"Release-)" + rid +
           R"("},"releaseDefinition":{"id":4,"name":"web-api-rm"}},)"
           R"("deployment":{"id":)" +
           std::to_string(900 + release_id) + R"(,"attempt":1,"operationStatus":")" +
           operation_status + R"(","release":{"id":)" + rid + R"(,"artifacts":[)" + list +
           R"(]}},"project":{"id":"p-Contoso","name":"Contoso"}}})";
}

class DeliveryFields : public ::testing::Test {
  protected:
    DeliveryFields() : m_fake(k_pat) {
        m_fake.add_project("Contoso", "p-Contoso");
        m_fake.add_project("Platform", "p-Platform");
        m_fake.add_repository("Contoso", "web-api", "r1");
    }

    void SetUp() override {
        config::Config c;
        config::AzureDevOpsConfig azure;
        azure.organization_url = m_fake.organization_url();
        azure.token = Secret(k_pat);
        c.azure_devops = azure;
        c.deployments = {stage_deployment(), release_deployment()};
        m_config = std::make_unique<ConfigHolder>(std::move(c));

        auto store = storage::Store::open({m_dir.path() / "store", std::size_t{64} << 20, false});
        ASSERT_TRUE(store) << store.error().message;
        m_store = std::move(*store);
        auto projector = tracking::Projector::open(*m_store, [this] { return m_config->get(); });
        ASSERT_TRUE(projector) << projector.error().message;
        m_projector = std::move(*projector);
        m_writer = storage::JournalWriter::start(*m_store, m_clock, m_projector.get(), {});
        m_intake = std::make_unique<EventIntake>(*m_writer, *m_config, m_clock, &m_metrics);
        WorkQueueRunner::Options options;
        options.poll = std::chrono::milliseconds{20};
        options.retry_initial = std::chrono::milliseconds{1};
        options.retry_max = std::chrono::milliseconds{1};
        options.max_attempts = 3;
        options.metrics = &m_metrics;
        m_runner = std::make_unique<WorkQueueRunner>(
            *m_store, m_projector->tables(), *m_intake, [this] { return m_config->get(); },
            [this](WorkQueueRunner::Level, const std::string& line) {
                std::lock_guard lock(m_log_mutex);
                m_log += line + "\n";
            },
            options);
    }

    void TearDown() override {
        if (m_runner) m_runner->stop();
        if (m_writer) m_writer->stop();
    }

    void deliver(const std::string& body) {
        auto r = m_intake->submit(body, storage::EventSource::webhook, std::chrono::seconds{8});
        ASSERT_TRUE(r) << r.error().message;
        m_runner->trigger();
    }

    std::vector<tracking::DeployView> deploys(const std::string& deployment) {
        auto txn = lmdb::txn::begin(m_store->env(), nullptr, MDB_RDONLY);
        tracking::DeployFilter filter;
        filter.deployment = deployment;
        auto listed = tracking::list_deploys(txn, m_projector->tables(), filter);
        EXPECT_TRUE(listed) << listed.error().message;
        return listed ? *listed : std::vector<tracking::DeployView>{};
    }

    std::string failure_of(const std::string& key) {
        auto txn = lmdb::txn::begin(m_store->env(), nullptr, MDB_RDONLY);
        auto item = tracking::find_queue_item(txn, m_projector->tables(), key);
        return item && *item ? (*item)->failed : std::string();
    }

    // Polls until `pred` holds (deadline 20 s); the runner works on its thread.
    template <class Pred>
    bool eventually(Pred pred) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
        while (std::chrono::steady_clock::now() < deadline) {
            if (pred()) return true;
            m_runner->trigger();
            std::this_thread::sleep_for(std::chrono::milliseconds{20});  // polling interval
        }
        return pred();
    }

    std::size_t requests_to(const std::string& needle) const {
        std::size_t n = 0;
        for (const auto& r : m_fake.requests())
            if (r.path.find(needle) != std::string::npos) ++n;
        return n;
    }

    std::string log() {
        std::lock_guard lock(m_log_mutex);
        return m_log;
    }

    testing::FakeAzureDevOps m_fake;
    testing::TempDir m_dir;
    Clock& m_clock = system_clock();
    std::unique_ptr<ConfigHolder> m_config;
    Metrics m_metrics;
    std::unique_ptr<storage::Store> m_store;
    std::unique_ptr<tracking::Projector> m_projector;
    std::unique_ptr<storage::JournalWriter> m_writer;
    std::unique_ptr<EventIntake> m_intake;
    std::unique_ptr<WorkQueueRunner> m_runner;
    std::mutex m_log_mutex;
    std::string m_log;
};

TEST_F(DeliveryFields, StageShaFromTheDeliveryWithItsCommitsAndNoRestCall) {
    deliver(testing::push_event("p1", 1, 0, 1, {1}, "2026-11-19T09:00:00Z"));
    deliver(testing::push_event("p2", 2, 1, 5, {2, 3, 4, 5}, "2026-11-19T10:00:00Z"));
    deliver(stage_event("s1", 300, 5));
    auto list = deploys("web-stage");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].sha, sha(5));
    EXPECT_TRUE(list[0].pending.empty());
    EXPECT_TRUE(list[0].commits_complete);
    std::vector<std::string> shas;
    for (const auto& c : list[0].commits) shas.push_back(c.sha);
    EXPECT_EQ(shas, (std::vector<std::string>{sha(2), sha(3), sha(4), sha(5)}));
    // The queue had nothing to ask: give it a pass to prove it.
    m_runner->trigger();
    m_runner->stop();
    EXPECT_TRUE(m_fake.requests().empty()) << m_fake.requests().front().path;
}

TEST_F(DeliveryFields, ReleaseArtifactFromTheDeliveryBuildLookedUpInTheArtifactsProject) {
    deliver(testing::push_event("p1", 1, 0, 5, {5}, "2026-11-19T09:00:00Z"));
    // The primary artifact is another pipeline's; `pipeline` picks web-api-ci,
    // whose build lives in project Platform and whose version is a build id.
    m_fake.add_build(
        {.id = 777, .project = "Platform", .definition = "web-api-ci", .source_version = sha(5)});
    deliver(release_event("r1", 10, "succeeded", "Approved",
                          {artifact("Build", "_tools", true, "tools-ci", "Contoso", "12", sha(99)),
                           artifact("Build", "_web", false, "web-api-ci", "Platform", "777")}));
    ASSERT_TRUE(eventually([&] {
        auto list = deploys("web-rel");
        return list.size() == 1 && list[0].sha == sha(5);
    })) << log();
    EXPECT_EQ(requests_to("/Platform/_apis/build/builds/777"), 1u);
    EXPECT_EQ(requests_to("/Contoso/_apis/build/builds/"), 0u);
    EXPECT_EQ(requests_to("/_apis/release/"), 0u) << "the delivery had the artifacts";
    EXPECT_EQ(deploys("web-rel")[0].status, tracking::DeployStatus::succeeded);
}

TEST_F(DeliveryFields, ArtifactNamingItsCommitNeedsNoRestCall) {
    deliver(testing::push_event("p1", 1, 0, 6, {6}, "2026-11-19T09:00:00Z"));
    deliver(release_event(
        "r1", 11, "succeeded", "Approved",
        {artifact("Build", "_web", true, "web-api-ci", "Platform", "20261120.4", sha(6))}));
    auto list = deploys("web-rel");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].sha, sha(6))
        << "a build number is no build id; sourceVersion names the commit";
    m_runner->stop();
    EXPECT_TRUE(m_fake.requests().empty());
}

TEST_F(DeliveryFields, RejectedAndGateFailedDeployNothingPhaseFailedFails) {
    const auto git = [](int n) {
        return artifact("Git", "_src", true, "web-api", "Contoso", sha(n));
    };
    deliver(release_event("r1", 20, "rejected", "Rejected", {git(7)}));
    deliver(release_event("r2", 21, "rejected", "GateFailed", {git(7)}));
    deliver(release_event("r3", 22, "canceled", "Canceled", {git(7)}));
    EXPECT_TRUE(deploys("web-rel").empty());
    deliver(release_event("r4", 23, "rejected", "PhaseFailed", {git(7)}));
    auto list = deploys("web-rel");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].status, tracking::DeployStatus::failed);
    EXPECT_EQ(list[0].sha, sha(7));
}

TEST_F(DeliveryFields, BuildWithoutSourceVersionEndsWithAReasonAfterItsRetries) {
    testing::FakeBuild build;
    build.id = 301;
    build.project = "Contoso";
    build.definition = "web-api-ci";
    build.source_version = "";  // answered without one
    m_fake.add_build(build);
    deliver(stage_event("s1", 301, 0));
    std::string key;
    ASSERT_TRUE(eventually([&] {
        auto list = deploys("web-stage");
        if (list.size() != 1 || list[0].pending.empty()) return false;
        key = list[0].pending.front();
        return !failure_of(key).empty();
    })) << log();
    EXPECT_NE(failure_of(key).find("without a sourceVersion"), std::string::npos)
        << failure_of(key);
    EXPECT_NE(failure_of(key).find("asked 3 times"), std::string::npos) << failure_of(key);
    EXPECT_EQ(requests_to("/_apis/build/builds/301"), 3u);
    // Counted once the runner's record is acknowledged, which is after the
    // failure became visible in the store (the sync comes after the commit).
    EXPECT_TRUE(eventually([&] {
        return m_metrics.render({}).find("shiplog_lookups_given_up_total 1\n") != std::string::npos;
    })) << m_metrics.render({});
    m_runner->stop();
    EXPECT_EQ(requests_to("/_apis/build/builds/301"), 3u) << "never asked again";
}

TEST_F(DeliveryFields, CommitThatCannotBeFoundLeavesNoEmptyCommit) {
    // sha 8 is in no push and unknown to the server (404).
    deliver(release_event("r1", 30, "succeeded", "Approved",
                          {artifact("Git", "_src", true, "web-api", "Contoso", sha(8))}));
    std::string key;
    ASSERT_TRUE(eventually([&] {
        auto list = deploys("web-rel");
        if (list.size() != 1 || list[0].pending.empty()) return false;
        key = list[0].pending.front();
        return !failure_of(key).empty();
    })) << log();
    auto list = deploys("web-rel");
    EXPECT_EQ(list[0].sha, sha(8));
    EXPECT_FALSE(list[0].commits_complete);
    EXPECT_TRUE(list[0].commits.empty()) << list[0].commits.front().sha;
    EXPECT_NE(failure_of(key).find("not found"), std::string::npos) << failure_of(key);
}

}  // namespace
}  // namespace shiplog::daemon
