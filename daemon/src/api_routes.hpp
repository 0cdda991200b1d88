#pragma once
// The read API (/api/v1/deploys...) and register_deploy (SPEC §3). Private to
// daemon/src: installed on the httplib server by http_server.cpp.

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

}  // namespace shiplog::daemon
