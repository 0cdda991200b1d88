#pragma once
// GET /api/v1/drift?deployment=&from=&to= on the HTTP edge. Private to daemon/src.

#include "common/clock.hpp"
#include "daemon/config_holder.hpp"
#include "http/router.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {

struct DriftRouteDeps {
    const ConfigHolder& config;
    storage::Store& store;
    const tracking::Tables& tables;
    Clock& clock;
};

// The same JSON as `shiplog drift --json`; 400 without the three
// parameters, 404 when the deployment has no such environment. `deps` must
// outlive the router.
void add_drift_route(http::Router& router, const DriftRouteDeps& deps);

// Why `deployment` with environments `from` and `to` cannot be asked about
// (one line naming what is not configured); nullopt when both are configured.
std::optional<std::string> drift_selection_error(const config::Config& config,
                                                 const std::string& deployment,
                                                 const std::string& from, const std::string& to);

}  // namespace shiplog::daemon
