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
    std::int64_t id = 0;
    std::string project;
    std::string area_path;
    std::string state;     // System.State of the latest revision
    Timestamp created_at;  // System.CreatedDate
    // The last move into an incident_closed_states state (System.ChangedDate
    // of that revision), when the incident is closed now; nullopt while open
    // (including reopened).
    std::optional<Timestamp> restored_at;

    friend bool operator==(const IncidentView&, const IncidentView&) = default;
};

// The incidents of `project` (case-insensitive) under `failures`, by id.
// Work items without a System.CreatedDate are left out (they cannot be placed).
Result<std::vector<IncidentView>> list_incidents(lmdb::txn& txn, const Tables& tables,
                                                 std::string_view project,
                                                 const config::FailuresConfig& failures);

}  // namespace shiplog::tracking
