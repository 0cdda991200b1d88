#pragma once
// Private to tracking: pull-request facts. Every delivery (created, updated,
// merged, comment) and every REST answer (shiplog.pull_request) of one pull
// request folds into one record under its natural key (repository + id). The
// fold takes minimums, maximums and unions only, so the record is the same
// whatever order the observations arrived in, and a redelivery changes
// nothing (docs/reference/definitions.md, "lead time breakdown").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/journal.hpp"
#include "tracking/deploy.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

struct PullRequestFact {
    // The newest snapshot's descriptive fields (a completed one outranks any
    // other): (completed, observed_at, title, source, target) at its maximum.
    bool info_completed = false;
    Timestamp info_at{};
    std::string title;
    std::string source_ref;
    std::string target_ref;
    std::string author;                   // createdBy id (the smallest non-empty one seen)
    std::optional<Timestamp> created_at;  // creationDate (minimum)
    bool abandoned = false;
    // From completed snapshots: the smallest (closed, merge sha, target sha, strategy).
    bool completed = false;
    Timestamp closed_at{};
    std::string merge_sha;
    std::string target_sha;
    std::string strategy;
    // Reviewer id -> the earliest update delivery showing their vote non-zero.
    std::map<std::string, Timestamp> votes;
    // Comment author id -> their earliest text comment.
    std::map<std::string, Timestamp> comments;
    // The earliest author date of the pull request's own commits (REST, or
    // dated commits of a completed delivery); unknown when never answered.
    std::optional<Timestamp> first_commit_at;
};

// Stored in this order (records/codec.hpp).
inline auto record_fields(PullRequestFact& f) {
    return std::tie(f.info_completed, f.info_at, f.title, f.source_ref, f.target_ref, f.author,
                    f.created_at, f.abandoned, f.completed, f.closed_at, f.merge_sha, f.target_sha,
                    f.strategy, f.votes, f.comments, f.first_commit_at);
}

// The first review: the earliest vote or text comment by someone other than
// the author within [creation, closed]; nullopt when there is none.
std::optional<Timestamp> first_review(const PullRequestFact& f);

// Folds a pull-request delivery or record into tr_pull_requests and keeps
// tr_pr_merges in step. `changed` receives the merge shas (old and new)
// whose shipping deploys must be re-derived, with the target ref.
struct PullRequestChange {
    std::string repo_key;
    std::string target_ref;
    std::vector<std::string> merge_shas;
};
Result<std::optional<PullRequestChange>> ingest_pull_request_entry(
    lmdb::txn& txn, const Tables& t, const config::Config& config,
    const storage::JournalEntry& entry);

// The completed pull requests into `ref` whose merge commit is `sha`.
Result<std::vector<PullRequestView>> pull_requests_merged_as(lmdb::txn& txn, const Tables& t,
                                                             std::string_view repo_key,
                                                             std::string_view ref,
                                                             std::string_view sha,
                                                             std::vector<std::string>* strategies);

}  // namespace shiplog::tracking::detail
