#pragma once
// Private to tracking: derives one deployment+environment's deploys from the facts.

#include <lmdb++.h>

#include "common/error.hpp"
#include "config/config.hpp"
#include "tracking/incident.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

// Rewrites tr_deploys and the indexes for `deployment` (its
// deployment+environment) from tr_sources and the fact tables, for the deploys
// at or after position `from` (deploy_index.hpp; "" for all, or earlier when a
// rollback crosses it), and enqueues what they wait for. Deterministic: the
// result is the same whatever `from`, as long as nothing before `from`
// changed since the last derivation.
Status recompute_deployment(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                            const config::DeploymentConfig& deployment, std::string_view from = {});

// list_incidents' implementation (recompute uses it too).
Result<std::vector<IncidentView>> incidents_in(lmdb::txn& txn, const Tables& tables,
                                               std::string_view project,
                                               const config::FailuresConfig& failures);

}  // namespace shiplog::tracking::detail
