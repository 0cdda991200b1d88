#pragma once
// Private to tracking: derives one deployment+environment's deploys from the facts.

#include <lmdb++.h>

#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"
#include "tracking/incident.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

// Rewrites tr_deploys and the indexes for `deployment` (its
// deployment+environment) from tr_sources and the fact tables, for the deploys
// at or after position `from` (deploy_index.hpp; "" for all, or earlier when a
// rollback crosses it), and enqueues what they wait for. Deterministic: the
// result is the same whatever `from`, as long as nothing before `from`
// changed since the last derivation.
//
// `until` (a position, "" for none) derives only the candidates before it, as
// if the series ended there; nothing at or after it may be derived yet. A
// later call from `until` then continues exactly as the arrival of those
// deploys would: that is how reindex derives a long series in chunks of
// bounded memory and transaction size (derive_in_chunks).
Status recompute_deployment(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                            const config::DeploymentConfig& deployment, std::string_view from = {},
                            std::string_view until = {});

// Derives a series from scratch, `chunk` deploy candidates per write
// transaction (committed each time), oldest first. For reindex: the series'
// derived rows must be empty. Returns the number of candidates.
Result<std::uint64_t> derive_in_chunks(storage::Store& store, const Tables& tables,
                                       const config::Config& config,
                                       const config::DeploymentConfig& deployment,
                                       std::size_t chunk);

// Whether a work item's area path is `root` or under it (case-insensitive);
// an empty root takes every area.
bool area_is_under(std::string_view area, std::string_view root);

// list_incidents' implementation (recompute uses it too). With
// `created_since`, only the incidents created at or after it, read through
// tr_wi_created: what a derivation that starts late in a series needs, at a
// cost that does not grow with the project's past incidents.
Result<std::vector<IncidentView>> incidents_in(lmdb::txn& txn, const Tables& tables,
                                               std::string_view project,
                                               const config::FailuresConfig& failures,
                                               std::optional<Timestamp> created_since = {});

// Work item `id` as an incident of `project`, from its revisions; nullopt
// when it is not one (any more), or has no creation time.
Result<std::optional<IncidentView>> boards_incident(lmdb::txn& txn, const Tables& tables,
                                                    std::uint64_t id, std::string_view project,
                                                    const config::FailuresConfig& failures);

}  // namespace shiplog::tracking::detail
