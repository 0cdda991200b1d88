#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "azure/client.hpp"
#include "support/expect_ok.hpp"
#include "support/fake_azure_devops.hpp"

namespace shiplog::azure {
namespace {

using namespace std::chrono_literals;
using testing::FakeAzureDevOps;
using testing::FakeSubscription;

constexpr const char* k_token = "pat-s3cr3t-0123456789abcdefghijklmnopqrstuvwxyz";

struct Fixture {
    FakeAzureDevOps fake{k_token};
    std::vector<std::chrono::milliseconds> sleeps;

    std::unique_ptr<AzureDevOpsClient> client(std::string token = k_token, int attempts = 5) {
        config::AzureDevOpsConfig cfg;
        cfg.organization_url = fake.organization_url();
        cfg.token = Secret(std::move(token));
        ClientOptions options;
        options.max_attempts = attempts;
        options.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
        options.jitter = [] { return 0.5; };
        auto c = make_http_client(cfg, options);
        EXPECT_TRUE(c.has_value());
        return std::move(*c);
    }
};

FakeSubscription webhook(const std::string& event_type) {
    FakeSubscription s;
    s.event_type = event_type;
    s.resource_version = "1.0";
    s.publisher_inputs = {{"projectId", "p1"}};
    s.consumer_inputs = {{"url", "https://x.example/hooks"},
                         {"basicAuthUsername", "u"},
                         {"basicAuthPassword", "pw"}};
    return s;
}

TEST(HttpClient, SendsPatAsBasicAuthWithEmptyUserAndApiVersion) {
    Fixture f;
    f.fake.add_project("Fabrikam", "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c");
    auto p = f.client()->get_project("Fabrikam");
    ASSERT_OK(p);
    EXPECT_EQ(p->id, "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c");
    auto reqs = f.fake.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].method, "GET");
    EXPECT_EQ(reqs[0].path, "/contoso/_apis/projects/Fabrikam");
    EXPECT_EQ(reqs[0].params.at("api-version"), "7.1");
    // base64(":pat-s3cr3t-...")
    EXPECT_EQ(reqs[0].authorization.rfind("Basic ", 0), 0u);
    EXPECT_EQ(reqs[0].authorization,
              "Basic OnBhdC1zM2NyM3QtMDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6");
}

TEST(HttpClient, EncodesNamesWithSpacesInPaths) {
    Fixture f;
    f.fake.add_project("Fabrikam Fiber", "p-1");
    f.fake.add_repository("Fabrikam Fiber", "web api", "r-1");
    auto r = f.client()->get_repository("Fabrikam Fiber", "web api");
    ASSERT_OK(r);
    EXPECT_EQ(r->id, "r-1");
    EXPECT_EQ(r->project_id, "p-1");
}

TEST(HttpClient, NameThatDoesNotExistIsNotFoundNamingIt) {
    Fixture f;
    f.fake.add_project("Fabrikam", "p-1");
    auto c = f.client();
    auto p = c->get_project("Fabrikm");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, ErrorCode::not_found);
    EXPECT_NE(p.error().message.find("project \"Fabrikm\" not found"), std::string::npos)
        << p.error().message;
    auto r = c->get_repository("Fabrikam", "nope");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::not_found);
    EXPECT_EQ(r.error().message, "repository \"nope\" not found in project \"Fabrikam\"");
    auto d = c->get_build_definition("Fabrikam", "missing-cd");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "pipeline \"missing-cd\" not found in project \"Fabrikam\"");
    EXPECT_TRUE(f.sleeps.empty()) << "404 is not retried";
}

TEST(HttpClient, BuildDefinitionByName) {
    Fixture f;
    f.fake.add_project("Fabrikam", "p-1");
    f.fake.add_build_definition("Fabrikam", "web-api-cd", 42);
    f.fake.add_build_definition("Fabrikam", "other", 43);
    auto d = f.client()->get_build_definition("Fabrikam", "web-api-cd");
    ASSERT_OK(d);
    EXPECT_EQ(d->id, 42);
    EXPECT_EQ(f.fake.requests().back().params.at("name"), "web-api-cd");
}

TEST(HttpClient, ListFollowsContinuationTokens) {
    Fixture f;
    f.fake.set_page_size(2);
    for (int i = 0; i < 5; ++i) f.fake.add_subscription(webhook("git.push"));
    auto subs = f.client()->list_subscriptions();
    ASSERT_OK(subs);
    EXPECT_EQ(subs->size(), 5u);
    auto reqs = f.fake.requests();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_FALSE(reqs[0].params.contains("continuationToken"));
    EXPECT_EQ(reqs[1].params.at("continuationToken"), "ct-2");
    EXPECT_EQ(reqs[2].params.at("continuationToken"), "ct-4");
}

TEST(HttpClient, SubscriptionsReadBackMaskedWithServerInputs) {
    Fixture f;
    auto c = f.client();
    Subscription s;
    s.publisher_id = "tfs";
    s.event_type = "git.push";
    s.resource_version = "1.0";
    s.publisher_inputs = {{"projectId", "p"}, {"repository", "r"}, {"branch", "refs/heads/main"}};
    s.consumer_inputs = {{"url", "https://x/hooks/azure-devops"}, {"basicAuthPassword", "hunter2"}};
    auto created = c->create_subscription(s);
    ASSERT_OK(created);
    EXPECT_FALSE(created->id.empty());
    EXPECT_EQ(created->status, "enabled");
    EXPECT_EQ(created->consumer_inputs.at("basicAuthPassword"), "********");
    EXPECT_TRUE(created->publisher_inputs.contains("hostId"));
    EXPECT_EQ(f.fake.subscriptions().at(0).consumer_inputs.at("basicAuthPassword"), "hunter2");

    s.id = created->id;
    s.consumer_inputs["url"] = "https://y/hooks/azure-devops";
    auto replaced = c->replace_subscription(s);
    ASSERT_OK(replaced);
    EXPECT_EQ(f.fake.subscriptions().at(0).consumer_inputs.at("url"),
              "https://y/hooks/azure-devops");
    EXPECT_EQ(f.fake.requests().back().method, "PUT");

    ASSERT_OK(c->delete_subscription(created->id));
    EXPECT_TRUE(f.fake.subscriptions().empty());
    EXPECT_OK(c->delete_subscription(created->id));  // already gone is fine
}

TEST(HttpClient, RetriesHonouringRetryAfter) {
    Fixture f;
    f.fake.fail_next(2, 429, 7);
    auto subs = f.client()->list_subscriptions();
    ASSERT_OK(subs);
    ASSERT_EQ(f.sleeps.size(), 2u);
    EXPECT_EQ(f.sleeps[0], 7000ms);
    EXPECT_EQ(f.sleeps[1], 7000ms);
    EXPECT_EQ(f.fake.requests().size(), 3u);
}

TEST(HttpClient, RetriesServerErrorsWithExponentialBackoff) {
    Fixture f;
    f.fake.fail_next(3, 503);
    auto subs = f.client()->list_subscriptions();
    ASSERT_OK(subs);
    // initial 500 ms doubled per retry; jitter 0.5 -> 75% of the step.
    ASSERT_EQ(f.sleeps.size(), 3u);
    EXPECT_EQ(f.sleeps[0], 375ms);
    EXPECT_EQ(f.sleeps[1], 750ms);
    EXPECT_EQ(f.sleeps[2], 1500ms);
}

TEST(HttpClient, GivesUpAfterMaxAttemptsNamingCallAndStatus) {
    Fixture f;
    f.fake.fail_next(10, 500);
    auto subs = f.client(k_token, 3)->list_subscriptions();
    ASSERT_FALSE(subs);
    EXPECT_EQ(subs.error().code, ErrorCode::unavailable);
    EXPECT_EQ(subs.error().message.rfind("GET _apis/hooks/subscriptions: HTTP 500", 0), 0u)
        << subs.error().message;
    EXPECT_EQ(f.fake.requests().size(), 3u);
}

TEST(HttpClient, UnauthorizedNamesCallAndStatusNeverTheToken) {
    Fixture f;
    const std::string wrong = "wrong-pat-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
    auto subs = f.client(wrong)->list_subscriptions();
    ASSERT_FALSE(subs);
    EXPECT_EQ(subs.error().code, ErrorCode::unauthorized);
    EXPECT_EQ(subs.error().message.rfind("GET _apis/hooks/subscriptions: HTTP 401", 0), 0u)
        << subs.error().message;
    EXPECT_EQ(subs.error().message.find(wrong), std::string::npos);
    EXPECT_TRUE(f.sleeps.empty()) << "401 is not retried";
}

TEST(HttpClient, ConnectionFailureNamesCallNeverTheToken) {
    int port = 0;
    {
        FakeAzureDevOps gone{k_token};
        port = gone.port();
    }
    config::AzureDevOpsConfig cfg;
    cfg.organization_url = "http://127.0.0.1:" + std::to_string(port) + "/contoso";
    cfg.token = Secret(k_token);
    ClientOptions options;
    options.max_attempts = 2;
    options.connect_timeout = 2s;
    std::vector<std::chrono::milliseconds> sleeps;
    options.sleep = [&](std::chrono::milliseconds d) { sleeps.push_back(d); };
    auto c = make_http_client(cfg, options);
    ASSERT_OK(c);
    auto p = (*c)->get_project("Fabrikam");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message.rfind("GET _apis/projects/Fabrikam: ", 0), 0u) << p.error().message;
    EXPECT_EQ(p.error().message.find(k_token), std::string::npos);
    EXPECT_EQ(sleeps.size(), 1u);
}

TEST(HttpClient, ServerUrlFormWithCollectionPath) {
    FakeAzureDevOps fake{k_token, "tfs"};
    fake.add_project("Fabrikam", "p-1");
    config::AzureDevOpsConfig cfg;
    // http://host:port/tfs plus a trailing slash: both handled.
    cfg.organization_url = fake.organization_url() + "/";
    cfg.token = Secret(k_token);
    auto c = make_http_client(cfg);
    ASSERT_OK(c);
    ASSERT_OK((*c)->get_project("Fabrikam"));
    EXPECT_EQ(fake.requests().at(0).path, "/tfs/_apis/projects/Fabrikam");
}

TEST(HttpClient, UnreadableCaFileIsAConfigErrorNamingIt) {
    config::AzureDevOpsConfig cfg;
    cfg.organization_url = "https://127.0.0.1:1/tfs/DefaultCollection";
    cfg.token = Secret(k_token);
    cfg.ca_file = "/nonexistent/private-ca.pem";
    auto c = make_http_client(cfg);
    ASSERT_OK(c);
    auto p = (*c)->get_project("Fabrikam");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, ErrorCode::config);
    EXPECT_NE(p.error().message.find("/nonexistent/private-ca.pem"), std::string::npos)
        << p.error().message;
}

TEST(HttpClient, RejectsUnusableOrganizationUrl) {
    config::AzureDevOpsConfig cfg;
    cfg.organization_url = "ftp://dev.azure.com/contoso";
    auto c = make_http_client(cfg);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ErrorCode::config);
}

TEST(HttpClient, ReleaseManagementUrlIsVsrmOnServicesAndTheCollectionOnServer) {
    EXPECT_EQ(release_management_url("https://dev.azure.com/fabrikam"),
              "https://vsrm.dev.azure.com/fabrikam");
    EXPECT_EQ(release_management_url("https://DEV.azure.com/fabrikam/"),
              "https://vsrm.dev.azure.com/fabrikam/");
    EXPECT_EQ(release_management_url("https://fabrikam.visualstudio.com"),
              "https://fabrikam.vsrm.visualstudio.com");
    EXPECT_EQ(release_management_url("https://fabrikam.vsrm.visualstudio.com"),
              "https://fabrikam.vsrm.visualstudio.com");
    EXPECT_EQ(release_management_url("https://tfs.example.local/tfs/DefaultCollection"),
              "https://tfs.example.local/tfs/DefaultCollection");
    EXPECT_EQ(release_management_url("http://127.0.0.1:8080/contoso"),
              "http://127.0.0.1:8080/contoso");
}

TEST(HttpClient, ReleaseAndReleaseDefinitionByName) {
    Fixture f;
    f.fake.add_project("Fabrikam", "p-1");
    f.fake.add_release_definition(
        {3, "Fabrikam", "web-api-classic", {{7, "Staging"}, {8, "Prod"}}});
    f.fake.add_release_definition({5, "Fabrikam", "web-api", {{11, "Prod"}}});
    testing::FakeRelease r;
    r.id = 31;
    r.project = "Fabrikam";
    r.definition_id = 5;
    r.definition = "web-api";
    testing::FakeReleaseArtifact a;
    a.build_id = "501";
    a.definition = "web-api-ci";
    a.repository = "web-api";
    a.source_version = std::string(40, 'a');
    r.artifacts = {a};
    f.fake.add_release(r);
    auto c = f.client();

    auto d = c->get_release_definition("Fabrikam", "web-api");
    ASSERT_OK(d);
    EXPECT_EQ(d->id, 5) << "the exact name, not the first substring match";
    ASSERT_EQ(d->environments.size(), 1u);
    EXPECT_EQ(d->environments[0], (std::pair<std::int64_t, std::string>{11, "Prod"}));
    auto missing = c->get_release_definition("Fabrikam", "nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_NE(missing.error().message.find("release definition \"nope\""), std::string::npos);

    auto got = c->get_release("Fabrikam", 31);
    ASSERT_OK(got);
    EXPECT_EQ(got->definition, "web-api");
    ASSERT_EQ(got->artifacts.size(), 1u);
    EXPECT_EQ(got->artifacts[0].type, "Build");
    EXPECT_TRUE(got->artifacts[0].is_primary);
    EXPECT_EQ(got->artifacts[0].build_id, "501");
    EXPECT_EQ(got->artifacts[0].definition, "web-api-ci");
    EXPECT_EQ(got->artifacts[0].repository, "web-api");
    EXPECT_EQ(got->artifacts[0].branch, "refs/heads/main");
    EXPECT_EQ(got->artifacts[0].source_version, std::string(40, 'a'));
    auto gone = c->get_release("Fabrikam", 99);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace shiplog::azure
