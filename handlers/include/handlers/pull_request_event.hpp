#pragma once
// Pull requests: git.pullrequest.created / .updated / .merged deliveries
// (publisherId "tfs", resource = the pull request), the pull-request comment
// delivery (ms.vss-code.git-pullrequest-comment-event, resource = {comment,
// pullRequest}), and the shiplog.pull_request record the REST backfill and
// the work queue journal (the pull request as GET .../pullRequests answers
// it, with its commits and comment threads). All three read the same
// GitPullRequest shape.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "handlers/git_repository.hpp"

namespace shiplog::handlers {

// A pull request read over REST (backfill, work queue), with its commits and threads.
inline constexpr std::string_view k_pull_request_record_type = "shiplog.pull_request";

struct PullRequestReviewer {
    std::string id;  // identity id
    std::int64_t vote = 0;
    bool is_container = false;  // a group: its members' votes count, not its own
};

struct PullRequestCommit {
    std::string sha;                       // 40 lower-case hex
    std::optional<Timestamp> author_date;  // absent in deliveries (commitId + url only)
};

struct PullRequestComment {
    std::string author_id;  // identity id; empty when absent
    std::optional<Timestamp> published_at;
    std::string comment_type;  // "text", "system", "codeChange", ...; empty when absent
};

struct PullRequestEvent : GitRepositoryRef {
    std::int64_t pull_request_id = 0;
    std::string status;             // "active", "completed", "abandoned"
    std::string title;              // empty when absent
    std::string source_ref;         // "refs/heads/topic"; empty when absent
    std::string target_ref;         // "refs/heads/main"
    std::string merge_status;       // "succeeded", "conflicts", ...; empty when absent
    std::string last_merge_commit;  // 40 lower-case hex; empty when there is none (e.g. conflicts)
    std::string last_merge_target_commit;  // 40 lower-case hex or empty
    std::string created_by;                // identity id; empty when absent
    std::optional<Timestamp> creation_date;
    std::optional<Timestamp> closed_date;
    // completionOptions.mergeStrategy ("noFastForward", "squash", "rebase",
    // "rebaseMerge"); "squash" also for the older completionOptions.squashMerge.
    std::string merge_strategy;
    std::vector<PullRequestReviewer> reviewers;
    std::vector<PullRequestCommit> commits;  // as the delivery lists them (updated only)
};

// Parses a git.pullrequest.* body. Errors name the field, e.g.
// "resource.targetRefName: missing string".
Result<PullRequestEvent> parse_pull_request_event(std::string_view body);

struct PullRequestCommentEvent {
    PullRequestEvent pull_request;
    PullRequestComment comment;
};

// Parses a pull-request comment body (resource.comment, resource.pullRequest).
Result<PullRequestCommentEvent> parse_pull_request_comment_event(std::string_view body);

struct PullRequestRecord {
    PullRequestEvent pull_request;
    // Every page of GET .../pullRequests/{id}/commits; nullopt when the
    // endpoint never answered (the pull request is then left out of coding time).
    std::optional<std::vector<PullRequestCommit>> commits;
    std::vector<PullRequestComment> comments;  // of every thread, deleted ones left out
};

// Parses a shiplog.pull_request record:
// {"pullRequest": {...}, "commits": [GitCommitRef...] | null, "threads": [{"comments": [...]}]}.
Result<PullRequestRecord> parse_pull_request_record(std::string_view body);

}  // namespace shiplog::handlers
