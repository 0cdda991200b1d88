#pragma once
// The answers of the REST work queue, as journal records shiplog makes
// itself (like register_deploy registrations). The work-queue runner in
// `serve` journals one record per executed look-up under a deterministic
// event id (lookup_event_id), so a look-up answered twice is deduplicated
// and `reindex` reproduces the same projections without any network call.
// The Projector applies them (lookup_ingest.cpp): the answer becomes a fact,
// and the queue item it answers is removed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace shiplog::tracking {

// A stage run's build: its sha and branch ({project, run_id, branch, sha}).
inline constexpr std::string_view k_build_lookup_event_type = "shiplog.build_lookup";
// The commits reachable from `to` and not from `from` (from may be empty:
// then just the commit `to`), with their metadata.
inline constexpr std::string_view k_commit_range_event_type = "shiplog.commit_range";
// A classic release's artifact: the build it deployed and that build's sha
// and branch ({project, release_id, build_id, branch, sha}).
inline constexpr std::string_view k_release_lookup_event_type = "shiplog.release_lookup";
// A look-up Azure DevOps answered "does not exist" (404): the item is marked
// failed and not retried ({key, reason}).
inline constexpr std::string_view k_lookup_failed_event_type = "shiplog.lookup_failed";

struct BuildLookupAnswer {
    std::string project;
    std::int64_t run_id = 0;
    std::string branch;  // "refs/heads/main"
    std::string sha;     // 40 hex, lower case
    friend bool operator==(const BuildLookupAnswer&, const BuildLookupAnswer&) = default;
};

struct RangeCommit {
    std::string sha;
    std::string author_name;
    std::string author_email;
    std::string author_date;  // RFC 3339 as Azure DevOps sent it (parsed when applied)
    std::string comment;
    bool comment_truncated = false;
    friend bool operator==(const RangeCommit&, const RangeCommit&) = default;
};

struct CommitRangeAnswer {
    std::string repo;  // repository key, lower-case "project/repo"
    std::string from;  // may be empty
    std::string to;
    std::vector<RangeCommit> commits;
    friend bool operator==(const CommitRangeAnswer&, const CommitRangeAnswer&) = default;
};

struct ReleaseLookupAnswer {
    std::string project;
    std::int64_t release_id = 0;
    std::int64_t build_id = 0;  // 0 when the sha came from the artifact itself
    std::string branch;         // "refs/heads/main"; may be empty
    std::string sha;            // 40 hex, lower case
    friend bool operator==(const ReleaseLookupAnswer&, const ReleaseLookupAnswer&) = default;
};

struct LookupFailure {
    std::string key;     // the work-queue item key
    std::string reason;  // one line, never a secret
    friend bool operator==(const LookupFailure&, const LookupFailure&) = default;
};

std::string make_build_lookup_record(const BuildLookupAnswer& answer);
Result<BuildLookupAnswer> parse_build_lookup_record(std::string_view raw);
std::string make_commit_range_record(const CommitRangeAnswer& answer);
Result<CommitRangeAnswer> parse_commit_range_record(std::string_view raw);
std::string make_release_lookup_record(const ReleaseLookupAnswer& answer);
Result<ReleaseLookupAnswer> parse_release_lookup_record(std::string_view raw);
std::string make_lookup_failed_record(const LookupFailure& failure);
Result<LookupFailure> parse_lookup_failed_record(std::string_view raw);

// The journal event id of the answer (or failure) of the work-queue item
// `key`: "shiplog-lookup:<key>" / "shiplog-lookup-failed:<key>".
std::string lookup_event_id(std::string_view key);
std::string lookup_failed_event_id(std::string_view key);

}  // namespace shiplog::tracking
