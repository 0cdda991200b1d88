#pragma once
// git.push (publisherId "tfs", resource = push). The push is the source of
// commit history: refUpdates link old -> new tips, commits list what arrived.
// Neither the commit list nor the comments are guaranteed complete (see
// PushEvent::comments_truncated), so tracking reconciles over REST.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "handlers/git_repository.hpp"

namespace shiplog::handlers {

struct RefUpdate {
    std::string name;           // "refs/heads/main", "refs/tags/v1"
    std::string old_object_id;  // 40 lower-case hex; all zeros when the ref was created
    std::string new_object_id;  // 40 lower-case hex; all zeros when the ref was deleted
};

struct PushCommit {
    std::string commit_id;     // 40 lower-case hex
    std::string author_name;   // empty when absent
    std::string author_email;  // empty when absent
    Timestamp author_date;     // when the change was authored: the start of lead time
    std::optional<Timestamp> committer_date;
    std::string comment;             // the commit message as delivered (may be shortened)
    bool comment_truncated = false;  // the payload said "commentTruncated": true
};

struct PushEvent : GitRepositoryRef {
    std::int64_t push_id = 0;  // with repository_id, the natural key of a push
    Timestamp date;            // when the push happened
    std::string pushed_by;     // pushedBy.uniqueName (or the identity string); empty when absent
    std::vector<RefUpdate> ref_updates;
    std::vector<PushCommit> commits;  // may be empty or partial for large pushes
    // True when any commit comment is marked truncated: the full message (and
    // any #123 it holds past the cut) must come from REST.
    bool comments_truncated = false;
};

// Parses a git.push body. Errors (invalid_argument) name the field, e.g.
// "resource.refUpdates[0].newObjectId: missing string".
Result<PushEvent> parse_push_event(std::string_view body);

}  // namespace shiplog::handlers
