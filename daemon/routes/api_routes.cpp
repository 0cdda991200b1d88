#include "routes/api_routes.hpp"

#include <openssl/rand.h>

#include <charconv>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/ascii.hpp"
#include "common/json.hpp"
#include "common/time_format.hpp"
#include "daemon/request_auth.hpp"
#include "handlers/register_deploy_request.hpp"
#include "routes/api/dashboard_api.hpp"
#include "routes/api/query_params.hpp"
#include "routes/hooks_api.hpp"
#include "routes/http_util.hpp"
#include "tracking/deploy.hpp"
#include "tracking/dora.hpp"
#include "tracking/register_deploy.hpp"

namespace shiplog::daemon {
namespace {

using http::json_error;

// The edge answers 503 itself when the journal has not made a registration
// durable by then (the client retries, as it did on our own 503 before).
constexpr auto k_register_commit_timeout = std::chrono::milliseconds{8000};

// A fresh event id for a registration (registrations have no Azure DevOps id).
std::string new_registration_id() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string id = "register_deploy:";
    for (unsigned char b : bytes) {
        id += k_hex[b >> 4];
        id += k_hex[b & 15];
    }
    return id;
}

using api::decode_segment;
using api::nonempty_param;
using api::status_for;

class ApiRoutes {
  public:
    explicit ApiRoutes(const ApiDeps& deps) : m_deps(deps) {}

    http::Response list(const http::Request& req) const { return api::deploy_list(req, m_deps); }
    http::Response trend(const http::Request& req) const { return api::metrics_trend(req, m_deps); }
    http::Response details(const http::Request& req) const {
        return api::deploy_details(req, m_deps);
    }

    http::Response show(const http::Request& req) const {
        auto response =
            storage::read(m_deps.store, "read", [&](storage::Txn& txn) -> http::Response {
                auto deploy =
                    tracking::get_deploy(txn, m_deps.tables, decode_segment(req.params.at(0)));
                if (!deploy) return json_error(status_for(deploy.error()), deploy.error().message);
                return http::json(tracking::deploy_json(*deploy));
            });
        return response ? std::move(*response) : json_error(503, "store unavailable");
    }

    // GET /api/v1/deploys/{id}/pending (an addition for the dashboard): the
    // REST look-ups the deploy still waits for, as `deploy show` lists them.
    http::Response pending(const http::Request& req) const {
        auto response =
            storage::read(m_deps.store, "read", [&](storage::Txn& txn) -> http::Response {
                auto deploy =
                    tracking::get_deploy(txn, m_deps.tables, decode_segment(req.params.at(0)));
                if (!deploy) return json_error(status_for(deploy.error()), deploy.error().message);
                auto items = tracking::pending_for(txn, m_deps.tables, *deploy);
                if (!items) return json_error(status_for(items.error()), items.error().message);
                json::Writer w;
                w.begin_array();
                for (const auto& item : *items) {
                    w.begin_object().field("key", item.key).field("kind", item.kind);
                    w.field("attempts", item.attempts);
                    w.field("created_at", format_rfc3339(item.created_at)).key("failed");
                    if (item.failed.empty())
                        w.null();
                    else
                        w.value(item.failed);
                    w.end_object();
                }
                return http::json(w.end_array().take());
            });
        return response ? std::move(*response) : json_error(503, "store unavailable");
    }

    // GET /api/v1/hooks (an addition for the dashboard): hook sync state and
    // the last push received per configured repository.
    http::Response hooks(const http::Request&) const {
        auto config = m_deps.config.get();
        std::optional<HookStatusBoard::State> state;
        if (m_deps.hooks) state = m_deps.hooks->get();
        auto response =
            storage::read(m_deps.store, "read", [&](storage::Txn& txn) -> http::Response {
                std::optional<std::vector<NotifyTargetCounts>> notify;
                if (m_deps.outbox) {
                    auto counts = notify_counts(*config, txn, *m_deps.outbox);
                    if (!counts) return json_error(503, "store unavailable");
                    notify = std::move(*counts);
                }
                auto body =
                    hooks_json(state, *config, txn, m_deps.store, notify ? &*notify : nullptr);
                if (!body) return json_error(503, "store unavailable");
                return http::json(std::move(*body));
            });
        return response ? std::move(*response) : json_error(503, "store unavailable");
    }

    // GET /api/v1/metrics: the same JSON as `shiplog metrics --json`.
    http::Response metrics(const http::Request& req) const {
        auto query = tracking::default_window(m_deps.clock.now());
        if (auto until = nonempty_param(req, "until")) {
            auto parsed = parse_cli_time(*until);
            if (!parsed) return json_error(400, "until: " + parsed.error().message);
            query.until = *parsed;
            query.since = *parsed - std::chrono::days{30};
        }
        if (auto since = nonempty_param(req, "since")) {
            auto parsed = parse_cli_time(*since);
            if (!parsed) return json_error(400, "since: " + parsed.error().message);
            query.since = *parsed;
        }
        query.deployment = nonempty_param(req, "deployment");
        query.environment = nonempty_param(req, "environment");
        auto config = m_deps.config.get();
        auto response =
            storage::read(m_deps.store, "read", [&](storage::Txn& txn) -> http::Response {
                auto explain_param = req.query_param("explain");
                const bool explain =
                    explain_param && *explain_param != "false" && *explain_param != "0";
                query.explain = explain;  // without it only index rows are read
                auto figures = tracking::query_dora(txn, m_deps.tables, *config, query);
                if (!figures)
                    return json_error(status_for(figures.error()), figures.error().message);
                return http::json(explain ? tracking::dora_json_with_explain(*figures)
                                          : tracking::dora_json(*figures));
            });
        return response ? std::move(*response) : json_error(503, "store unavailable");
    }

    // Credentials and Content-Type are checked by the route's admit, before
    // the edge reads the body (capped at max_body_bytes). Runs on a worker
    // (the duplicate check reads LMDB) and does not wait for the commit: the
    // journal's callback answers.
    void register_deploy(const http::Request& req, http::Respond respond) const {
        auto config = m_deps.config.get();
        auto parsed = handlers::parse_register_deploy_request(req.body);
        if (!parsed) return respond(json_error(400, parsed.error().message));
        std::string deployment = decode_segment(req.params.at(1));
        auto environment = tracking::default_environment(
            *config, deployment,
            parsed->environment ? std::optional<std::string_view>(*parsed->environment)
                                : std::nullopt);
        if (!environment)
            return respond(
                json_error(status_for(environment.error()), environment.error().message));

        if (!parsed->failed) {
            // Best-effort check against the committed state; two identical
            // registrations racing each other both pass it (and the second is
            // then a redeploy of the latest sha, which is not a rollback).
            auto latest = storage::read(m_deps.store, "read", [&](storage::Txn& txn) {
                return tracking::latest_succeeded_sha(txn, m_deps.tables, deployment, *environment);
            });
            if (!latest) return respond(json_error(503, "store unavailable"));
            if (*latest && **latest == parsed->sha) {
                if (parsed->ignore_if_duplicate)
                    return respond(http::json(R"({"status":"duplicate"})"));
                return respond(json_error(
                    400, "sha " + parsed->sha + " is already the latest deploy of " + deployment +
                             " to " + *environment + " (send ignore_if_duplicate to accept this)"));
            }
        }

        tracking::RegisterDeploy record;
        record.deployment = deployment;
        record.environment = *environment;
        record.sha = parsed->sha;
        record.date = parsed->date.value_or(m_deps.clock.now());
        record.status =
            parsed->failed ? tracking::DeployStatus::failed : tracking::DeployStatus::succeeded;
        record.tags = parsed->tags;
        record.email = parsed->email;
        std::string id_prefix = deployment + ":" + *environment + ":";
        m_deps.intake.submit_record_async(
            new_registration_id(), tracking::k_register_deploy_event_type,
            tracking::make_register_deploy_record(record), storage::EventSource::register_deploy,
            [respond = std::move(respond),
             id_prefix = std::move(id_prefix)](Result<IntakeResult> stored) {
                if (!stored) {
                    spdlog::warn("register_deploy: not stored: {}", stored.error().message);
                    auto res = json_error(503, "registration not stored; retry later");
                    res.log_outcome = "unavailable";
                    return respond(std::move(res));
                }
                std::string id = id_prefix + std::to_string(stored->seq);
                auto res = http::json(json::Writer()
                                          .begin_object()
                                          .field("status", "stored")
                                          .field("id", id)
                                          .end_object()
                                          .take());
                res.log_event_id = stored->event_id;
                res.log_outcome = "stored";
                respond(std::move(res));
            });
    }

  private:
    ApiDeps m_deps;
};

}  // namespace

std::optional<http::Response> api_refusal(const ConfigHolder& config, const http::Request& req) {
    auto snapshot = config.get();
    if (api_authorized(snapshot->api, req)) return std::nullopt;
    auto res = json_error(401, "missing or wrong API token");
    res.set_header("WWW-Authenticate", "Bearer realm=\"shiplog\"");
    return res;
}

void add_api_routes(http::Router& router, const ApiDeps& deps) {
    auto routes = std::make_shared<ApiRoutes>(deps);
    const ConfigHolder* config = &deps.config;
    auto admit = [config](const http::Request& req) { return api_refusal(*config, req); };
    auto get = [&](std::string pattern, auto member) {
        http::Route route;
        route.method = "GET";
        route.pattern = std::move(pattern);
        route.admit = admit;
        route.execution = http::Execution::worker;  // they read LMDB
        route.handler = http::sync(
            [routes, member](const http::Request& req) { return ((*routes).*member)(req); });
        router.add(std::move(route));
    };
    get("/api/v1/deploys", &ApiRoutes::list);
    get("/api/v1/deploys/{}", &ApiRoutes::show);
    get("/api/v1/deploys/{}/pending", &ApiRoutes::pending);
    get("/api/v1/deploys/{}/details", &ApiRoutes::details);
    get("/api/v1/hooks", &ApiRoutes::hooks);
    get("/api/v1/metrics", &ApiRoutes::metrics);
    get("/api/v1/metrics/trend", &ApiRoutes::trend);

    http::Route reg;
    reg.method = "POST";
    reg.pattern = "/api/1/deployments/{}/{}/register_deploy";
    // server.max_body_bytes is restart-only (a SIGHUP that changes it is
    // logged as taking effect at the next restart), so the cap is the value
    // configured when the routes are built.
    reg.max_body_bytes = deps.config.get()->server.max_body_bytes;
    reg.admit = [config](const http::Request& req) -> std::optional<http::Response> {
        if (auto refused = api_refusal(*config, req)) return refused;
        if (!content_type_acceptable(req))
            return json_error(415, "Content-Type must be application/json");
        return std::nullopt;
    };
    reg.execution = http::Execution::worker;
    reg.respond_within = k_register_commit_timeout;
    reg.handler = [routes](http::Request& req, http::Respond respond) {
        routes->register_deploy(req, std::move(respond));
    };
    router.add(std::move(reg));
}

}  // namespace shiplog::daemon
