#pragma once
// git.pullrequest.* (publisherId "tfs", resource = pull request); shiplog
// subscribes to git.pullrequest.merged ("merge commit created"), but the
// created/updated shapes are the same.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "handlers/git_repository.hpp"

namespace shiplog::handlers {

struct PullRequestEvent : GitRepositoryRef {
    std::int64_t pull_request_id = 0;
    std::string status;             // "active", "completed", "abandoned"
    std::string title;              // empty when absent
    std::string source_ref;         // "refs/heads/topic"; empty when absent
    std::string target_ref;         // "refs/heads/main"
    std::string merge_status;       // "succeeded", "conflicts", ...; empty when absent
    std::string last_merge_commit;  // 40 lower-case hex; empty when there is none (e.g. conflicts)
    std::optional<Timestamp> closed_date;
};

// Parses a pull-request body. Errors name the field, e.g.
// "resource.targetRefName: missing string".
Result<PullRequestEvent> parse_pull_request_event(std::string_view body);

}  // namespace shiplog::handlers
