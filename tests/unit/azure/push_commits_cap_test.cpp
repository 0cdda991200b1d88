// GET .../pushes/{id}?includeCommits=1000 against the fake: like Azure DevOps
// it lists at most the commits asked for, the newest ones, so the work queue's
// "1000 or more means possibly incomplete" rule is exercised against what the
// API really returns, not against a fake that hands out everything.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "azure/client.hpp"
#include "support/expect_ok.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/fake_client.hpp"
#include "support/sha.hpp"

namespace shiplog::azure {
namespace {

constexpr const char* k_token = "pat-pushcap-5d7f9b1a3c5e7a9b";

using testing::sha;

// A GitPush of commits 1..n (listed newest first, as Azure DevOps does).
std::string push_json(int n) {
    std::string commits;
    for (int i = n; i >= 1; --i)
        commits += std::string(i == n ? "" : ",") + "{\"commitId\":\"" + sha(i) +
                   "\",\"comment\":\"Change " + std::to_string(i) + "\"}";
    return "{\"pushId\":1,\"commits\":[" + commits +
           "],\"refUpdates\":[{\"name\":\"refs/heads/main\",\"oldObjectId\":\"" + sha(0) +
           "\",\"newObjectId\":\"" + sha(n) + "\"}],\"date\":\"2026-11-19T08:00:00Z\"}";
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

struct Fixture {
    testing::FakeAzureDevOps fake{k_token};
    Fixture() { fake.add_project("Contoso", "1f2e3d4c-0000-4000-8000-000000000002"); }
    std::unique_ptr<AzureDevOpsClient> client() { return testing::fake_client(fake, k_token); }
};

TEST(PushCommitsCap, APushOfMoreThan1000CommitsComesBackWithItsNewest1000) {
    Fixture f;
    f.fake.add_push("Contoso", "web-api",
                    {1, "refs/heads/main", "2026-11-19T08:00:00Z", push_json(1200)});
    auto push = f.client()->get_push_json("Contoso", "web-api", 1);
    ASSERT_OK(push);
    EXPECT_EQ(count(*push, "\"commitId\""), 1000u);
    EXPECT_NE(push->find("\"commitId\":\"" + sha(1200) + "\""), std::string::npos)
        << "the newest commit is listed";
    EXPECT_NE(push->find("\"commitId\":\"" + sha(201) + "\""), std::string::npos);
    EXPECT_EQ(push->find("\"commitId\":\"" + sha(200) + "\""), std::string::npos)
        << "the oldest 200 are cut";
    EXPECT_NE(push->find("\"refUpdates\""), std::string::npos) << "the rest of the push is kept";
    auto requests = f.fake.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].params["includeCommits"], "1000");
}

TEST(PushCommitsCap, APushWithinTheCapComesBackWhole) {
    Fixture f;
    const std::string json = push_json(999);
    f.fake.add_push("Contoso", "web-api", {1, "refs/heads/main", "2026-11-19T08:00:00Z", json});
    auto push = f.client()->get_push_json("Contoso", "web-api", 1);
    ASSERT_OK(push);
    EXPECT_EQ(count(*push, "\"commitId\""), 999u);
    EXPECT_EQ(*push, json) << "nothing to cut: served as stored";
}

}  // namespace
}  // namespace shiplog::azure
