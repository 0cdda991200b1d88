#include "handlers/pull_request_event.hpp"

#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

using namespace detail;

namespace {

// An identity's id: {"id": "..."}; empty when absent.
std::string identity_id(const dom::object& obj, std::string_view key) {
    auto identity = optional_object(obj, key);
    if (!identity) return {};
    return optional_string(*identity, "id").value_or("");
}

std::string optional_commit(const dom::object& obj, std::string_view key) {
    auto commit = optional_object(obj, key);
    if (!commit) return {};
    auto id = optional_string_view(*commit, "commitId");
    if (!id) return {};
    return normalize_sha(*id).value_or("");
}

// GitCommitRefs with a valid commitId (others are skipped, not refused).
std::vector<PullRequestCommit> commit_list(const dom::array& commits) {
    std::vector<PullRequestCommit> list;
    for (auto element : commits) {
        dom::object commit;
        if (element.get(commit) != simdjson::SUCCESS) continue;
        auto sha = optional_string_view(commit, "commitId");
        if (!sha) continue;
        auto normalized = normalize_sha(*sha);
        if (!normalized) continue;
        PullRequestCommit c;
        c.sha = std::move(*normalized);
        if (auto author = optional_object(commit, "author"))
            c.author_date = optional_time(*author, "date");
        list.push_back(std::move(c));
    }
    return list;
}

// The GitPullRequest object shared by deliveries and REST answers, at `path`.
Result<PullRequestEvent> parse_pull_request_object(const dom::object& resource,
                                                   std::string_view path) {
    PullRequestEvent pr;
    SHIPLOG_TRY_ASSIGN(static_cast<GitRepositoryRef&>(pr), required_git_repository(resource, path));
    SHIPLOG_TRY_ASSIGN(auto id, required_int(resource, path, "pullRequestId"));
    pr.pull_request_id = id;
    SHIPLOG_TRY_ASSIGN(auto status, required_name(resource, path, "status"));
    pr.status = std::move(status);
    SHIPLOG_TRY_ASSIGN(auto target, required_name(resource, path, "targetRefName"));
    pr.target_ref = std::move(target);
    pr.source_ref = optional_string(resource, "sourceRefName").value_or("");
    pr.title = optional_string(resource, "title").value_or("");
    pr.merge_status = optional_string(resource, "mergeStatus").value_or("");
    pr.creation_date = optional_time(resource, "creationDate");
    pr.closed_date = optional_time(resource, "closedDate");
    pr.created_by = identity_id(resource, "createdBy");
    if (auto commit = optional_object(resource, "lastMergeCommit")) {
        SHIPLOG_TRY_ASSIGN(auto sha,
                           required_sha(*commit, join(path, "lastMergeCommit"), "commitId"));
        pr.last_merge_commit = std::move(sha);
    }
    pr.last_merge_target_commit = optional_commit(resource, "lastMergeTargetCommit");
    if (auto options = optional_object(resource, "completionOptions")) {
        pr.merge_strategy = optional_string(*options, "mergeStrategy").value_or("");
        if (pr.merge_strategy.empty() && optional_bool(*options, "squashMerge").value_or(false))
            pr.merge_strategy = "squash";
    }
    if (auto reviewers = optional_array(resource, "reviewers")) {
        for (auto element : *reviewers) {
            dom::object reviewer;
            if (element.get(reviewer) != simdjson::SUCCESS) continue;
            PullRequestReviewer r;
            r.id = optional_string(reviewer, "id").value_or("");
            r.vote = optional_int(reviewer, "vote").value_or(0);
            r.is_container = optional_bool(reviewer, "isContainer").value_or(false);
            if (!r.id.empty()) pr.reviewers.push_back(std::move(r));
        }
    }
    if (auto commits = optional_array(resource, "commits")) pr.commits = commit_list(*commits);
    return pr;
}

PullRequestComment parse_comment(const dom::object& comment) {
    PullRequestComment c;
    c.author_id = identity_id(comment, "author");
    c.published_at = optional_time(comment, "publishedDate");
    c.comment_type = optional_string(comment, "commentType").value_or("");
    return c;
}

}  // namespace

Result<PullRequestEvent> detail::read_pull_request_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
    return parse_pull_request_object(resource, "resource");
}

Result<PullRequestCommentEvent> detail::read_pull_request_comment_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
    SHIPLOG_TRY_ASSIGN(auto pr_object, required_object(resource, "resource", "pullRequest"));
    SHIPLOG_TRY_ASSIGN(auto comment, required_object(resource, "resource", "comment"));
    PullRequestCommentEvent event;
    SHIPLOG_TRY_ASSIGN(auto pr, parse_pull_request_object(pr_object, "resource.pullRequest"));
    event.pull_request = std::move(pr);
    event.comment = parse_comment(comment);
    return event;
}

Result<PullRequestRecord> parse_pull_request_record(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto document, Document::parse(body));
    SHIPLOG_TRY_ASSIGN(auto root, document.root());
    SHIPLOG_TRY_ASSIGN(auto pr_object, required_object(root, "", "pullRequest"));
    PullRequestRecord record;
    SHIPLOG_TRY_ASSIGN(auto pr, parse_pull_request_object(pr_object, "pullRequest"));
    record.pull_request = std::move(pr);
    if (auto commits = optional_array(root, "commits")) record.commits = commit_list(*commits);
    if (auto threads = optional_array(root, "threads")) {
        for (auto element : *threads) {
            dom::object thread;
            if (element.get(thread) != simdjson::SUCCESS) continue;
            if (optional_bool(thread, "isDeleted").value_or(false)) continue;
            auto comments = optional_array(thread, "comments");
            if (!comments) continue;
            for (auto c : *comments) {
                dom::object comment;
                if (c.get(comment) != simdjson::SUCCESS) continue;
                if (optional_bool(comment, "isDeleted").value_or(false)) continue;
                record.comments.push_back(parse_comment(comment));
            }
        }
    }
    return record;
}

}  // namespace shiplog::handlers
