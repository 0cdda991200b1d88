#include <gtest/gtest.h>

#include <map>

#include <algorithm>
#include <set>

#include "azure/hook_plan.hpp"
#include "azure/hook_sync.hpp"
#include "support/expect_ok.hpp"
#include "support/fake_azure_devops.hpp"

namespace shiplog::azure {
namespace {

config::DeploymentConfig deployment(std::string name, std::string env, std::string repo,
                                    std::string branch,
                                    config::Trigger trigger = config::Trigger::push,
                                    std::string pipeline = "") {
    config::DeploymentConfig d;
    d.name = std::move(name);
    d.environment = std::move(env);
    d.project = "Fabrikam";
    d.repository = std::move(repo);
    d.branch = std::move(branch);
    d.trigger = trigger;
    d.pipeline = std::move(pipeline);
    if (trigger == config::Trigger::stage) d.stage = "Production";
    return d;
}

config::Config make_config(std::string password = "hook-pass-1") {
    config::Config c;
    c.server.public_url = "https://shiplog.example.com";
    c.webhook = config::WebhookConfig{"shiplog", {Secret(std::move(password))}, {}};
    c.deployments.push_back(deployment("web-api", "production", "web-api", "main"));
    c.deployments.push_back(
        deployment("web-api", "staging", "web-api", "main"));  // shares the push hook
    c.deployments.push_back(deployment("worker", "production", "worker", "release",
                                       config::Trigger::build, "worker-ci"));
    c.deployments.push_back(
        deployment("site", "production", "site", "main", config::Trigger::stage, "site-cd"));
    return c;
}

ResolvedNames names() {
    ResolvedNames ids;
    ids.project_ids["Fabrikam"] = "p-1";
    ids.repository_ids[{"Fabrikam", "web-api"}] = "r-web";
    ids.repository_ids[{"Fabrikam", "worker"}] = "r-worker";
    ids.repository_ids[{"Fabrikam", "site"}] = "r-site";
    ids.pipeline_ids[{"Fabrikam", "site-cd"}] = 17;
    return ids;
}

std::vector<DesiredHook> desired(const config::Config& c) {
    auto d = desired_hooks(c, make_identity(c), names());
    EXPECT_TRUE(d.has_value()) << d.error().message;
    return *d;
}

// What Azure DevOps would hold after creating `hooks` (ids assigned, passwords masked, server
// inputs added).
std::vector<Subscription> as_stored(const std::vector<DesiredHook>& hooks) {
    std::vector<Subscription> out;
    int n = 0;
    for (const auto& h : hooks) {
        Subscription s = h.subscription;
        s.id = "sub-" + std::to_string(++n);
        s.status = "enabled";
        s.consumer_inputs["basicAuthPassword"] = "********";
        s.publisher_inputs["hostId"] = "host";
        s.publisher_inputs["tfsSubscriptionId"] = "tfs-" + std::to_string(n);
        out.push_back(s);
    }
    return out;
}

Subscription foreign(const std::string& event_type) {
    Subscription s;
    s.id = "foreign-" + event_type;
    s.publisher_id = "tfs";
    s.event_type = event_type;
    s.resource_version = "1.0";
    s.publisher_inputs = {{"projectId", "p-1"}, {"repository", "r-web"}, {"branch", "main"}};
    s.consumer_inputs = {{"url", "https://jenkins.example/hook"}};
    return s;
}

TEST(HookPlan, IdentityDerivesFromPublicUrl) {
    auto c = make_config();
    auto a = make_identity(c);
    EXPECT_EQ(a.instance.size(), 12u);
    EXPECT_EQ(a.url, "https://shiplog.example.com/hooks/azure-devops");
    c.server.public_url = "https://shiplog.example.com/";
    EXPECT_EQ(make_identity(c).instance, a.instance) << "a trailing slash is the same instance";
    c.server.public_url = "https://staging.example.com";
    EXPECT_NE(make_identity(c).instance, a.instance);
    EXPECT_EQ(a.password_mac.size(), 64u);
}

TEST(HookPlan, ExactDesiredSetForConfig) {
    auto c = make_config();
    auto hooks = desired(c);
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& h : hooks) got.emplace_back(h.subscription.event_type, h.filter);
    std::vector<std::pair<std::string, std::string>> want = {
        // Input names lower-cased: the server may spell them otherwise.
        {"git.push", "branch=refs/heads/main;projectid=p-1;repository=r-web"},
        // Pull requests per repository (the lead time breakdown).
        {"git.pullrequest.created", "projectid=p-1;repository=r-web"},
        {"git.pullrequest.updated", "projectid=p-1;repository=r-web"},
        {"git.pullrequest.merged", "projectid=p-1;repository=r-web"},
        {"ms.vss-code.git-pullrequest-comment-event", "projectid=p-1;repository=r-web"},
        {"git.push", "branch=refs/heads/release;projectid=p-1;repository=r-worker"},
        {"git.pullrequest.created", "projectid=p-1;repository=r-worker"},
        {"git.pullrequest.updated", "projectid=p-1;repository=r-worker"},
        {"git.pullrequest.merged", "projectid=p-1;repository=r-worker"},
        {"ms.vss-code.git-pullrequest-comment-event", "projectid=p-1;repository=r-worker"},
        {"build.complete", "definitionname=worker-ci;projectid=p-1"},
        {"git.push", "branch=refs/heads/main;projectid=p-1;repository=r-site"},
        {"git.pullrequest.created", "projectid=p-1;repository=r-site"},
        {"git.pullrequest.updated", "projectid=p-1;repository=r-site"},
        {"git.pullrequest.merged", "projectid=p-1;repository=r-site"},
        {"ms.vss-code.git-pullrequest-comment-event", "projectid=p-1;repository=r-site"},
        {"ms.vss-pipelines.stage-state-changed-event", "pipelineid=17;projectid=p-1"},
        {"workitem.created", "projectid=p-1"},
        {"workitem.updated", "projectid=p-1"},
        {"workitem.deleted", "projectid=p-1"},
    };
    EXPECT_EQ(got, want);

    const auto& push = hooks[0];
    EXPECT_EQ(push.deployments,
              (std::vector<std::string>{"web-api:production", "web-api:staging"}));
    EXPECT_EQ(push.subscription.publisher_id, "tfs");
    EXPECT_EQ(push.subscription.resource_version, "1.0");
    EXPECT_EQ(push.subscription.consumer_id, "webHooks");
    EXPECT_EQ(push.subscription.consumer_action_id, "httpRequest");
    EXPECT_EQ(push.subscription.consumer_inputs.at("url"),
              "https://shiplog.example.com/hooks/azure-devops");
    EXPECT_EQ(push.subscription.consumer_inputs.at("basicAuthUsername"), "shiplog");
    EXPECT_EQ(push.subscription.consumer_inputs.at("basicAuthPassword"), "hook-pass-1");
    auto id = make_identity(c);
    EXPECT_EQ(push.subscription.consumer_inputs.at("httpHeaders"), "X-Shiplog-Hook:" + push.marker);
    EXPECT_EQ(push.marker.rfind(id.instance + "/git.push/", 0), 0u);
    const auto& stage = hooks[16];
    EXPECT_EQ(stage.subscription.event_type, "ms.vss-pipelines.stage-state-changed-event");
    EXPECT_EQ(stage.subscription.publisher_id, "pipelines");
    EXPECT_EQ(stage.subscription.resource_version, "5.1-preview.1");
    for (std::size_t i : {1u, 2u, 3u, 4u}) {  // the pull-request kinds of web-api
        EXPECT_EQ(hooks[i].subscription.publisher_id, "tfs");
        EXPECT_EQ(hooks[i].subscription.resource_version, "1.0");
        EXPECT_EQ(hooks[i].deployments, push.deployments);
    }
    for (const auto& h : hooks) EXPECT_EQ(h.marker.find("hook-pass-1"), std::string::npos);
}

TEST(HookPlan, MissingNameIsAnErrorNamingIt) {
    auto c = make_config();
    auto ids = names();
    ids.repository_ids.erase({"Fabrikam", "worker"});
    auto d = desired_hooks(c, make_identity(c), ids);
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("worker:production"), std::string::npos) << d.error().message;
    EXPECT_NE(d.error().message.find("\"worker\""), std::string::npos) << d.error().message;
}

TEST(HookPlan, ReleaseWithoutIdsIsAnErrorWithIdsAnRmHook) {
    auto c = make_config();
    auto r = deployment("app", "prod", "web-api", "main", config::Trigger::release);
    r.release_definition = "app";
    r.release_environment = "Prod";
    c.deployments.push_back(r);
    auto d = desired_hooks(c, make_identity(c), names());
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("app:prod"), std::string::npos) << d.error().message;
    EXPECT_NE(d.error().message.find("\"app\""), std::string::npos) << d.error().message;
    auto ids = names();
    ids.release_ids[{"Fabrikam", "app", "Prod"}] = {3, 9};
    d = desired_hooks(c, make_identity(c), ids);
    ASSERT_OK(d);
    auto it = std::find_if(d->begin(), d->end(), [](const DesiredHook& h) {
        return h.subscription.event_type == "ms.vss-release.deployment-completed-event";
    });
    ASSERT_NE(it, d->end());
    EXPECT_EQ(it->filter, "projectid=p-1;releasedefinitionid=3;releaseenvironmentid=9");
    EXPECT_EQ(it->subscription.publisher_id, "rm");
    EXPECT_EQ(it->subscription.resource_version, "3.0-preview.1");
}

TEST(HookPlan, EmptyOrganizationCreatesEverything) {
    auto hooks = desired(make_config());
    auto plan = plan_sync(hooks, {}, make_identity(make_config()).instance);
    ASSERT_EQ(plan.items.size(), hooks.size());
    for (const auto& item : plan.items) EXPECT_EQ(item.action, PlanItem::Action::create);
}

TEST(HookPlan, SecondRunIsEmpty) {
    auto c = make_config();
    auto hooks = desired(c);
    auto plan = plan_sync(hooks, as_stored(hooks), make_identity(c).instance);
    EXPECT_TRUE(plan.empty()) << plan_json(plan);
    EXPECT_EQ(plan.unchanged, hooks.size());
}

TEST(HookPlan, InputNamesStoredInAnotherCaseAreNoDrift) {
    auto c = make_config();
    auto hooks = desired(c);
    auto stored = as_stored(hooks);
    bool renamed = false;
    for (auto& s : stored) {
        std::map<std::string, std::string> respelled;
        for (const auto& [k, v] : s.publisher_inputs) {
            std::string key = k == "pipelineId" ? "PipelineId" : k == "projectId" ? "ProjectId" : k;
            renamed = renamed || key != k;
            respelled[key] = v;
        }
        s.publisher_inputs = std::move(respelled);
    }
    ASSERT_TRUE(renamed);
    auto plan = plan_sync(hooks, stored, make_identity(c).instance);
    EXPECT_TRUE(plan.empty()) << "no delete and re-create on every sync: " << plan_json(plan);
}

TEST(HookPlan, PushBranchIsSentAsTheFullRef) {
    auto hooks = desired(make_config());
    ASSERT_EQ(hooks[0].subscription.event_type, "git.push");
    EXPECT_EQ(hooks[0].subscription.publisher_inputs.at("branch"), "refs/heads/main");
    auto stage = std::find_if(hooks.begin(), hooks.end(), [](const DesiredHook& h) {
        return h.subscription.event_type == "ms.vss-pipelines.stage-state-changed-event";
    });
    ASSERT_NE(stage, hooks.end());
    EXPECT_TRUE(stage->subscription.publisher_inputs.contains("pipelineId"));
}

TEST(HookPlan, PasswordRotationIsDrift) {
    auto before = make_config("old-password");
    auto stored = as_stored(desired(before));
    auto after = make_config("new-password");
    auto plan = plan_sync(desired(after), stored, make_identity(after).instance);
    ASSERT_EQ(plan.items.size(), stored.size());
    for (const auto& item : plan.items) {
        EXPECT_EQ(item.action, PlanItem::Action::replace);
        EXPECT_EQ(item.reason, "drift");
        EXPECT_EQ(item.subscription.consumer_inputs.at("basicAuthPassword"), "new-password");
        EXPECT_FALSE(item.subscription.id.empty());
    }
}

TEST(HookPlan, ForeignSubscriptionsAreNeverTouched) {
    auto c = make_config();
    auto hooks = desired(c);
    auto stored = as_stored(hooks);
    stored.push_back(foreign("git.push"));  // same filter as ours, no marker
    Subscription other_instance = stored[0];
    other_instance.id = "staging-1";
    other_instance.consumer_inputs["httpHeaders"] = "X-Shiplog-Hook: 0123456789ab/git.push/ffff";
    stored.push_back(other_instance);
    auto plan = plan_sync(hooks, stored, make_identity(c).instance);
    EXPECT_TRUE(plan.empty()) << plan_json(plan);
    auto remove = plan_remove_all(stored, make_identity(c).instance);
    EXPECT_EQ(remove.items.size(), hooks.size());
    for (const auto& item : remove.items) {
        EXPECT_NE(item.subscription.id, "foreign-git.push");
        EXPECT_NE(item.subscription.id, "staging-1");
    }
}

TEST(HookPlan, ObsoleteDuplicateAndProbation) {
    auto c = make_config();
    auto hooks = desired(c);
    auto stored = as_stored(hooks);
    stored.push_back(stored[0]);
    stored.back().id = "dup";
    stored[1].status = "onProbation";
    stored[2].status = "disabledByUser";  // an admin's decision: left alone
    c.deployments.pop_back();             // the stage deployment goes away
    auto plan = plan_sync(desired(c), stored, make_identity(c).instance);
    std::multiset<std::string> got;
    for (const auto& item : plan.items)
        got.insert(std::string(to_string(item.action)) + " " + item.reason + " " +
                   item.subscription.id);
    // The stage deployment took its repository's push and pull-request
    // subscriptions with it (sub-12 to sub-16) and its stage one (sub-17).
    EXPECT_EQ(got,
              (std::multiset<std::string>{
                  "replace re-enable (onProbation) sub-2", "remove duplicate dup",
                  "remove obsolete sub-12", "remove obsolete sub-13", "remove obsolete sub-14",
                  "remove obsolete sub-15", "remove obsolete sub-16", "remove obsolete sub-17"}))
        << plan_json(plan);
}

TEST(HookPlan, MarkerParsingToleratesOtherHeadersAndCase) {
    Subscription s;
    s.consumer_inputs["httpHeaders"] = "X-Other: 1\r\nx-shiplog-hook :  abc/git.push/01 \nX-More:2";
    EXPECT_EQ(marker_of(s), "abc/git.push/01");
    EXPECT_TRUE(is_owned(s, "abc"));
    EXPECT_FALSE(is_owned(s, "abd"));
    EXPECT_FALSE(is_owned(Subscription{}, "abc"));
}

TEST(HookSync, AgainstFakeTwiceThenRemove) {
    const std::string token = "pat-for-sync-test-0000000000000000000000";
    testing::FakeAzureDevOps fake{token};
    fake.add_project("Fabrikam", "p-1");
    fake.add_repository("Fabrikam", "web-api", "r-web");
    fake.add_repository("Fabrikam", "worker", "r-worker");
    fake.add_repository("Fabrikam", "site", "r-site");
    fake.add_build_definition("Fabrikam", "site-cd", 17);
    fake.add_build_definition("Fabrikam", "Worker-CI", 18);       // configured as worker-ci
    fake.add_branch("Fabrikam", "worker", "refs/heads/Release");  // configured as release
    testing::FakeSubscription other;
    other.event_type = "git.push";
    other.publisher_inputs = {{"projectId", "p-1"}};
    other.consumer_inputs = {{"url", "https://jenkins.example/hook"}};
    auto foreign_id = fake.add_subscription(other);

    config::AzureDevOpsConfig az{fake.organization_url(), Secret(token), std::nullopt,
                                 std::nullopt};
    auto client = make_http_client(az);
    ASSERT_OK(client);
    auto c = make_config();
    auto id = make_identity(c);
    auto ids = resolve_names(**client, c);
    ASSERT_OK(ids);
    auto hooks = desired_hooks(c, id, *ids);
    ASSERT_OK(hooks);
    auto existing = (*client)->list_subscriptions();
    ASSERT_OK(existing);
    auto plan = plan_sync(*hooks, *existing, id.instance);
    EXPECT_EQ(plan.items.size(), 20u);  // 8 + 4 pull-request hooks per repository
    ASSERT_OK(apply_plan(**client, plan));
    EXPECT_EQ(fake.subscriptions().size(), 21u);
    // List inputs went out in the server's spelling (the fake refuses any other).
    int build_hooks = 0, worker_pushes = 0;
    for (const auto& s : fake.subscriptions()) {
        if (s.event_type == "build.complete") {
            ++build_hooks;
            EXPECT_EQ(s.publisher_inputs.at("definitionName"), "Worker-CI");
        }
        auto repo = s.publisher_inputs.find("repository");  // the foreign hook has none
        if (s.event_type == "git.push" && repo != s.publisher_inputs.end() &&
            repo->second == "r-worker") {
            ++worker_pushes;
            EXPECT_EQ(s.publisher_inputs.at("branch"), "refs/heads/Release");
        }
    }
    EXPECT_EQ(build_hooks, 1);
    EXPECT_EQ(worker_pushes, 1);
    EXPECT_TRUE(ids->warnings.empty()) << ids->warnings.front();

    existing = (*client)->list_subscriptions();
    ASSERT_OK(existing);
    EXPECT_TRUE(plan_sync(*hooks, *existing, id.instance).empty());
    // A second resolution gives the same values: its plan is empty too.
    auto ids_again = resolve_names(**client, c);
    ASSERT_OK(ids_again);
    auto hooks_again = desired_hooks(c, id, *ids_again);
    ASSERT_OK(hooks_again);
    EXPECT_TRUE(plan_sync(*hooks_again, *existing, id.instance).empty());

    ASSERT_OK(apply_plan(**client, plan_remove_all(*existing, id.instance)));
    auto left = fake.subscriptions();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].id, foreign_id);

    auto no_pipeline = make_config();
    no_pipeline.deployments[2].pipeline = "worker-cj";
    auto np = resolve_names(**client, no_pipeline);
    ASSERT_FALSE(np);
    EXPECT_EQ(np.error().code, ErrorCode::not_found);
    EXPECT_EQ(np.error().message,
              "deployment worker:production: pipeline \"worker-cj\" is not among the 2 build "
              "pipelines of project \"Fabrikam\" (build.complete definitionName)");

    auto bad = make_config();
    bad.deployments[0].repository = "web-apj";
    auto r = resolve_names(**client, bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(
        r.error().message,
        "deployment web-api:production: repository \"web-apj\" not found in project \"Fabrikam\"");
}

}  // namespace
}  // namespace shiplog::azure
