#pragma once
// Private to tracking: derives one deployment+environment's deploys from the facts.

#include <lmdb++.h>

#include "common/error.hpp"
#include "config/config.hpp"
#include "tracking/incident.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

// Rewrites tr_deploys for `deployment` (its deployment+environment) from
// tr_sources and the fact tables, and enqueues what its deploys wait for.
// Deterministic: depends only on the tables' contents and the config.
Status recompute_deployment(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                            const config::DeploymentConfig& deployment);

// list_incidents' implementation (recompute uses it too).
Result<std::vector<IncidentView>> incidents_in(lmdb::txn& txn, const Tables& tables,
                                               std::string_view project,
                                               const config::FailuresConfig& failures);

}  // namespace shiplog::tracking::detail
