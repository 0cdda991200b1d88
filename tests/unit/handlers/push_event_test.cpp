#include "handlers/push_event.hpp"

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
    return testing::error_of(parse_push_event(body));
}

TEST(PushEvent, ExtractsEveryField) {
    auto push = parse_push_event(fixture("git.push.json"));
    ASSERT_OK(push);
    EXPECT_EQ(push->repository_id, "93249743-006e-4349-b85a-1e532e6644a4");
    EXPECT_EQ(push->repository_name, "web-api");
    EXPECT_EQ(push->project_id, "aa6546cf-b860-4947-8a45-6dacaa3675ed");
    EXPECT_EQ(push->project_name, "Contoso");
    EXPECT_EQ(push->push_id, 1187);
    EXPECT_EQ(push->date, ts("2026-11-19T16:42:30.1234567Z"));
    EXPECT_EQ(push->pushed_by, "mira.okafor@contoso.example");
    ASSERT_EQ(push->ref_updates.size(), 1u);
    EXPECT_EQ(push->ref_updates[0].name, "refs/heads/main");
    EXPECT_EQ(push->ref_updates[0].old_object_id, "bd5fceb133ef24354237510fc82d3de3efeb7d89");
    EXPECT_EQ(push->ref_updates[0].new_object_id, "d425b5be79f680dc44d1f2e2f23d4d977fd08128");
    ASSERT_EQ(push->commits.size(), 2u);
    const auto& first = push->commits[0];
    EXPECT_EQ(first.commit_id, "d425b5be79f680dc44d1f2e2f23d4d977fd08128");
    EXPECT_EQ(first.author_name, "Mira Okafor");
    EXPECT_EQ(first.author_email, "mira.okafor@contoso.example");
    EXPECT_EQ(first.author_date, ts("2026-11-19T16:40:12Z"));
    EXPECT_EQ(first.committer_date, ts("2026-11-19T16:41:02Z"));
    EXPECT_EQ(first.comment, "Retry payment webhook on 503 (AB#4812)");
    EXPECT_FALSE(first.comment_truncated);
    const auto& second = push->commits[1];
    EXPECT_EQ(second.commit_id, "26c32235c2aee2fc54c3bac3fbacc52e941a816d");
    EXPECT_EQ(second.author_date, ts("2026-11-19T09:05:44Z"));
    EXPECT_TRUE(second.comment.starts_with(
        "Fix rounding in invoice totals, fixes #4790 and #4791; see also #4790\n\n"));
    EXPECT_TRUE(second.comment_truncated);
    EXPECT_TRUE(push->comments_truncated);
}

TEST(PushEvent, CommitsAndPusherAreOptional) {
    auto body = fixture("git.push.json");
    auto at = body.find("\"commits\"");
    ASSERT_NE(at, std::string::npos);
    body = replaced(body, "\"commits\"", "\"commitsGone\"");
    body = replaced(body, "\"pushedBy\"", "\"pushedByGone\"");
    auto push = parse_push_event(body);
    ASSERT_OK(push);
    EXPECT_TRUE(push->commits.empty());
    EXPECT_FALSE(push->comments_truncated);
    EXPECT_EQ(push->pushed_by, "");
}

TEST(PushEvent, PusherMayBeAPlainString) {
    auto body = fixture("git.push.json");
    auto from = body.find("\"pushedBy\": {");
    auto to = body.find('}', from);
    body.replace(from, to - from + 1, R"("pushedBy": "ci@contoso.example")");
    auto push = parse_push_event(body);
    ASSERT_OK(push);
    EXPECT_EQ(push->pushed_by, "ci@contoso.example");
}

TEST(PushEvent, UpperCaseShasAreNormalised) {
    auto push = parse_push_event(replaced(fixture("git.push.json"),
                                          "\"bd5fceb133ef24354237510fc82d3de3efeb7d89\"",
                                          "\"BD5FCEB133EF24354237510FC82D3DE3EFEB7D89\""));
    ASSERT_OK(push);
    EXPECT_EQ(push->ref_updates[0].old_object_id, "bd5fceb133ef24354237510fc82d3de3efeb7d89");
}

TEST(PushEvent, NamesEachMissingRequiredField) {
    const auto body = fixture("git.push.json");
    EXPECT_EQ(error_of(replaced(body, "\"resource\"", "\"resourceX\"")),
              "resource: missing object");
    EXPECT_EQ(error_of(replaced(body, "\"repository\"", "\"repositoryX\"")),
              "resource.repository: missing object");
    EXPECT_EQ(error_of(replaced(body, "\"name\": \"web-api\"", "\"nameX\": \"web-api\"")),
              "resource.repository.name: missing string");
    EXPECT_EQ(error_of(replaced(body, "\"name\": \"Contoso\"", "\"name\": 5")),
              "resource.repository.project.name: not a string");
    EXPECT_EQ(error_of(replaced(body, "\"pushId\": 1187", "\"pushId\": \"abc\"")),
              "resource.pushId: not an integer");
    EXPECT_EQ(error_of(replaced(body, "\"pushId\"", "\"pushIdX\"")),
              "resource.pushId: missing integer");
    EXPECT_EQ(error_of(replaced(body, "\"date\": \"2026-11-19T16:42:30", "\"date\": \"soon")),
              "resource.date: \"soon.1234567Z\" is not an RFC 3339 time");
    EXPECT_EQ(error_of(replaced(body, "\"refUpdates\"", "\"refUpdatesX\"")),
              "resource.refUpdates: missing array");
    EXPECT_EQ(error_of(replaced(body, "\"newObjectId\"", "\"newObjectIdX\"")),
              "resource.refUpdates[0].newObjectId: missing string");
    EXPECT_EQ(error_of(replaced(body, "\"oldObjectId\": \"bd5f", "\"oldObjectId\": \"zz5f")),
              "resource.refUpdates[0].oldObjectId: \"zz5fceb133ef24354237510fc82d3de3efeb7d89\" is "
              "not a 40-hex commit id");
    EXPECT_EQ(error_of(replaced(body, "\"commitId\": \"26c3", "\"commitId\": \"26c")),
              "resource.commits[1].commitId: \"26c2235c2aee2fc54c3bac3fbacc52e941a816d\" is not a "
              "40-hex commit id");
    EXPECT_EQ(error_of(replaced(body, "\"date\": \"2026-11-19T16:40:12Z\"", "\"dateX\": 1")),
              "resource.commits[0].author.date: missing string");
    EXPECT_EQ(error_of(replaced(body, "\"author\"", "\"authorX\"")),
              "resource.commits[0].author: missing object");
}

TEST(PushEvent, RejectsNonObjectsAndNonJson) {
    EXPECT_EQ(error_of("[]"), "body is not a JSON object");
    EXPECT_EQ(error_of("{"), "body is not valid JSON");
    EXPECT_EQ(error_of(R"({"resource":{"refUpdates":[1]}})"),
              "resource.repository: missing object");
}

}  // namespace
}  // namespace shiplog::handlers
