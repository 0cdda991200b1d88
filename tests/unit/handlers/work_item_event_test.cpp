#include "handlers/work_item_event.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/time_format.hpp"
#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using namespace testing;  // fixture, replaced, ts, error_of

std::string error_of(std::string_view body) {
    return testing::error_of(parse_work_item_event(body));
}

const CommitArtifact k_c1{"aa6546cf-b860-4947-8a45-6dacaa3675ed",
                          "93249743-006e-4349-b85a-1e532e6644a4",
                          "26c32235c2aee2fc54c3bac3fbacc52e941a816d"};
const CommitArtifact k_c2{"aa6546cf-b860-4947-8a45-6dacaa3675ed",
                          "93249743-006e-4349-b85a-1e532e6644a4",
                          "d425b5be79f680dc44d1f2e2f23d4d977fd08128"};
const CommitArtifact k_old{"aa6546cf-b860-4947-8a45-6dacaa3675ed",
                           "93249743-006e-4349-b85a-1e532e6644a4",
                           "bd5fceb133ef24354237510fc82d3de3efeb7d89"};

TEST(WorkItemEvent, ReadsCreated) {
    auto item = parse_work_item_event(fixture("workitem.created.json"));
    ASSERT_OK(item);
    EXPECT_EQ(item->change, WorkItemChange::created);
    EXPECT_EQ(item->id, 4790);
    EXPECT_EQ(item->rev, 3);
    EXPECT_EQ(item->work_item_type, "Bug");
    EXPECT_EQ(item->state, "Active");
    EXPECT_FALSE(item->previous_state.has_value());
    EXPECT_EQ(item->tags, (std::vector<std::string>{"incident", "Sev 2", "payments"}));
    EXPECT_EQ(item->area_path, "Contoso\\Payments");
    EXPECT_EQ(item->team_project, "Contoso");
    EXPECT_EQ(item->created_date, ts("2026-11-19T10:15:00.12Z"));
    EXPECT_EQ(item->changed_date, ts("2026-11-19T10:15:00.12Z"));
    EXPECT_EQ(item->title, "Checkout fails with 503 for EU customers");
    EXPECT_EQ(item->changed_by, "Priya Raman <priya.raman@contoso.example>");  // identity object
    // Only the ArtifactLink to a commit counts; the PR link and the parent do not.
    EXPECT_EQ(item->commit_links, (std::vector<CommitArtifact>{k_c1}));
    EXPECT_TRUE(item->removed_commit_links.empty());
}

TEST(WorkItemEvent, ReadsDeleted) {
    auto item = parse_work_item_event(fixture("workitem.deleted.json"));
    ASSERT_OK(item);
    EXPECT_EQ(item->change, WorkItemChange::deleted);
    EXPECT_EQ(item->id, 4790);
    EXPECT_EQ(item->rev, 7);
    EXPECT_EQ(item->state, "Closed");
    EXPECT_TRUE(item->commit_links.empty());
}

TEST(WorkItemEvent, RestoredHasTheCreatedShape) {
    auto item = parse_work_item_event(replaced(fixture("workitem.created.json"),
                                               "\"workitem.created\"", "\"workitem.restored\""));
    ASSERT_OK(item);
    EXPECT_EQ(item->change, WorkItemChange::restored);
    EXPECT_STREQ(to_string(item->change), "restored");
}

TEST(WorkItemEvent, ReadsUpdatedWithChangedFieldsOverRevision) {
    auto item = parse_work_item_event(fixture("workitem.updated.json"));
    ASSERT_OK(item);
    EXPECT_EQ(item->change, WorkItemChange::updated);
    EXPECT_EQ(item->id, 4790);  // workItemId is 0: revision.id, not the update number 5
    EXPECT_EQ(item->rev, 5);
    EXPECT_EQ(item->state, "Resolved");
    EXPECT_EQ(item->previous_state, "Active");
    EXPECT_EQ(item->tags, (std::vector<std::string>{"incident", "Sev 2", "payments", "hotfix"}));
    EXPECT_EQ(item->team_project, "Contoso");
    EXPECT_EQ(item->work_item_type, "Bug");
    EXPECT_EQ(item->created_date, ts("2026-11-19T10:15:00.12Z"));
    EXPECT_EQ(item->changed_date, ts("2026-11-20T11:03:27.45Z"));
    EXPECT_EQ(item->changed_by, "Mira Okafor <mira.okafor@contoso.example>");  // identity string
    // Added relation (upper-case URI, "%2f") and the revision's relation.
    EXPECT_EQ(item->commit_links, (std::vector<CommitArtifact>{k_c2, k_c1}));
    EXPECT_EQ(item->removed_commit_links, (std::vector<CommitArtifact>{k_old}));
}

TEST(WorkItemEvent, UpdatedPrefersANonZeroWorkItemId) {
    auto item = parse_work_item_event(
        replaced(fixture("workitem.updated.json"), "\"workItemId\": 0", "\"workItemId\": 4791"));
    ASSERT_OK(item);
    EXPECT_EQ(item->id, 4791);
    auto missing = parse_work_item_event(
        replaced(fixture("workitem.updated.json"), "\"workItemId\": 0", "\"x\": 0"));
    ASSERT_OK(missing);
    EXPECT_EQ(missing->id, 4790);
}

TEST(WorkItemEvent, UpdatedWithoutStateChangeKeepsRevisionState) {
    auto body =
        replaced(fixture("workitem.updated.json"), "\"System.State\": {", "\"System.StateX\": {");
    auto item = parse_work_item_event(body);
    ASSERT_OK(item);
    EXPECT_EQ(item->state, "Resolved");  // from revision.fields
    EXPECT_FALSE(item->previous_state.has_value());
}

TEST(WorkItemEvent, ClearedTagsAreEmpty) {
    auto body = replaced(fixture("workitem.updated.json"),
                         ",\n        \"newValue\": \"incident; Sev 2; payments; hotfix\"", "");
    auto item = parse_work_item_event(body);
    ASSERT_OK(item);
    EXPECT_TRUE(item->tags.empty());
}

TEST(WorkItemEvent, SplitsTags) {
    EXPECT_EQ(split_tags("a; b"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(split_tags(" incident ;;Sev 2;"), (std::vector<std::string>{"incident", "Sev 2"}));
    EXPECT_EQ(split_tags(""), std::vector<std::string>{});
    EXPECT_EQ(split_tags(" ; "), std::vector<std::string>{});
    EXPECT_EQ(split_tags("single"), (std::vector<std::string>{"single"}));
}

TEST(WorkItemEvent, NamesEachMissingRequiredField) {
    const auto created = fixture("workitem.created.json");
    EXPECT_EQ(error_of(replaced(created, "\"id\": 4790", "\"idX\": 4790")),
              "resource.id: missing integer");
    EXPECT_EQ(error_of(replaced(created, "\"rev\": 3", "\"rev\": \"three\"")),
              "resource.rev: not an integer");
    EXPECT_EQ(error_of(replaced(created, "\"fields\"", "\"fieldsX\"")),
              "resource.fields: missing object");
    EXPECT_EQ(error_of(replaced(created, "\"System.TeamProject\"", "\"X\"")),
              "resource.fields.System.TeamProject: missing string");
    EXPECT_EQ(error_of(replaced(created, "\"System.WorkItemType\": \"Bug\"",
                                "\"System.WorkItemType\": null")),
              "resource.fields.System.WorkItemType: missing string");
    EXPECT_EQ(error_of(replaced(created, "\"workitem.created\"", "\"workitem.commented\"")),
              "eventType: \"workitem.commented\" is not workitem.created/updated/deleted/restored");
    EXPECT_EQ(error_of(replaced(created, "\"id\": 4790", "\"id\": 0")),
              "resource.id: 0 is not a work item id");

    const auto updated = fixture("workitem.updated.json");
    EXPECT_EQ(error_of(replaced(updated, "\"revision\"", "\"revisionX\"")),
              "resource.revision: missing object");
    EXPECT_EQ(error_of(replaced(updated, "\"id\": 4790", "\"idX\": 4790")),
              "resource.revision.id: missing integer");
    auto no_project = replaced(updated, "\"System.TeamProject\": \"Contoso\"", "\"X\": 1");
    EXPECT_EQ(error_of(no_project), "resource.revision.fields.System.TeamProject: missing string");
}

}  // namespace
}  // namespace shiplog::handlers
