#include "handlers/pull_request_event.hpp"

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
    return testing::error_of(parse_pull_request_event(body));
}

TEST(PullRequestEvent, ExtractsEveryField) {
    auto pr = parse_pull_request_event(fixture("git.pullrequest.merged.json"));
    ASSERT_OK(pr);
    EXPECT_EQ(pr->repository_id, "93249743-006e-4349-b85a-1e532e6644a4");
    EXPECT_EQ(pr->repository_name, "web-api");
    EXPECT_EQ(pr->project_id, "aa6546cf-b860-4947-8a45-6dacaa3675ed");
    EXPECT_EQ(pr->project_name, "Contoso");
    EXPECT_EQ(pr->pull_request_id, 655);
    EXPECT_EQ(pr->status, "completed");
    EXPECT_EQ(pr->title, "Invoice rounding fix");
    EXPECT_EQ(pr->source_ref, "refs/heads/fix/invoice-rounding");
    EXPECT_EQ(pr->target_ref, "refs/heads/main");
    EXPECT_EQ(pr->merge_status, "succeeded");
    EXPECT_EQ(pr->last_merge_commit,
              "8382a777b566285b55b229f3bf68b1741a359186");  // sent upper case
    EXPECT_EQ(pr->closed_date, parse_rfc3339("2026-11-19T09:12:03.12Z").value());
}

TEST(PullRequestEvent, MergeCommitIsOptional) {
    auto pr = parse_pull_request_event(
        replaced(fixture("git.pullrequest.merged.json"), "\"lastMergeCommit\"", "\"x\""));
    ASSERT_OK(pr);
    EXPECT_EQ(pr->last_merge_commit, "");
}

TEST(PullRequestEvent, NamesEachMissingRequiredField) {
    const auto body = fixture("git.pullrequest.merged.json");
    EXPECT_EQ(error_of(replaced(body, "\"repository\"", "\"x\"")),
              "resource.repository: missing object");
    EXPECT_EQ(error_of(replaced(body, "\"pullRequestId\"", "\"x\"")),
              "resource.pullRequestId: missing integer");
    EXPECT_EQ(error_of(replaced(body, "\"status\"", "\"x\"")), "resource.status: missing string");
    EXPECT_EQ(error_of(replaced(body, "\"targetRefName\"", "\"x\"")),
              "resource.targetRefName: missing string");
    EXPECT_EQ(error_of(replaced(body, "\"commitId\": \"8382A777", "\"commitId\": \"8382")),
              "resource.lastMergeCommit.commitId: \"8382B566285B55B229F3BF68B1741A359186\" is not "
              "a 40-hex commit id");
}

}  // namespace
}  // namespace shiplog::handlers
