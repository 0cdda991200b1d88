#pragma once
// The read routes the dashboard added to /api/v1 (docs/reference/http-api.md):
// the deploy list with filters and cursor paging, the figures per week or
// month (trend), and a deploy's details (work-item titles, blamed incidents,
// links into Azure DevOps). Private to the daemon; registered by
// api_routes.cpp, run on edge workers (they read LMDB).

#include "http/message.hpp"
#include "routes/api_routes.hpp"

namespace shiplog::daemon::api {

// GET /api/v1/deploys
http::Response deploy_list(const http::Request& req, const ApiDeps& deps);
// GET /api/v1/metrics/trend
http::Response metrics_trend(const http::Request& req, const ApiDeps& deps);
// GET /api/v1/deploys/{id}/details
http::Response deploy_details(const http::Request& req, const ApiDeps& deps);

}  // namespace shiplog::daemon::api
