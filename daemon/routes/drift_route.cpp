#include "routes/drift_route.hpp"
#include "storage/store.hpp"

#include <memory>

#include "daemon/request_auth.hpp"
#include "tracking/drift.hpp"

namespace shiplog::daemon {

std::optional<std::string> drift_selection_error(const config::Config& config,
                                                 const std::string& deployment,
                                                 const std::string& from, const std::string& to) {
    std::string environments;
    bool has_from = false, has_to = false;
    for (const auto& d : config.deployments) {
        if (d.name != deployment) continue;
        environments += (environments.empty() ? "" : ", ") + d.environment;
        has_from = has_from || d.environment == from;
        has_to = has_to || d.environment == to;
    }
    if (environments.empty()) return "no [[deployment]] is named \"" + deployment + "\"";
    if (!has_from || !has_to)
        return "deployment \"" + deployment + "\" has no environment \"" + (has_from ? to : from) +
               "\" (configured: " + environments + ")";
    if (from == to) return "--from and --to name the same environment";
    return std::nullopt;
}

void add_drift_route(http::Router& router, const DriftRouteDeps& deps) {
    http::Route r;
    r.method = "GET";
    r.pattern = "/api/v1/drift";
    const ConfigHolder* config = &deps.config;
    r.admit = [config](http::Request& req) -> std::optional<http::Response> {
        if (api_authorized(config->get()->api, req)) return std::nullopt;
        auto res = http::json_error(401, "missing or wrong API token");
        res.set_header("WWW-Authenticate", "Bearer realm=\"shiplog\"");
        return res;
    };
    r.execution = http::Execution::worker;  // reads LMDB
    r.handler = http::sync([deps](const http::Request& req) {
        std::string params[3];
        const char* names[3] = {"deployment", "from", "to"};
        for (int i = 0; i < 3; ++i) {
            auto value = req.query_param(names[i]);
            if (!value || value->empty())
                return http::json_error(400, std::string(names[i]) + ": required");
            params[i] = *value;
        }
        auto snapshot = deps.config.get();
        if (auto error = drift_selection_error(*snapshot, params[0], params[1], params[2]))
            return http::json_error(params[1] == params[2] ? 400 : 404, *error);
        auto answered = storage::read(deps.store, "read", [&](storage::Txn& txn) -> http::Response {
            auto drift = tracking::query_drift(txn, deps.tables, *snapshot, params[0], params[1],
                                               params[2], deps.clock.now());
            if (!drift) return http::json_error(503, drift.error().message);
            return http::json(tracking::drift_json(*drift));
        });
        if (!answered) return http::json_error(503, "store unavailable");
        return std::move(*answered);
    });
    router.add(std::move(r));
}

}  // namespace shiplog::daemon
