#pragma once
// What a deploy's page shows beside the deploy object: the latest known
// revision of its work items (title, state, incident times) and where the
// deploy came from (push, build, stage run, release, registration), so the
// daemon can link into Azure DevOps. Reads tables the Projector keeps; any
// transaction works.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "tracking/deploy.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking {

// A work item as its newest stored revision describes it.
struct WorkItemInfo {
    std::int64_t id = 0;
    std::string title;  // System.Title; empty when no delivery carried one
    std::string type;
    std::string state;
    std::string project;
    std::optional<Timestamp> created_at;  // System.CreatedDate
    // The last move into an incident_closed_states state, when closed now.
    std::optional<Timestamp> restored_at;
};

// The work items of `ids` that shiplog received a revision of, in the order
// of `ids`; ids it never saw (another project, no service hook) are left out.
Result<std::vector<WorkItemInfo>> work_item_infos(lmdb::txn& txn, const Tables& tables,
                                                  const std::vector<std::int64_t>& ids,
                                                  const config::FailuresConfig& failures);

// What recorded a deploy: "push", "build", "stage", "release" or
// "registration", with the build/run id or release id (0 when none).
struct DeployOrigin {
    std::string kind;
    std::int64_t ref_id = 0;
};

// nullopt when the deploy's source record is gone (the deploy then came
// from an older layout; reindex restores it).
Result<std::optional<DeployOrigin>> deploy_origin(lmdb::txn& txn, const Tables& tables,
                                                  const DeployView& deploy);

}  // namespace shiplog::tracking
