// The client's backfill history calls against the fake Azure DevOps (bf):
// notification history paged by time window when answers are capped, and
// work items over WIQL + workitems in batches of at most 200 ids.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include "azure/client.hpp"
#include "support/expect_ok.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/fake_client.hpp"

namespace shiplog::azure {
namespace {

using testing::FakeAzureDevOps;

constexpr const char* k_token = "pat-backfill-history-0123456789abcdef";

struct Fixture {
    FakeAzureDevOps fake{k_token};
    Fixture() { fake.add_project("Contoso", "1f2e3d4c-0000-4000-8000-000000000002"); }
    std::unique_ptr<AzureDevOpsClient> client(int notifications_page = 200) {
        return testing::fake_client(
            fake, k_token,
            [notifications_page](config::AzureDevOpsConfig&, ClientOptions& options) {
                options.notifications_page_size = notifications_page;
            });
    }
    std::size_t requests_to(const std::string& suffix) const {
        std::size_t n = 0;
        for (const auto& r : fake.requests())
            if (r.path.ends_with(suffix)) ++n;
        return n;
    }
};

std::string at_second(int s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "2026-11-19T10:%02d:%02dZ", s / 60, s % 60);
    return buf;
}

TEST(BackfillHistory, NotificationsArePagedByTimeWindowInEitherOrder) {
    for (bool newest_first : {true, false}) {
        Fixture f;
        for (int i = 0; i < 25; ++i)
            f.fake.add_notification({1000 + i, "sub-a", "failed", at_second(i),
                                     "{\"id\":\"e" + std::to_string(i) + "\"}"});
        f.fake.add_notification({2000, "sub-b", "failed", at_second(3), "{\"id\":\"other\"}"});
        f.fake.set_notifications_cap(4, newest_first);
        auto n = f.client()->query_notifications({"sub-a"}, "2026-11-19T00:00:00Z");
        ASSERT_OK(n);
        std::set<std::int64_t> ids;
        for (const auto& x : *n) ids.insert(x.id);
        EXPECT_EQ(n->size(), 25u) << "each notification once";
        EXPECT_EQ(ids.size(), 25u);
        EXPECT_FALSE(ids.count(2000));
        EXPECT_GE(f.requests_to("/_apis/hooks/notificationsquery"), 8u)
            << "4 per answer, one new per overlap";
    }
}

TEST(BackfillHistory, AFullAnswerOfOneInstantCannotBePagedAndSaysSo) {
    Fixture f;
    for (int i = 0; i < 3; ++i)
        f.fake.add_notification({1 + i, "sub-a", "failed", at_second(5), "{\"id\":\"e\"}"});
    auto n = f.client(3)->query_notifications({"sub-a"}, "2026-11-19T00:00:00Z");
    ASSERT_FALSE(n);
    EXPECT_NE(n.error().message.find("share one createdDate"), std::string::npos)
        << n.error().message;
    EXPECT_NE(n.error().message.find("notificationsquery"), std::string::npos);
}

TEST(BackfillHistory, WorkItemsComeFromWiqlThenBatchesOfAtMost200) {
    Fixture f;
    for (int id = 1; id <= 450; ++id)
        f.fake.add_work_item({id, "Contoso", id == 7 ? "2026-11-18T23:00:00Z" : at_second(id % 600),
                              "{\"id\":" + std::to_string(id) +
                                  ",\"rev\":" + std::to_string(id % 5 + 1) +
                                  ",\"fields\":{\"System.TeamProject\":\"Contoso\"}}"});
    auto c = f.client();
    auto ids = c->changed_work_item_ids("Contoso", "2026-11-19T00:00:00Z");
    ASSERT_OK(ids);
    EXPECT_EQ(ids->size(), 449u) << "work item 7 changed before";
    auto items = c->get_work_items_json("Contoso", *ids);
    ASSERT_OK(items);
    ASSERT_EQ(items->size(), 449u);
    EXPECT_EQ(f.requests_to("/Contoso/_apis/wit/workitems"), 3u);
    for (const auto& r : f.fake.requests())
        if (r.path.ends_with("/_apis/wit/workitems")) {
            EXPECT_EQ(r.params.at("$expand"), "relations");
            EXPECT_EQ(r.params.at("errorPolicy"), "omit");
        }
    EXPECT_EQ((*items)[0].rev, (*items)[0].id % 5 + 1);
    EXPECT_EQ((*items)[0].json.rfind("{\"id\":", 0), 0u);

    // A work item deleted between the query and the batch is left out.
    auto gone = c->get_work_items_json("Contoso", {1, 99999});
    ASSERT_OK(gone);
    ASSERT_EQ(gone->size(), 1u);
    EXPECT_EQ((*gone)[0].id, 1);

    auto unknown = c->changed_work_item_ids("Nope", "2026-11-19T00:00:00Z");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("wit/wiql"), std::string::npos)
        << unknown.error().message;
}

}  // namespace
}  // namespace shiplog::azure
