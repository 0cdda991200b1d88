// The client's work-queue and backfill calls against the fake Azure DevOps:
// builds, commit ranges with $top/$skip paging, pushes, notification history.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "azure/client.hpp"
#include "support/expect_ok.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/fake_client.hpp"
#include "support/sha.hpp"

namespace shiplog::azure {
namespace {

using testing::FakeAzureDevOps;

constexpr const char* k_token = "pat-history-0123456789abcdef";

using testing::sha;

struct Fixture {
    FakeAzureDevOps fake{k_token};
    Fixture() {
        fake.add_project("Contoso", "1f2e3d4c-0000-4000-8000-000000000002");
        for (int n = 1; n <= 5; ++n) {
            testing::FakeCommit c;
            c.sha = sha(n);
            if (n > 1) c.parents = {sha(n - 1)};
            c.author_date = "2026-11-19T08:00:0" + std::to_string(n) + "Z";
            c.comment = "Change " + std::to_string(n);
            c.comment_truncated = n == 5;
            fake.add_commit("Contoso", "web-api", c);
        }
    }
    std::unique_ptr<AzureDevOpsClient> client(int page = 1000) {
        return testing::fake_client(fake, k_token,
                                    [page](config::AzureDevOpsConfig&, ClientOptions& options) {
                                        options.commits_page_size = page;
                                    });
    }
};

TEST(RestHistory, BuildGivesShaAndBranchAndAMissingOneIsNotFound) {
    Fixture f;
    testing::FakeBuild b;
    b.id = 77;
    b.project = "Contoso";
    b.definition = "web-api-cd";
    b.source_branch = "refs/heads/release";
    b.source_version = sha(3);
    b.status = "inProgress";
    b.result = "";
    f.fake.add_build(b);
    auto build = f.client()->get_build("Contoso", 77);
    ASSERT_OK(build);
    EXPECT_EQ(build->source_version, sha(3));
    EXPECT_EQ(build->source_branch, "refs/heads/release");
    EXPECT_EQ(build->definition, "web-api-cd");
    EXPECT_EQ(build->status, "inProgress");
    auto missing = f.client()->get_build("Contoso", 78);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_NE(missing.error().message.find("build 78"), std::string::npos);
}

TEST(RestHistory, CommitsBetweenPagesWithTopAndSkip) {
    Fixture f;
    auto commits = f.client(2)->commits_between("Contoso", "web-api", sha(1), sha(5));
    ASSERT_OK(commits);
    ASSERT_EQ(commits->size(), 4u);
    EXPECT_EQ((*commits)[0].sha, sha(5));  // newest first
    EXPECT_TRUE((*commits)[0].comment_truncated);
    EXPECT_EQ((*commits)[3].sha, sha(2));
    EXPECT_EQ((*commits)[3].author_date, "2026-11-19T08:00:02Z");
    std::vector<std::string> skips;
    for (const auto& r : f.fake.requests()) {
        EXPECT_EQ(r.method, "POST");
        EXPECT_TRUE(r.path.ends_with("/Contoso/_apis/git/repositories/web-api/commitsbatch"));
        // The spec's reading first: the walk starts at compareVersion (the newer sha).
        EXPECT_NE(
            r.body.find("\"compareVersion\":{\"versionType\":\"commit\",\"version\":\"" + sha(5)),
            std::string::npos);
        skips.push_back(r.params.at("$skip"));
    }
    EXPECT_EQ(skips, (std::vector<std::string>{"0", "2", "4"}));

    auto only = f.client()->commits_between("Contoso", "web-api", "", sha(3));
    ASSERT_OK(only);
    ASSERT_EQ(only->size(), 1u);
    EXPECT_EQ((*only)[0].comment, "Change 3");
    auto unknown = f.client()->commits_between("Contoso", "web-api", sha(1), sha(99));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST(RestHistory, PushesAndNotificationHistory) {
    Fixture f;
    f.fake.add_push("Contoso", "web-api",
                    {1, "refs/heads/main", "2026-11-19T08:00:00Z", "{\"pushId\":1}"});
    f.fake.add_push("Contoso", "web-api",
                    {2, "refs/heads/other", "2026-11-19T09:00:00Z", "{\"pushId\":2}"});
    f.fake.add_push("Contoso", "web-api",
                    {3, "refs/heads/main", "2026-11-19T10:00:00Z", "{\"pushId\":3}"});
    auto ids =
        f.client()->list_push_ids("Contoso", "web-api", "refs/heads/main", "2026-11-19T07:00:00Z");
    ASSERT_OK(ids);
    EXPECT_EQ(*ids, (std::vector<std::int64_t>{3, 1}));
    auto push = f.client()->get_push_json("Contoso", "web-api", 3);
    ASSERT_OK(push);
    EXPECT_EQ(*push, "{\"pushId\":3}");

    f.fake.add_notification({7, "sub-a", "failed", "2026-11-19T10:00:00Z",
                             "{\"id\":\"e1\",\"eventType\":\"git.push\"}"});
    f.fake.add_notification({8, "sub-b", "failed", "2026-11-19T10:00:00Z", "{\"id\":\"e2\"}"});
    f.fake.add_notification({9, "sub-a", "succeeded", "2026-11-18T10:00:00Z", "{\"id\":\"e0\"}"});
    auto n = f.client()->query_notifications({"sub-a"}, "2026-11-19T00:00:00Z");
    ASSERT_OK(n);
    ASSERT_EQ(n->size(), 1u);
    EXPECT_EQ((*n)[0].id, 7);
    EXPECT_EQ((*n)[0].result, "failed");
    EXPECT_EQ((*n)[0].event_json, "{\"id\":\"e1\",\"eventType\":\"git.push\"}");
}

}  // namespace
}  // namespace shiplog::azure
