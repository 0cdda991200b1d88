#include "handlers/work_item_refs.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace shiplog::handlers {
namespace {

using Ids = std::vector<std::int64_t>;

TEST(WorkItemRefs, ExtractsHashAndAbMentions) {
    EXPECT_EQ(extract_work_item_ids("Fix login #123"), (Ids{123}));
    EXPECT_EQ(extract_work_item_ids("#7 at the start"), (Ids{7}));
    EXPECT_EQ(extract_work_item_ids("Fixes AB#4812, ab#9"), (Ids{4812, 9}));
    EXPECT_EQ(extract_work_item_ids("(#12) [#13] #14. #15,#16;#17:"),
              (Ids{12, 13, 14, 15, 16, 17}));
    EXPECT_EQ(extract_work_item_ids("line one\n#21\r\n#22\t#23"), (Ids{21, 22, 23}));
}

TEST(WorkItemRefs, IgnoresNonMentions) {
    EXPECT_EQ(extract_work_item_ids("abc#12"), Ids{});
    EXPECT_EQ(extract_work_item_ids("x_#1"), Ids{});
    EXPECT_EQ(extract_work_item_ids("CAB#12"), Ids{});
    EXPECT_EQ(extract_work_item_ids("#"), Ids{});
    EXPECT_EQ(extract_work_item_ids("# 12"), Ids{});
    EXPECT_EQ(extract_work_item_ids("##"), Ids{});
    EXPECT_EQ(extract_work_item_ids("#12abc"), Ids{});
    EXPECT_EQ(extract_work_item_ids("#0"), Ids{});
    EXPECT_EQ(extract_work_item_ids("&#123;"), Ids{});
    EXPECT_EQ(extract_work_item_ids("#99999999999999999999999"), Ids{});
    EXPECT_EQ(extract_work_item_ids("#2147483648"), Ids{});
    EXPECT_EQ(extract_work_item_ids("#2147483647"), (Ids{2147483647}));
    EXPECT_EQ(extract_work_item_ids(""), Ids{});
}

TEST(WorkItemRefs, DeduplicatesInOrderOfFirstMention) {
    EXPECT_EQ(extract_work_item_ids("#5 #3 AB#5 #3 #4"), (Ids{5, 3, 4}));
}

TEST(WorkItemRefs, BoundsTheCount) {
    std::string many;
    for (int i = 1; i <= 1000; ++i) many += "#" + std::to_string(i) + " ";
    auto ids = extract_work_item_ids(many);
    ASSERT_EQ(ids.size(), k_max_work_item_mentions);
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(ids.back(), static_cast<std::int64_t>(k_max_work_item_mentions));
    EXPECT_EQ(extract_work_item_ids("#1 #2 #3", 2), (Ids{1, 2}));
}

TEST(WorkItemRefs, ParsesCommitArtifactUris) {
    auto link = parse_commit_artifact_uri(
        "vstfs:///Git/Commit/"
        "aa6546cf-b860-4947-8a45-6dacaa3675ed%2F93249743-006e-4349-b85a-1e532e6644a4%2F"
        "26C32235C2AEE2FC54C3BAC3FBACC52E941A816D");
    ASSERT_TRUE(link.has_value());
    EXPECT_EQ(link->project, "aa6546cf-b860-4947-8a45-6dacaa3675ed");
    EXPECT_EQ(link->repository, "93249743-006e-4349-b85a-1e532e6644a4");
    EXPECT_EQ(link->sha, "26c32235c2aee2fc54c3bac3fbacc52e941a816d");

    auto lower = parse_commit_artifact_uri(
        "VSTFS:///git/commit/p%2fr%2f26c32235c2aee2fc54c3bac3fbacc52e941a816d");
    ASSERT_TRUE(lower.has_value());
    EXPECT_EQ(lower->project, "p");
    EXPECT_EQ(lower->repository, "r");
}

TEST(WorkItemRefs, RejectsOtherArtifactUris) {
    const std::string sha = "26c32235c2aee2fc54c3bac3fbacc52e941a816d";
    EXPECT_FALSE(parse_commit_artifact_uri("vstfs:///Git/PullRequestId/p%2Fr%2F655"));
    EXPECT_FALSE(parse_commit_artifact_uri("vstfs:///Git/Commit/p%2Fr%2F26c3"));
    EXPECT_FALSE(parse_commit_artifact_uri("vstfs:///Git/Commit/p%2F" + sha));
    EXPECT_FALSE(parse_commit_artifact_uri("vstfs:///Git/Commit/p%2Fr%2Fx%2F" + sha));
    EXPECT_FALSE(parse_commit_artifact_uri("vstfs:///Git/Commit/%2Fr%2F" + sha));
    EXPECT_FALSE(parse_commit_artifact_uri("vstfs:///Git/Commit/p/r/" + sha));
    EXPECT_FALSE(parse_commit_artifact_uri("azure-devops:///Git/Commit/p%2Fr%2F" + sha));
    EXPECT_FALSE(parse_commit_artifact_uri("vstfs:///Git/Commit/"));
    EXPECT_FALSE(parse_commit_artifact_uri(""));
}

}  // namespace
}  // namespace shiplog::handlers
