// REST calls as Azure DevOps Server accepts them: the api-version is
// negotiated down to what the server says it supports (Server 2020: 6.0,
// Server 2022: 7.0) and remembered per server; a configured api_version is
// used as is. commitsbatch is asked in the order the server honours: an
// answer counts only when it holds the newer sha and reaches the older one.
// Against the fake Azure DevOps over real HTTP.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "azure/client.hpp"
#include "support/expect_ok.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/fake_client.hpp"
#include "support/sha.hpp"

namespace shiplog::azure {
namespace {

using testing::FakeAzureDevOps;

constexpr const char* k_token = "pat-version-0123456789abcdef";

using testing::sha;

struct Server {
    FakeAzureDevOps fake{k_token};
    Server() {
        fake.add_project("Contoso", "1f2e3d4c-0000-4000-8000-000000000002");
        for (int n = 1; n <= 6; ++n) {
            testing::FakeCommit c;
            c.sha = sha(n);
            if (n > 1) c.parents = {sha(n - 1)};
            c.author_date = "2026-11-19T08:00:0" + std::to_string(n) + "Z";
            c.comment = "Change " + std::to_string(n);
            fake.add_commit("Contoso", "web-api", c);
        }
        fake.add_build(
            {.id = 5, .project = "Contoso", .definition = "web-api-ci", .source_version = sha(5)});
    }
    std::unique_ptr<AzureDevOpsClient> client(std::optional<std::string> api_version = {}) {
        return testing::fake_client(fake, k_token,
                                    [&](config::AzureDevOpsConfig& cfg, ClientOptions&) {
                                        cfg.api_version = std::move(api_version);
                                    });
    }
    std::vector<std::string> versions_asked() const {
        std::vector<std::string> out;
        for (const auto& r : fake.requests()) out.push_back(r.params.at("api-version"));
        return out;
    }
};

TEST(RestVersion, ParsesTheServersRefusal) {
    EXPECT_EQ(supported_api_version("The requested REST API version of 7.1 is out of range for "
                                    "this server. The latest REST API version this server "
                                    "supports is 6.0."),
              "6.0");
    EXPECT_EQ(supported_api_version("The latest REST API version this server supports is 7.0.1."),
              "7.0");
    EXPECT_EQ(supported_api_version("TF401175: The commit does not exist."), "");
}

class Negotiation : public ::testing::TestWithParam<const char*> {};

TEST_P(Negotiation, DownToWhatTheServerSupportsOnceAndRemembered) {
    const std::string supported = GetParam();
    Server s;
    s.fake.set_max_api_version(supported);
    auto build = s.client()->get_build("Contoso", 5);
    ASSERT_OK(build);
    EXPECT_EQ(build->source_version, sha(5));
    EXPECT_EQ(s.versions_asked(), (std::vector<std::string>{"7.1", supported}));
    // A later client of the same server asks right the first time.
    s.fake.clear_requests();
    ASSERT_OK(s.client()->get_build("Contoso", 5));
    EXPECT_EQ(s.versions_asked(), (std::vector<std::string>{supported}));
}

INSTANTIATE_TEST_SUITE_P(AzureDevOpsServer, Negotiation,
                         ::testing::Values("6.0",    // Server 2020
                                           "7.0"));  // Server 2022

TEST(RestVersion, TheNewestServerIsAskedInTheNewestVersion) {
    Server s;
    ASSERT_OK(s.client()->get_build("Contoso", 5));
    EXPECT_EQ(s.versions_asked(), (std::vector<std::string>{"7.1"}));
}

TEST(RestVersion, ConfiguredVersionIsUsedAsIsAndATooHighOneSaysWhatToSet) {
    Server s;
    s.fake.set_max_api_version("6.0");
    ASSERT_OK(s.client("6.0")->get_build("Contoso", 5));
    EXPECT_EQ(s.versions_asked(), (std::vector<std::string>{"6.0"}));
    s.fake.clear_requests();
    auto refused = s.client("7.1")->get_build("Contoso", 5);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("set [azure_devops] api_version to 6.0"),
              std::string::npos)
        << refused.error().message;
    EXPECT_EQ(s.versions_asked(), (std::vector<std::string>{"7.1"})) << "not renegotiated";
}

class Direction : public ::testing::TestWithParam<testing::CommitsbatchReading> {};

TEST_P(Direction, TheRangeIsRightWhicheverReadingTheServerHonoursAndTheOrderIsRemembered) {
    Server s;
    s.fake.set_commitsbatch_reading(GetParam());
    auto range = s.client()->commits_between("Contoso", "web-api", sha(2), sha(5));
    ASSERT_OK(range);
    std::vector<std::string> shas;
    for (const auto& c : *range) shas.push_back(c.sha);
    EXPECT_EQ(shas, (std::vector<std::string>{sha(5), sha(4), sha(3)}));
    const bool spec_reading = GetParam() == testing::CommitsbatchReading::walk_from_compare;
    EXPECT_EQ(s.fake.requests().size(), spec_reading ? 1u : 2u)
        << "the other order is asked only when the first answer does not connect";
    s.fake.clear_requests();
    auto again = s.client()->commits_between("Contoso", "web-api", sha(3), sha(6));
    ASSERT_OK(again);
    EXPECT_EQ(again->size(), 3u);
    EXPECT_EQ(s.fake.requests().size(), 1u) << "the order that worked is remembered";
}

INSTANTIATE_TEST_SUITE_P(Readings, Direction,
                         ::testing::Values(testing::CommitsbatchReading::walk_from_compare,
                                           testing::CommitsbatchReading::walk_from_item));

TEST(RestVersion, AnUnrelatedOlderShaAsksBothReadingsAndKeepsTheOneHoldingTheNewer) {
    Server s;
    // sha 10 is no ancestor of sha 5 (a force push): no reading reaches it.
    testing::FakeCommit lone;
    lone.sha = sha(10);
    s.fake.add_commit("Contoso", "web-api", lone);
    auto range = s.client()->commits_between("Contoso", "web-api", sha(10), sha(5));
    // What holds sha 5 (its whole history) is the best answer: kept, but
    // only because it holds the newer sha and not the older one.
    ASSERT_OK(range);
    EXPECT_EQ(range->size(), 5u);
    EXPECT_EQ(s.fake.requests().size(), 2u) << "both readings were asked";
}

// The fake answers subscription bodies as a server does, so the sync tests
// prove the forms shiplog sends are accepted.
TEST(RestVersion, SubscriptionBodiesAreCheckedLikeTheServerDoes) {
    Server s;
    Subscription push;
    push.publisher_id = "tfs";
    push.event_type = "git.push";
    push.resource_version = "1.0";
    push.publisher_inputs = {{"projectId", "p"}, {"repository", "r"}, {"branch", "main"}};
    push.consumer_inputs = {{"url", "https://x/hooks/azure-devops"}};
    auto bare = s.client()->create_subscription(push);
    ASSERT_FALSE(bare) << "a bare branch name is not among the offered values";
    EXPECT_NE(bare.error().message.find("'branch'"), std::string::npos) << bare.error().message;
    push.publisher_inputs["branch"] = "refs/heads/main";
    push.consumer_inputs["basicAuthUsername"] = "two words";
    auto spaced = s.client()->create_subscription(push);
    ASSERT_FALSE(spaced);
    EXPECT_NE(spaced.error().message.find("basicAuthUsername"), std::string::npos);
    push.consumer_inputs["basicAuthUsername"] = "shiplog";
    ASSERT_OK(s.client()->create_subscription(push));

    Subscription stage;
    stage.publisher_id = "pipelines";
    stage.event_type = "ms.vss-pipelines.stage-state-changed-event";
    stage.resource_version = "5.1-preview.1";
    stage.publisher_inputs = {{"projectId", "p"}, {"PipelineId", "17"}};
    stage.consumer_inputs = {{"url", "https://x/hooks/azure-devops"}};
    ASSERT_OK(s.client()->create_subscription(stage));
    EXPECT_TRUE(s.fake.subscriptions().back().publisher_inputs.contains("pipelineId"))
        << "stored in the server's spelling";
    stage.publisher_inputs = {{"projectId", "p"}, {"pipelineName", "17"}};
    EXPECT_FALSE(s.client()->create_subscription(stage)) << "an input the event does not declare";
}

}  // namespace
}  // namespace shiplog::azure
