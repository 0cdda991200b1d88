#pragma once
// The read API (/api/v1/...) and register_deploy, as routes of the HTTP
// edge. Private to the daemon: registered by http_server.cpp.

#include <optional>

#include "common/clock.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/hook_status.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {

struct ApiDeps {
    const ConfigHolder& config;
    EventIntake& intake;
    storage::Store& store;
    const tracking::Tables& tables;
    Clock& clock;
    const HookStatusBoard* hooks = nullptr;  // /api/v1/hooks; null: no hook sync worker
};

// Adds GET /api/v1/deploys, /api/v1/deploys/{id}, /api/v1/deploys/{id}/pending,
// /api/v1/deploys/{id}/details, /api/v1/hooks, /api/v1/metrics,
// /api/v1/metrics/trend (worker threads: they read LMDB) and
// POST /api/1/deployments/{}/{deployment}/register_deploy. register_deploy's
// body cap is [server] max_body_bytes as configured now (the setting is
// restart-only). Every route refuses a caller api_refusal() refuses before
// any body byte is read. The handlers are thread-safe; `deps` must outlive
// the router and the server it is given to.
void add_api_routes(http::Router& router, const ApiDeps& deps);

// The API's credential check: with [api] a Bearer / apikey token equal to
// api.token, without it loopback clients only (never a request through a
// trusted proxy). nullopt: allowed; otherwise the 401 to answer, with
// WWW-Authenticate.
std::optional<http::Response> api_refusal(const ConfigHolder& config, const http::Request& req);

}  // namespace shiplog::daemon
