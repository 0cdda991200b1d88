#pragma once
// Incidents as docs/reference/definitions.md defines them, for DORA's time to restore: work items
// of an incident type carrying an incident tag, judged on their latest
// revision (create and every update count; a deleted one stops counting, a
// restored or reopened one counts again).

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

namespace shiplog::tracking {

struct IncidentView {
    // "boards:<work item id>", "api:<source>:<external id>" or
    // "monitor:<source>:<alert id>"
    std::string id;
    std::string source;  // "boards" or the [[incident_source]] name
    std::string title;   // external sources only (work item titles are not kept)
    std::string url;     // as the source sent it (external sources only)
    std::string project;
    std::string area_path;
    std::string state;     // System.State of the latest revision; "open"/"resolved" for others
    Timestamp created_at;  // System.CreatedDate; the first triggered / Fired for others
    // The last move into an incident_closed_states state (System.ChangedDate
    // of that revision), when the incident is closed now; nullopt while open
    // (including reopened).
    std::optional<Timestamp> restored_at;

    friend bool operator==(const IncidentView&, const IncidentView&) = default;
};

// The incidents of `project` (case-insensitive) under `failures`, by id.
// Work items without a System.CreatedDate are left out (they cannot be placed).
// With `created_since`, only those created at or after it (read through an
// index by creation time, not by reading every incident).
Result<std::vector<IncidentView>> list_incidents(lmdb::txn& txn, const Tables& tables,
                                                 std::string_view project,
                                                 const config::FailuresConfig& failures,
                                                 std::optional<Timestamp> created_since = {});

// The incidents of one [[incident_source]] (register_impact or Azure
// Monitor), by id; only those that were ever triggered / fired.
Result<std::vector<IncidentView>> list_source_incidents(lmdb::txn& txn, const Tables& tables,
                                                        const config::IncidentSourceConfig& source);

// True when the incident with this id ("api:<source>:<id>") was ever
// triggered: register_impact answers "ignored" to resolving an unknown one.
Result<bool> incident_triggered(lmdb::txn& txn, const Tables& tables, std::string_view id);

// Every incident any configured source knows of: Azure Boards incidents of
// the configured deployments' projects and each [[incident_source]]'s.
Result<std::vector<IncidentView>> list_all_incidents(lmdb::txn& txn, const Tables& tables,
                                                     const config::Config& config);

// `shiplog incidents` and GET /api/v1/incidents: incidents opened or
// restored in [since, until); with deployment and/or environment, only those
// blaming a deploy there.
struct IncidentQuery {
    Timestamp since{};
    Timestamp until{};
    std::optional<std::string> deployment;
    std::optional<std::string> environment;
};

struct IncidentListing {
    IncidentView incident;
    std::vector<std::string> blamed_deploys;  // deploy ids, in configuration then deploy order
};

// Newest first (opened_at descending, then id).
Result<std::vector<IncidentListing>> query_incidents(lmdb::txn& txn, const Tables& tables,
                                                     const config::Config& config,
                                                     const IncidentQuery& query);

// [{"id","source","title","url","opened_at","restored_at","blamed_deploys"}];
// title and url are null when unknown, restored_at while open.
std::string incidents_json(const std::vector<IncidentListing>& incidents);

}  // namespace shiplog::tracking
