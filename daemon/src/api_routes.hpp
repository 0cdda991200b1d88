#pragma once
// The read API (/api/v1/deploys...) and register_deploy (SPEC §3). Private to
// daemon/src: installed on the httplib server by http_server.cpp.

#include <string>

#include <httplib.h>

#include "common/clock.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/hook_status.hpp"
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

// Thread-safe handlers; `deps` must outlive the server.
void install_api_routes(httplib::Server& server, const ApiDeps& deps);

// The API's credential check (Bearer / apikey token with [api], else
// loopback only), shared by the routes and the `Expect: 100-continue`
// answer. On refusal fills `res` with the 401 and returns false.
bool api_caller_allowed(const ConfigHolder& config, const httplib::Request& req,
                        httplib::Response& res);

// True when `path` is a POST .../register_deploy target (the API's only
// route with a request body).
bool is_register_deploy_path(const std::string& path);

}  // namespace shiplog::daemon
