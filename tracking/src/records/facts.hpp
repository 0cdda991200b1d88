#pragma once
// Private to tracking: the fact records (what the journal said, normalised
// and keyed by natural key) and small LMDB helpers over them.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "records/codec.hpp"
#include "tracking/deploy.hpp"
#include "tracking/tables.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::tracking::detail {

inline constexpr std::string_view k_zero_sha = "0000000000000000000000000000000000000000";

struct PushFact {
    std::uint64_t seq = 0;  // first delivery
    Timestamp date{};
    std::vector<std::string> commit_shas;  // as listed by the payload
    bool comments_truncated = false;
};

struct CommitFact {
    std::string author_name;
    std::string author_email;
    Timestamp authored_at{};
    std::string summary;
    bool comment_truncated = false;
    std::vector<std::int64_t> work_item_refs;
    // Where the commit was first stored: the journal entry and its place in
    // that entry's list. tr_shipped is keyed by it (commit_order) rather
    // than by sha, so a deploy's first-shipped rows land next to the rows of
    // the deploys before it instead of on random leaves.
    std::uint64_t first_seq = 0;
    std::uint64_t first_index = 0;
};

struct BuildFact {
    std::uint64_t seq = 0;
    std::string definition;
    std::string project;
    std::string branch;  // "refs/heads/main"
    std::string sha;
    std::uint8_t result = 0;  // handlers::BuildResult
    Timestamp finish_time{};
};

struct StageFact {
    std::uint64_t seq = 0;
    std::int64_t attempt = 0;  // 0 when the payload had none
    std::string pipeline;
    std::string result;
    Timestamp created_at{};
};

struct ReleaseFact {
    std::uint64_t seq = 0;
    std::string definition;
    std::string environment;
    std::string status;
    std::string project;
    std::int64_t release_id = 0;
    Timestamp created_at{};
    // The artifact the delivery named when it gave no sha itself (a build to
    // look up in the artifact's own project); empty type when none.
    ReleaseArtifactHint artifact;
};

struct WorkItemRev {
    std::uint8_t change = 0;  // handlers::WorkItemChange
    std::string type;
    std::string state;
    std::vector<std::string> tags;
    std::string area_path;
    std::string project;
    std::optional<Timestamp> created_at;
    std::optional<Timestamp> changed_at;
    std::string title;  // System.Title; empty when the delivery had none
};

struct WiLink {
    std::int64_t added_rev = -1;
    std::int64_t removed_rev = -1;
};

enum class SourceKind : std::uint8_t { push = 1, build, stage, release, registration };

// A deploy candidate of one deployment+environment, before derivation.
struct DeploySource {
    SourceKind kind = SourceKind::push;
    std::uint64_t seq = 0;
    std::string sha;  // empty for stage/release: resolved at recompute
    Timestamp deployed_at{};
    DeployStatus status = DeployStatus::succeeded;
    std::int64_t ref_id = 0;  // stage: run id; release: release id
    std::string project;      // for the work-queue payloads
};

// Each record's fields in stored order (encode and decode in codec.hpp).
inline auto record_fields(PushFact& f) {
    return std::tie(f.seq, f.date, f.commit_shas, f.comments_truncated);
}
inline auto record_fields(CommitFact& f) {
    return std::tie(f.author_name, f.author_email, f.authored_at, f.summary, f.comment_truncated,
                    f.work_item_refs, f.first_seq, f.first_index);
}
inline auto record_fields(BuildFact& f) {
    return std::tie(f.seq, f.definition, f.project, f.branch, f.sha, f.result, f.finish_time);
}
inline auto record_fields(StageFact& f) {
    return std::tie(f.seq, f.attempt, f.pipeline, f.result, f.created_at);
}
inline auto record_fields(ReleaseFact& f) {
    return std::tie(f.seq, f.definition, f.environment, f.status, f.project, f.release_id,
                    f.created_at, f.artifact.type, f.artifact.alias, f.artifact.project,
                    f.artifact.version, f.artifact.branch);
}
inline auto record_fields(WorkItemRev& f) {
    return std::tie(f.change, f.type, f.state, f.tags, f.area_path, f.project, f.created_at,
                    f.changed_at, f.title);
}
inline auto record_fields(WiLink& f) {
    return std::tie(f.added_rev, f.removed_rev);
}
inline auto record_fields(DeploySource& f) {
    return std::tie(f.kind, f.seq, f.sha, f.deployed_at, f.status, f.ref_id, f.project);
}

// LMDB helpers; errors become storage::store_error().
Result<std::optional<std::string>> get(lmdb::txn& txn, MDB_dbi dbi, std::string_view key);
Status put(lmdb::txn& txn, MDB_dbi dbi, std::string_view key, std::string_view value);
Status del(lmdb::txn& txn, MDB_dbi dbi, std::string_view key);
// Calls visit(key, value) for every key starting with `prefix`, in order,
// until it returns false.
Status scan_prefix(lmdb::txn& txn, MDB_dbi dbi, std::string_view prefix,
                   const std::function<bool(std::string_view, std::string_view)>& visit);
// The same from the first key >= `start` (which starts with `prefix`).
Status scan_prefix_from(lmdb::txn& txn, MDB_dbi dbi, std::string_view prefix,
                        std::string_view start,
                        const std::function<bool(std::string_view, std::string_view)>& visit);

// Keys.
std::string repo_key(std::string_view project, std::string_view repository);
std::string deploy_prefix(std::string_view deployment, std::string_view environment);
// tr_shipped: deploy_prefix then the commit's order (first_seq, first_index, big-endian).
std::string shipped_key(std::string_view prefix, const CommitFact& commit);
// The tr_shipped key of commit `sha` of `repo` in the series `prefix`;
// nullopt when the commit is not a known fact (then it was never shipped).
Result<std::optional<std::string>> shipped_key_of(lmdb::txn& txn, const Tables& t,
                                                  std::string_view repo, std::string_view prefix,
                                                  std::string_view sha);
std::string deploy_key(std::string_view deployment, std::string_view environment,
                       std::uint64_t seq);
// tr_sources: deploy_prefix then the deploy's position (deploy_index.hpp).
std::string source_key(std::string_view deployment, std::string_view environment,
                       Timestamp deployed_at, std::uint64_t seq);
// tr_wi_created: the project's prefix (lower-cased, then \0), then creation
// time and id, big-endian; work_item_created_key(project, t, 0) with the id
// cut off is where the work items created at or after t begin.
std::string work_item_created_prefix(std::string_view project);
std::string work_item_created_key(std::string_view project, Timestamp created, std::uint64_t id);

}  // namespace shiplog::tracking::detail
