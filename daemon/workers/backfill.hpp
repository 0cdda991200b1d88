#pragma once
// One backfill pass (docs/azure-devops.md, docs/azure-devops.md section 5), shared by
// `shiplog backfill` and serve's automatic backfill (backfill_worker.hpp):
// our subscriptions' notification history, then the REST history (pushes of
// tracked branches, completed builds of tracked pipelines, work items changed
// in tracked projects), each event submitted through an EventIntake, so the
// journal's dedup and "durable before acknowledged" apply as for a delivery.
//
// Threading: run_backfill_pass() blocks on REST calls and commits; the
// client is used by this thread only.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azure/client.hpp"
#include "common/clock.hpp"
#include "common/event_kind.hpp"
#include "config/config.hpp"
#include "daemon/event_intake.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {

struct BackfillRequest {
    Timestamp since{};
    std::string deployment;  // only what this deployment tracks; "" for all
};

struct BackfillReport {
    std::size_t stored = 0, duplicate = 0, ignored = 0, failed = 0;
    std::vector<std::string> errors;  // one line per failed call; never a secret
    bool ok() const { return errors.empty() && failed == 0; }
};

struct BackfillLog {
    // "notification 101" / "push 3" / "work item 7 rev 4" was stored.
    std::function<void(const std::string& what)> stored;
    std::function<void(const std::string& line)> error;  // a failed call or commit
    std::function<bool()> cancelled;  // true: stop before the next call (serve is stopping)
    // Events submitted so far (stored, known, ignored or failed), after each.
    std::function<void(std::size_t submitted)> progress;
};

BackfillReport run_backfill_pass(azure::AzureDevOpsClient& client, const config::Config& config,
                                 EventIntake& intake, const BackfillRequest& request,
                                 const BackfillLog& log);

// The shiplog.pull_request record of pull request `id` (its GitPullRequest
// JSON as listed): {"pullRequest", "commits" (null when the commits
// endpoint answers 404), "threads"}.
Result<std::string> pull_request_record(azure::AzureDevOpsClient& client,
                                        const std::string& project, const std::string& repository,
                                        const std::string& pull_request_json, std::int64_t id);

// The service-hook envelope around a resource answered over REST, as a
// delivery of `kind` would carry it: publisher from the kind's row; the
// resource version is the kind's unless the REST answer's shape differs.
std::string rest_envelope(const std::string& id, EventKind kind, const std::string& resource,
                          std::string_view resource_version = {});

// When the newest webhook delivery at or before journal seq `up_to` (0: the
// last one) was received, minus an hour of overlap (duplicates are free);
// nullopt when the journal holds no delivery.
std::optional<Timestamp> last_delivery(storage::Store& store, std::uint64_t up_to = 0);

// The journal's last seq (0 when empty).
std::uint64_t journal_last_seq(storage::Store& store);

// The work-item event backfill journals for a work item as
// GET wit/workitems returns it: workitem.created for rev 1, else a
// workitem.updated whose revision is the work item, under the id
// "shiplog-backfill:workitem:<id>:<rev>". Facts are keyed (id, rev, kind)
// in tracking/, so the same revision delivered live counts once.
std::string work_item_event(const azure::WorkItemJson& item);

}  // namespace shiplog::daemon
