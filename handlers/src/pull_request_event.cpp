#include "handlers/pull_request_event.hpp"

#include "json.hpp"

namespace shiplog::handlers {

using namespace detail;

Result<PullRequestEvent> parse_pull_request_event(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto resource, parse_resource(body));
    PullRequestEvent pr;
    SHIPLOG_TRY_ASSIGN(static_cast<GitRepositoryRef&>(pr), required_git_repository(resource));
    SHIPLOG_TRY_ASSIGN(auto id, required_int(resource, "resource", "pullRequestId"));
    pr.pull_request_id = id;
    SHIPLOG_TRY_ASSIGN(auto status, required_name(resource, "resource", "status"));
    pr.status = std::move(status);
    SHIPLOG_TRY_ASSIGN(auto target, required_name(resource, "resource", "targetRefName"));
    pr.target_ref = std::move(target);
    pr.source_ref = optional_string(resource, "sourceRefName").value_or("");
    pr.title = optional_string(resource, "title").value_or("");
    pr.merge_status = optional_string(resource, "mergeStatus").value_or("");
    pr.closed_date = optional_time(resource, "closedDate");
    if (auto commit = optional_object(resource, "lastMergeCommit")) {
        SHIPLOG_TRY_ASSIGN(auto sha, required_sha(*commit, "resource.lastMergeCommit", "commitId"));
        pr.last_merge_commit = std::move(sha);
    }
    return pr;
}

}  // namespace shiplog::handlers
