// The event-kind table: every row is found by its wire name, nothing else is.
#include "common/event_kind.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace shiplog {
namespace {

TEST(EventKind, EveryRowIsFoundByItsNameAndNamesAreUnique) {
    std::set<std::string_view> names;
    for (const auto& row : k_event_kinds) {
        EXPECT_EQ(event_kind_of(row.name), row.kind) << row.name;
        EXPECT_EQ(to_string(row.kind), row.name);
        EXPECT_TRUE(names.insert(row.name).second) << "duplicate " << row.name;
        EXPECT_FALSE(row.publisher.empty()) << row.name;
        EXPECT_FALSE(row.resource_version.empty()) << row.name;
    }
    EXPECT_EQ(names.size(), k_event_kind_count);
}

TEST(EventKind, OtherNamesAreUnknownAndCountAsOther) {
    for (const char* name :
         {"", "GIT.PUSH", "git.push ", "git.pullrequest.commented", "shiplog.register-deploy"})
        EXPECT_EQ(event_kind_of(name), EventKind::unknown) << name;
    EXPECT_EQ(to_string(EventKind::unknown), "other");
    EXPECT_EQ(payload_of(EventKind::unknown), EventPayload::none);
}

TEST(EventKind, TheRowsTheHookPlannerAndReadersRelyOn) {
    EXPECT_EQ(info(EventKind::git_push).subscribe, Subscribe::every_deployment);
    EXPECT_EQ(info(EventKind::build_complete).payload, EventPayload::build);
    EXPECT_EQ(info(EventKind::stage_state_changed).publisher, "pipelines");
    EXPECT_EQ(info(EventKind::release_deployment_completed).resource_version, "3.0-preview.1");
    EXPECT_EQ(payload_of(EventKind::work_item_restored), EventPayload::work_item);
    EXPECT_EQ(event_kind_of("ms.vss-code.git-pullrequest-comment-event"),
              EventKind::pull_request_commented);
    EXPECT_EQ(payload_of(EventKind::pull_request_commented), EventPayload::pull_request_comment);
    for (auto kind : {EventKind::pull_request_created, EventKind::pull_request_updated,
                      EventKind::pull_request_merged}) {
        EXPECT_EQ(payload_of(kind), EventPayload::pull_request);
        EXPECT_EQ(info(kind).subscribe, Subscribe::every_repository);
    }
    EXPECT_EQ(info(EventKind::pull_request_commented).subscribe, Subscribe::every_repository);
}

}  // namespace
}  // namespace shiplog
