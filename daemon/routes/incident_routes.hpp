#pragma once
// Incidents from outside Azure Boards, as routes of the HTTP edge:
// register_impact (Sleuth-compatible, api token) and Azure Monitor alerts
// (common alert schema, the webhook's Basic credentials), plus the read
// route GET /api/v1/incidents. Private to daemon/src.

#include "common/clock.hpp"
#include "http/router.hpp"
#include "routes/api_routes.hpp"

namespace shiplog::daemon {

// POST /api/1/deployments/{org}/{deployment}/{env}/{source}/register_impact[/{api_key}],
// POST /hooks/azure-monitor/{source}, GET /api/v1/incidents. Credentials are
// checked before any body byte is read (401 before any 404). `deps` must
// outlive the router.
void add_incident_routes(http::Router& router, const ApiDeps& deps);

}  // namespace shiplog::daemon
