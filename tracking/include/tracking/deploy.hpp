#pragma once
// Deploys as the CLI and the API show them (docs/reference/http-api.md), and the queries over
// them. Everything here reads tables that Projector keeps up to date; any
// transaction (read-only is enough) works.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "tracking/tables.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::tracking {

enum class DeployStatus { succeeded, failed };
const char* to_string(DeployStatus status);  // "succeeded", "failed"

// Why a deploy counts as a failed change; the first that applies wins.
enum class Failure { none, failed, rollback, incident };
const char* to_string(Failure failure);  // "none", "failed", "rollback", "incident"

// Why a succeeded deploy is rework (docs/reference/definitions.md); the first that applies.
enum class Rework { none, rollback, incident_fix, hotfix };
const char* to_string(Rework rework);  // "none", "rollback", "incident-fix", "hotfix"

struct CommitView {
    std::string sha;
    std::string author_name;
    std::string author_email;
    std::optional<Timestamp> authored_at;  // unknown until fetched over REST
    std::string summary;                   // first line of the message
    // Where its lead time starts when not at authored_at: a squash commit
    // starts at the earliest author date of its pull request's own commits.
    std::optional<Timestamp> lead_from;
    // Brought to the branch by a pull request this deploy ships (else a direct push).
    bool via_pull_request = false;

    friend bool operator==(const CommitView&, const CommitView&) = default;
};

// A completed pull request whose merge (or squash) commit the deploy ships.
struct PullRequestView {
    std::int64_t id = 0;
    std::string title;
    std::string source_ref;  // "refs/heads/topic"
    std::string merge_sha;   // lastMergeCommit
    Timestamp created_at{};
    std::optional<Timestamp> first_review_at;  // nullopt: no one else voted or commented
    Timestamp merged_at{};                     // closedDate
    std::optional<Timestamp> first_commit_at;  // earliest author date of its own commits

    friend bool operator==(const PullRequestView&, const PullRequestView&) = default;
};

// Batch size: what the deploy carries (a failed deploy: its commit set and
// work items, no pull requests).
struct BatchSize {
    std::int64_t commits = 0;
    std::int64_t pull_requests = 0;
    std::int64_t work_items = 0;

    friend bool operator==(const BatchSize&, const BatchSize&) = default;
};
// "S" (<= 5 commits), "M" (<= 20), "L" (<= 100), "XL".
const char* batch_size_class(std::int64_t commits);

struct DeployView {
    std::string deployment;
    std::string environment;
    std::uint64_t seq = 0;  // journal seq of the event or registration that created it
    std::string sha;        // empty while a REST look-up is pending (stage, release)
    Timestamp deployed_at{};
    config::Trigger trigger = config::Trigger::push;  // what recorded it (manual = register_deploy)
    DeployStatus status = DeployStatus::succeeded;
    Failure failure = Failure::none;
    bool commits_complete = false;
    std::vector<CommitView> commits;             // oldest first (authored_at, then sha)
    std::vector<std::int64_t> work_items;        // ascending, unique
    std::vector<std::string> incidents;          // ids of the incidents blamed on this deploy
    std::vector<std::string> pending;            // work-queue keys this deploy waits for
    std::vector<PullRequestView> pull_requests;  // by merged_at, then id (succeeded deploys)
    BatchSize batch;
    Rework rework = Rework::none;  // succeeded deploys only

    // "<deployment>:<environment>:<seq>"
    std::string id() const;

    friend bool operator==(const DeployView&, const DeployView&) = default;
};

struct DeployFilter {
    std::optional<std::string> deployment;
    std::optional<std::string> environment;
    std::size_t limit = 50;  // 0 = no limit
};

// Deploys matching `filter`, newest first: deployed_at descending, then seq descending.
Result<std::vector<DeployView>> list_deploys(lmdb::txn& txn, const Tables& tables,
                                             const DeployFilter& filter);

// Every deploy of one deployment+environment, oldest first (deployed_at, seq):
// the order DORA metrics walk.
Result<std::vector<DeployView>> deploys_of(lmdb::txn& txn, const Tables& tables,
                                           std::string_view deployment,
                                           std::string_view environment);

// The deploy with this id ("web-api:production:1042"); not_found (naming the
// id) when there is none, invalid_argument when the id is malformed.
Result<DeployView> get_deploy(lmdb::txn& txn, const Tables& tables, std::string_view id);

// The work-queue items `deploy` is still waiting for (for `deploy show`).
Result<std::vector<QueueItem>> pending_for(lmdb::txn& txn, const Tables& tables,
                                           const DeployView& deploy);

// The sha of the latest succeeded deploy (deployed_at, then seq) of
// deployment+environment with a known sha; nullopt when there is none.
// register_deploy's duplicate check.
Result<std::optional<std::string>> latest_succeeded_sha(lmdb::txn& txn, const Tables& tables,
                                                        std::string_view deployment,
                                                        std::string_view environment);

// docs/reference/http-api.md's object, fields in the documented order, no whitespace.
std::string deploy_json(const DeployView& deploy);
// A JSON array of deploy_json objects, in the given order.
std::string deploys_json(const std::vector<DeployView>& deploys);

}  // namespace shiplog::tracking
