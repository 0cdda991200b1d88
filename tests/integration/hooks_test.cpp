// `shiplog hooks sync|list|remove` through the real binary against the fake
// Azure DevOps (SPEC §1, §7).
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <sstream>

#include "support/fake_azure_devops.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_pat = "pat-integration-7c1d9e2f4a6b8c0d1e3f5a7b9c";
constexpr const char* k_password = "hook-pass-9a8b7c6d5e";

class HooksTest : public ::testing::Test {
  protected:
    HooksTest() : fake(k_pat) {
        fake.add_project("Fabrikam", "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c");
        fake.add_repository("Fabrikam", "web-api", "5febef5a-833d-4e14-b9c0-14cb638f91e6");
        fake.add_repository("Fabrikam", "worker", "7a1b2c3d-0000-4000-8000-000000000001");
        fake.add_build_definition("Fabrikam", "site-cd", 17);
        // Configured as worker-ci: the server's spelling is what gets sent.
        fake.add_build_definition("Fabrikam", "Worker-CI", 18);
        // web-api's branches are listed; worker's are not (refs/heads/ form).
        fake.add_branch("Fabrikam", "web-api", "refs/heads/develop");
        fake.add_branch("Fabrikam", "web-api", "refs/heads/main");
        dir.write("azure-token", std::string(k_pat) + "\n");
        dir.write("webhook-password", std::string(k_password) + "\n");
        write_config(deployments());
    }

    static std::string deployments() {
        return "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\nproject = "
               "\"Fabrikam\"\n"
               "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"push\"\n\n"
               "[[deployment]]\nname = \"web-api\"\nenvironment = \"staging\"\nproject = "
               "\"Fabrikam\"\n"
               "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"push\"\n\n"
               "[[deployment]]\nname = \"worker\"\nenvironment = \"production\"\nproject = "
               "\"Fabrikam\"\n"
               "repository = \"worker\"\nbranch = \"main\"\ntrigger = \"build\"\npipeline = "
               "\"worker-ci\"\n\n";
    }

    void write_config(const std::string& deployments_toml, const std::string& azure = "") {
        std::ostringstream toml;
        toml << "[server]\nlisten = \"127.0.0.1:0\"\npublic_url = "
                "\"https://shiplog.example.com\"\n\n"
             << "[storage]\npath = \"store\"\nmax_size_mb = 64\n\n";
        if (azure.empty())
            toml << "[azure_devops]\norganization_url = \"" << fake.organization_url()
                 << "\"\ntoken_file = \"azure-token\"\n\n";
        else
            toml << azure;
        toml << "[webhook]\nusername = \"shiplog\"\npassword_file = \"webhook-password\"\n\n"
             << deployments_toml;
        config = dir.write("shiplog.toml", toml.str());
    }

    CommandResult shiplog(std::vector<std::string> args) {
        args.push_back("--config");
        args.push_back(config.string());
        auto r = run_command(SHIPLOG_BINARY, args);
        all_output += r.out + r.err;
        return r;
    }

    std::set<std::string> ours() const {
        std::set<std::string> out;
        for (const auto& s : fake.subscriptions()) {
            auto h = s.consumer_inputs.find("httpHeaders");
            if (h == s.consumer_inputs.end() ||
                h->second.find("X-Shiplog-Hook:") == std::string::npos)
                continue;
            std::string filter;
            for (const auto& [k, v] : s.publisher_inputs) filter += k + "=" + v + ";";
            out.insert(s.event_type + " " + filter);
        }
        return out;
    }

    void TearDown() override {
        EXPECT_EQ(all_output.find(k_pat), std::string::npos) << "the PAT leaked into output";
        EXPECT_EQ(all_output.find(k_password), std::string::npos)
            << "the webhook password leaked into output";
    }

    FakeAzureDevOps fake;
    TempDir dir;
    std::filesystem::path config;
    std::string all_output;
};

TEST_F(HooksTest, SyncCreatesExactlyTheNeededSubscriptionsThenIsIdempotent) {
    FakeSubscription jenkins;
    jenkins.event_type = "git.push";
    jenkins.publisher_inputs = {{"projectId", "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"}};
    jenkins.consumer_inputs = {{"url", "https://jenkins.example/hook"},
                               {"basicAuthPassword", "theirs"}};
    auto foreign_id = fake.add_subscription(jenkins);

    auto dry = shiplog({"hooks", "sync", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_NE(dry.out.find("14 to create, 0 to replace, 0 to remove"), std::string::npos)
        << dry.out;
    EXPECT_EQ(fake.subscriptions().size(), 1u) << "--dry-run changes nothing";

    auto sync = shiplog({"hooks", "sync"});
    ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
    const std::string p = "projectId=6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c;";
    std::set<std::string> want = {
        "git.push branch=refs/heads/main;" + p + "repository=5febef5a-833d-4e14-b9c0-14cb638f91e6;",
        "git.push branch=refs/heads/main;" + p + "repository=7a1b2c3d-0000-4000-8000-000000000001;",
        "build.complete definitionName=Worker-CI;" + p,
        "workitem.created " + p,
        "workitem.updated " + p,
        "workitem.deleted " + p,
    };
    // Pull requests of each tracked repository (the lead time breakdown).
    for (const char* repo :
         {"5febef5a-833d-4e14-b9c0-14cb638f91e6", "7a1b2c3d-0000-4000-8000-000000000001"})
        for (const char* event :
             {"git.pullrequest.created", "git.pullrequest.updated", "git.pullrequest.merged",
              "ms.vss-code.git-pullrequest-comment-event"})
            want.insert(std::string(event) + " " + p + "repository=" + repo + ";");
    // web-api production and staging share one git.push subscription.
    std::set<std::string> got = ours();
    EXPECT_EQ(got.size(), 14u);
    EXPECT_EQ(got, want);
    for (const auto& s : fake.subscriptions()) {
        if (s.id == foreign_id) continue;
        EXPECT_EQ(s.consumer_id, "webHooks");
        EXPECT_EQ(s.consumer_action_id, "httpRequest");
        EXPECT_EQ(s.consumer_inputs.at("url"), "https://shiplog.example.com/hooks/azure-devops");
        EXPECT_EQ(s.consumer_inputs.at("basicAuthUsername"), "shiplog");
        EXPECT_EQ(s.consumer_inputs.at("basicAuthPassword"), k_password);
        EXPECT_EQ(s.resource_version, "1.0");
    }

    fake.clear_requests();
    auto again = shiplog({"hooks", "sync"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("0 to create, 0 to replace, 0 to remove, 14 unchanged"),
              std::string::npos)
        << again.out;
    // Nothing written: only reads and inputValuesQuery (a query, though a POST).
    for (const auto& r : fake.requests())
        EXPECT_TRUE(r.method == "GET" ||
                    (r.method == "POST" && r.path.ends_with("/inputValuesQuery")))
            << r.method << " " << r.path;

    bool still_there = false;
    for (const auto& s : fake.subscriptions())
        if (s.id == foreign_id) {
            still_there = true;
            EXPECT_EQ(s.consumer_inputs.at("basicAuthPassword"), "theirs");
        }
    EXPECT_TRUE(still_there);
}

TEST_F(HooksTest, PasswordRotationAndConfigChangeRepairDrift) {
    ASSERT_EQ(shiplog({"hooks", "sync"}).exit_code, 0);
    dir.write("webhook-password", "rotated-password-123\nhook-pass-9a8b7c6d5e\n");
    // The worker deployment goes away: its push and build hooks are obsolete.
    write_config(deployments().substr(0, deployments().find("[[deployment]]\nname = \"worker\"")));
    auto sync = shiplog({"hooks", "sync", "--json"});
    ASSERT_EQ(sync.exit_code, 0) << sync.err;
    // Left: web-api's push, three workitem.* and its four pull-request hooks.
    EXPECT_NE(sync.out.find("\"create\":0,\"replace\":8,\"remove\":6,\"unchanged\":0"),
              std::string::npos)
        << sync.out;
    EXPECT_EQ(fake.subscriptions().size(), 8u);
    for (const auto& s : fake.subscriptions())
        EXPECT_EQ(s.consumer_inputs.at("basicAuthPassword"), "rotated-password-123");
    auto again = shiplog({"hooks", "sync", "--json"});
    EXPECT_NE(again.out.find("\"create\":0,\"replace\":0,\"remove\":0,\"unchanged\":8"),
              std::string::npos)
        << again.out;
    EXPECT_EQ(all_output.find("rotated-password-123"), std::string::npos);
}

TEST_F(HooksTest, ListShowsOnlyOursWithStatusAndRemoveRemovesOnlyOurs) {
    FakeSubscription other;
    other.event_type = "build.complete";
    other.consumer_inputs = {{"url", "https://elsewhere.example/"},
                             {"httpHeaders", "X-Shiplog-Hook:0123456789ab/build.complete/00"}};
    auto other_id = fake.add_subscription(other);  // another shiplog instance's
    ASSERT_EQ(shiplog({"hooks", "sync"}).exit_code, 0);
    std::string probation_id;
    for (const auto& s : fake.subscriptions())
        if (s.event_type == "workitem.updated") probation_id = s.id;
    fake.set_status(probation_id, "onProbation");

    auto list = shiplog({"hooks", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("onProbation"), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find(other_id), std::string::npos) << list.out;
    auto json = shiplog({"hooks", "list", "--json"});
    ASSERT_EQ(json.exit_code, 0);
    EXPECT_EQ(json.out.front(), '[');
    EXPECT_NE(json.out.find("\"status\":\"onProbation\""), std::string::npos);
    EXPECT_NE(json.out.find("\"basicAuthPassword\":\"********\""), std::string::npos);
    EXPECT_NE(json.out.find("\"deployments\":[\"web-api:production\",\"web-api:staging\"]"),
              std::string::npos)
        << json.out;
    EXPECT_NE(list.out.find("web-api:production,web-api:staging"), std::string::npos) << list.out;

    // A sync re-enables the one on probation.
    auto sync = shiplog({"hooks", "sync"});
    EXPECT_NE(sync.out.find("re-enable (onProbation)"), std::string::npos) << sync.out;
    for (const auto& s : fake.subscriptions())
        if (s.id == probation_id) {
            EXPECT_EQ(s.status, "enabled");
        }

    auto remove = shiplog({"hooks", "remove"});
    ASSERT_EQ(remove.exit_code, 0) << remove.err;
    EXPECT_NE(remove.out.find("14 subscription(s) removed"), std::string::npos) << remove.out;
    auto left = fake.subscriptions();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].id, other_id);
}

TEST_F(HooksTest, RemoveDryRunListsTheDeletionsAndDeletesNothing) {
    FakeSubscription jenkins;
    jenkins.event_type = "git.push";
    jenkins.publisher_inputs = {{"projectId", "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"}};
    jenkins.consumer_inputs = {{"url", "https://jenkins.example/hook"}};
    const auto foreign_id = fake.add_subscription(jenkins);
    ASSERT_EQ(shiplog({"hooks", "sync"}).exit_code, 0);
    const auto before = fake.subscriptions();
    ASSERT_EQ(before.size(), 15u);  // 14 ours (4 of them pull-request kinds) + jenkins

    fake.clear_requests();
    auto dry = shiplog({"hooks", "remove", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    for (const auto& r : fake.requests()) EXPECT_EQ(r.method, "GET") << r.method << " " << r.path;
    EXPECT_EQ(fake.subscriptions().size(), before.size());
    std::istringstream lines(dry.out);
    std::string line;
    std::size_t removals = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("remove ", 0) != 0) continue;
        ++removals;
        EXPECT_EQ(line.find(foreign_id), std::string::npos) << line;
    }
    EXPECT_EQ(removals, 14u) << dry.out;
    EXPECT_NE(dry.out.find("hooks remove --dry-run: 14 subscription(s) to remove"),
              std::string::npos)
        << dry.out;
    // Each line is one of our subscriptions, by id.
    for (const auto& s : before) {
        if (s.id != foreign_id) {
            EXPECT_NE(dry.out.find(s.id), std::string::npos) << s.id;
        }
    }

    // --json: the same plan as sync's JSON.
    auto json = shiplog({"hooks", "remove", "--dry-run", "--json"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    EXPECT_NE(json.out.find("\"create\":0,\"replace\":0,\"remove\":14"), std::string::npos)
        << json.out;
    EXPECT_EQ(fake.subscriptions().size(), before.size());

    // The lines have sync --dry-run's format for deletions: without the
    // worker deployment, sync would remove its six (push, the four
    // pull-request kinds of its repository, build), printed the same way
    // (up to the reason in parentheses).
    write_config(
        "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\nproject = "
        "\"Fabrikam\"\nrepository = \"web-api\"\nbranch = \"main\"\ntrigger = \"push\"\n");
    auto sync_dry = shiplog({"hooks", "sync", "--dry-run"});
    ASSERT_EQ(sync_dry.exit_code, 0) << sync_dry.err;
    std::istringstream sync_lines(sync_dry.out);
    std::size_t compared = 0;
    while (std::getline(sync_lines, line)) {
        if (line.rfind("remove ", 0) != 0) continue;
        ++compared;
        const auto prefix = line.substr(0, line.rfind(" ("));
        EXPECT_NE(dry.out.find(prefix + " (remove)\n"), std::string::npos) << prefix << "\n"
                                                                           << dry.out;
    }
    EXPECT_EQ(compared, 6u) << sync_dry.out;
    EXPECT_EQ(fake.subscriptions().size(), before.size());

    auto removed = shiplog({"hooks", "remove"});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_EQ(fake.subscriptions().size(), 1u);
}

TEST_F(HooksTest, NameThatDoesNotExistIsAClearError) {
    write_config(
        "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\nproject = \"Fabrikam\"\n"
        "repository = \"web-apj\"\nbranch = \"main\"\ntrigger = \"push\"\n");
    auto r = shiplog({"hooks", "sync"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err,
              "deployment web-api:production: repository \"web-apj\" not found in project "
              "\"Fabrikam\"\n");
    EXPECT_TRUE(fake.subscriptions().empty());
}

// build.complete's definitionName is checked against the project's pipelines
// as the server lists them (inputValuesQuery) before anything is created.
TEST_F(HooksTest, PipelineTheServerDoesNotListIsAClearError) {
    write_config(
        "[[deployment]]\nname = \"worker\"\nenvironment = \"production\"\nproject = "
        "\"Fabrikam\"\nrepository = \"worker\"\nbranch = \"main\"\ntrigger = \"build\"\n"
        "pipeline = \"worker-cj\"\n");
    auto r = shiplog({"hooks", "sync"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_EQ(r.err,
              "deployment worker:production: pipeline \"worker-cj\" is not among the 2 build "
              "pipelines of project \"Fabrikam\" (build.complete definitionName)\n");
    EXPECT_TRUE(fake.subscriptions().empty());
    for (const auto& req : fake.requests()) EXPECT_NE(req.method, "PUT") << req.path;
}

TEST_F(HooksTest, WrongTokenNamesCallAndStatusOnly) {
    dir.write("azure-token", "not-the-right-pat-1234567890\n");
    auto r = shiplog({"hooks", "list"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("GET _apis/hooks/subscriptions: HTTP 401", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find("not-the-right-pat"), std::string::npos);
}

TEST_F(HooksTest, ListShowsTheLastDeliveryResultFromNotificationHistory) {
    ASSERT_EQ(shiplog({"hooks", "sync"}).exit_code, 0);
    std::string push_id;
    for (const auto& s : fake.subscriptions())
        if (s.event_type == "git.push") push_id = s.id;
    ASSERT_FALSE(push_id.empty());
    // Dates relative to now: the list asks for the last 14 days only.
    auto ago = [](int minutes) {
        std::time_t t = std::time(nullptr) - minutes * 60;
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return std::string(buf);
    };
    const std::string newest = ago(5);
    fake.add_notification({1, push_id, "succeeded", ago(60), "{}"});
    fake.add_notification({2, push_id, "failed", newest, "{}"});
    auto list = shiplog({"hooks", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("LAST DELIVERY"), std::string::npos);
    EXPECT_NE(list.out.find("failed " + newest), std::string::npos) << list.out;
    auto json = shiplog({"hooks", "list", "--json"});
    ASSERT_EQ(json.exit_code, 0);
    EXPECT_NE(json.out.find("\"last_delivery\":{\"result\":\"failed\",\"created_date\":\"" +
                            newest + "\"}"),
              std::string::npos)
        << json.out;
    bool queried = false;
    for (const auto& r : fake.requests())
        queried = queried || r.path.ends_with("/_apis/hooks/notificationsquery");
    EXPECT_TRUE(queried);
}

TEST_F(HooksTest, WithoutAzureDevOpsSection) {
    write_config(deployments(), "\n");
    for (const char* sub : {"sync", "list", "remove"}) {
        auto r = shiplog({"hooks", sub});
        EXPECT_EQ(r.exit_code, 1) << sub;
        EXPECT_EQ(r.err, "hooks need [azure_devops] in the config\n") << sub;
    }
}

TEST_F(HooksTest, ReleaseDeploymentGetsAnRmSubscriptionResolvedOverTheReleaseApi) {
    fake.add_release_definition({3, "Fabrikam", "web-api-classic", {{7, "Staging"}, {8, "Prod"}}});
    fake.add_release_definition(
        {5, "Fabrikam", "web-api", {{11, "Prod"}}});  // "web-api" is a substring of both
    write_config(deployments() +
                 "[[deployment]]\nname = \"web-api-rm\"\nenvironment = \"production\"\nproject = "
                 "\"Fabrikam\"\n"
                 "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"release\"\n"
                 "release_definition = \"web-api-classic\"\nrelease_environment = \"prod\"\n\n");
    auto sync = shiplog({"hooks", "sync"});
    ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
    EXPECT_EQ(sync.err.find("not looked up"), std::string::npos) << sync.err;
    const std::string p = "projectId=6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c;";
    auto got = ours();
    EXPECT_EQ(got.size(), 15u);
    EXPECT_TRUE(got.count("ms.vss-release.deployment-completed-event " + p +
                          "releaseDefinitionId=3;releaseEnvironmentId=8;"))
        << ::testing::PrintToString(got);
    for (const auto& s : fake.subscriptions())
        if (s.event_type == "ms.vss-release.deployment-completed-event") {
            EXPECT_EQ(s.publisher_id, "rm");
            EXPECT_EQ(s.resource_version, "3.0-preview.1");
            EXPECT_EQ(s.consumer_inputs.at("url"),
                      "https://shiplog.example.com/hooks/azure-devops");
            EXPECT_EQ(s.consumer_inputs.at("basicAuthPassword"), k_password);
        }
    bool searched = false;
    for (const auto& r : fake.requests())
        if (r.path == "/contoso/Fabrikam/_apis/release/definitions") {
            searched = true;
            EXPECT_EQ(r.params.at("searchText"), "web-api-classic");
            EXPECT_EQ(r.params.at("$expand"), "environments");
        }
    EXPECT_TRUE(searched);

    auto again = shiplog({"hooks", "sync"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("0 to create, 0 to replace, 0 to remove, 15 unchanged"),
              std::string::npos)
        << again.out;
}

TEST_F(HooksTest, ReleaseDefinitionOrEnvironmentThatDoesNotExistIsAClearError) {
    fake.add_release_definition({3, "Fabrikam", "web-api-classic", {{7, "Staging"}, {8, "Prod"}}});
    const std::string base = deployments() +
                             "[[deployment]]\nname = \"web-api-rm\"\nenvironment = \"production\"\n"
                             "project = \"Fabrikam\"\nrepository = \"web-api\"\nbranch = \"main\"\n"
                             "trigger = \"release\"\n";
    write_config(base +
                 "release_definition = \"no-such-release\"\nrelease_environment = \"Prod\"\n\n");
    auto sync = shiplog({"hooks", "sync"});
    EXPECT_NE(sync.exit_code, 0);
    EXPECT_NE(
        sync.err.find("release definition \"no-such-release\" not found in project \"Fabrikam\""),
        std::string::npos)
        << sync.err;
    EXPECT_NE(sync.err.find("web-api-rm:production"), std::string::npos) << sync.err;
    EXPECT_TRUE(fake.subscriptions().empty()) << "nothing is created when a name does not resolve";

    write_config(
        base +
        "release_definition = \"web-api-classic\"\nrelease_environment = \"Production\"\n\n");
    sync = shiplog({"hooks", "sync"});
    EXPECT_NE(sync.exit_code, 0);
    EXPECT_NE(sync.err.find("release environment \"Production\" not found in release definition "
                            "\"web-api-classic\" (it has \"Staging\", \"Prod\")"),
              std::string::npos)
        << sync.err;
}

}  // namespace
}  // namespace shiplog::testing
