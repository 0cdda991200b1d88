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

struct CommitView {
    std::string sha;
    std::string author_name;
    std::string author_email;
    std::optional<Timestamp> authored_at;  // unknown until fetched over REST
    std::string summary;                   // first line of the message

    friend bool operator==(const CommitView&, const CommitView&) = default;
};

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
    std::vector<CommitView> commits;       // oldest first (authored_at, then sha)
    std::vector<std::int64_t> work_items;  // ascending, unique
    std::vector<std::string> incidents;    // ids of the incidents blamed on this deploy
    std::vector<std::string> pending;      // work-queue keys this deploy waits for

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
