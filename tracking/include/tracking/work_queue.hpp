#pragma once
// The persistent work queue: things only Azure DevOps' REST API can answer
// (a stage run's sha, a release's artifact, the commits between two shas).
// Recompute enqueues what a deploy is waiting for; the REST worker (a later
// layer) lists, executes, journals the answer, and completes the item.
// Items are idempotent by key, so recomputing enqueues nothing twice.
//
// Functions take the transaction first; a write transaction for enqueue and
// complete. LMDB failures come back as storage::store_error().

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking {

// Kinds of work, as stored.
inline constexpr const char* k_queue_build_lookup = "build_lookup";  // {project, run_id}
inline constexpr const char* k_queue_release_artifact_lookup =
    "release_artifact_lookup";                                             // {project, release_id}
inline constexpr const char* k_queue_commits_between = "commits_between";  // {repo, from, to}

struct QueueItem {
    std::string key;      // unique: kind + ":" + the payload's identifying fields
    std::string kind;     // one of the k_queue_* names
    std::string payload;  // a JSON object with the kind's fields
    std::uint32_t attempts = 0;
    Timestamp created_at{};  // the deployed_at of the deploy that first needed it
                             // (derived data carries no wall-clock time, so that
                             // reindex reproduces it)
    std::string failed;      // why Azure DevOps cannot answer (404); empty while
                             // pending. A failed item is shown, not retried.

    friend bool operator==(const QueueItem&, const QueueItem&) = default;
};

// The queue items below, keyed so that one item serves every deploy needing it.
QueueItem make_build_lookup(std::string_view project, std::int64_t run_id, Timestamp at);
QueueItem make_release_artifact_lookup(std::string_view project, std::int64_t release_id,
                                       Timestamp at);
// `repo` is the repository key (lower-case "project/repo"); `from` may be
// empty (a first deploy whose commit is unknown).
QueueItem make_commits_between(std::string_view repo, std::string_view from, std::string_view to,
                               Timestamp at);

// Adds `item` unless an item with its key exists (then nothing changes).
Status enqueue(lmdb::txn& txn, const Tables& tables, const QueueItem& item);

// Every item, in key order.
Result<std::vector<QueueItem>> list_pending(lmdb::txn& txn, const Tables& tables);

// The item with this key, if queued.
Result<std::optional<QueueItem>> find_queue_item(lmdb::txn& txn, const Tables& tables,
                                                 std::string_view key);

// Counts a failed attempt (for back-off); not_found when absent.
Status record_attempt(lmdb::txn& txn, const Tables& tables, std::string_view key);

// Removes the item (and its failure mark); removing an absent key is not an error.
Status complete(lmdb::txn& txn, const Tables& tables, std::string_view key);

// Marks the item `key` as failed for good (a journaled lookup_failed record).
// The mark is kept beside the item, not in it, so it holds whether the item
// is enqueued before or after (reindex recomputes at the end).
Status mark_failed(lmdb::txn& txn, const Tables& tables, std::string_view key,
                   std::string_view reason);

// For a first deploy's commits_between item (empty `from`): the id of the
// journaled push that made `sha` the tip of `ref` ("refs/heads/main") in
// `repo` (lower-case "project/repo") and lists `sha` among its commits, i.e.
// the push whose commits the first deploy ships (docs/reference/definitions.md); nullopt when no
// such push was journaled.
Result<std::optional<std::int64_t>> push_of_tip(lmdb::txn& txn, const Tables& tables,
                                                std::string_view repo, std::string_view ref,
                                                std::string_view sha);

// The payload fields of each kind; invalid_argument for another kind or a
// payload that does not parse.
struct BuildLookup {
    std::string project;
    std::int64_t run_id = 0;
};
struct ReleaseArtifactLookup {
    std::string project;
    std::int64_t release_id = 0;
};
struct CommitsBetween {
    std::string repo;  // lower-case "project/repo"
    std::string from;  // may be empty
    std::string to;
};
Result<BuildLookup> parse_build_lookup(const QueueItem& item);

// What a release delivery said about the artifact it deployed, when that
// was not a commit itself: the build (version) to look up, in the
// artifact's own project, which need not be the deployment's.
struct ReleaseArtifactHint {
    std::string type;     // "Build", ...
    std::string alias;    // for messages
    std::string project;  // definitionReference.project (name, else id)
    std::string version;  // definitionReference.version.id; not always numeric
    std::string branch;   // "refs/heads/main"; may be empty
    friend bool operator==(const ReleaseArtifactHint&, const ReleaseArtifactHint&) = default;
};
// The hint journaled with a deployment-completed delivery of `release_id`
// (any environment); nullopt when no delivery named an artifact.
Result<std::optional<ReleaseArtifactHint>> release_artifact_hint(lmdb::txn& txn,
                                                                 const Tables& tables,
                                                                 std::int64_t release_id);
Result<ReleaseArtifactLookup> parse_release_artifact_lookup(const QueueItem& item);
Result<CommitsBetween> parse_commits_between(const QueueItem& item);

}  // namespace shiplog::tracking
