#pragma once
// Keeps derived data in step with the deployments config (docs/reference/definitions.md: a
// deployment added or changed by a reload or restart has its derived data
// rebuilt from the journal). A fingerprint of everything projections depend
// on ([[deployment]] and [failures]) is stored with the derived data; when it
// differs from the config in force, everything is rebuilt with reindex.

#include <string>

#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"
#include "tracking/projector.hpp"

namespace shiplog::daemon {

// A stable digest of the settings derived data depends on.
std::string projection_fingerprint(const config::Config& config);

// Rebuilds derived data when the stored fingerprint differs from `config`'s
// (or is missing on a store that has events), then stores the new one.
// Runs its own write transactions: call where no other write is active
// (before the writer starts, or inside JournalWriter::run_exclusive).
// `rebuilt` tells whether a reindex ran.
Status sync_projections(storage::Store& store, const config::Config& config, bool& rebuilt);

// Unconditionally rebuilds and stores the fingerprint (`shiplog reindex`).
Status rebuild_projections(storage::Store& store, const config::Config& config,
                           const tracking::ReindexProgress& progress = {});

}  // namespace shiplog::daemon
