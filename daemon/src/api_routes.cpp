#include "api_routes.hpp"

#include <openssl/rand.h>

#include <charconv>
#include <regex>

#include <spdlog/spdlog.h>

#include "common/time_format.hpp"
#include "daemon/request_auth.hpp"
#include "handlers/register_deploy_request.hpp"
#include "hooks_api.hpp"
#include "http_util.hpp"
#include "tracking/deploy.hpp"
#include "tracking/dora.hpp"
#include "tracking/register_deploy.hpp"

namespace shiplog::daemon {
namespace {

using http::json_content_type;
using http::json_error;

constexpr auto k_register_commit_timeout = std::chrono::milliseconds{8000};
constexpr std::size_t k_max_limit = 10000;

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

int status_for(const Error& error) {
    switch (error.code) {
        case ErrorCode::not_found:
            return 404;
        case ErrorCode::invalid_argument:
            return 400;
        case ErrorCode::conflict:
            return 400;
        default:
            return 503;
    }
}

class ApiRoutes {
  public:
    explicit ApiRoutes(const ApiDeps& deps) : m_deps(deps) {}

    bool authorized(const httplib::Request& req, httplib::Response& res) const {
        return api_caller_allowed(m_deps.config, req, res);
    }

    void list(const httplib::Request& req, httplib::Response& res) const {
        if (!authorized(req, res)) return;
        tracking::DeployFilter filter;
        if (req.has_param("deployment") && !req.get_param_value("deployment").empty())
            filter.deployment = req.get_param_value("deployment");
        if (req.has_param("environment") && !req.get_param_value("environment").empty())
            filter.environment = req.get_param_value("environment");
        if (req.has_param("limit")) {
            auto text = req.get_param_value("limit");
            std::size_t limit = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
            if (ec != std::errc() || end != text.data() + text.size() || limit == 0 ||
                limit > k_max_limit)
                return json_error(res, 400, "limit: must be a whole number from 1 to 10000");
            filter.limit = limit;
        }
        // since/until (an addition for the dashboard): deployed_at in [since, until).
        std::optional<Timestamp> since, until;
        for (auto [name, bound] : {std::pair{"since", &since}, std::pair{"until", &until}}) {
            if (!req.has_param(name) || req.get_param_value(name).empty()) continue;
            auto parsed = parse_cli_time(req.get_param_value(name));
            if (!parsed)
                return json_error(res, 400, std::string(name) + ": " + parsed.error().message);
            *bound = *parsed;
        }
        const std::size_t limit = filter.limit;
        if (since || until) filter.limit = 0;  // filter first, then apply the limit
        try {
            auto txn = lmdb::txn::begin(m_deps.store.env(), nullptr, MDB_RDONLY);
            auto deploys = tracking::list_deploys(txn, m_deps.tables, filter);
            if (!deploys)
                return json_error(res, status_for(deploys.error()), deploys.error().message);
            if (since || until) {
                std::erase_if(*deploys, [&](const tracking::DeployView& d) {
                    return (since && d.deployed_at < *since) || (until && d.deployed_at >= *until);
                });
                if (limit && deploys->size() > limit) deploys->resize(limit);
            }
            res.set_content(tracking::deploys_json(*deploys), json_content_type);
        } catch (const lmdb::error& e) {
            json_error(res, 503, "store unavailable");
        }
    }

    void show(const httplib::Request& req, httplib::Response& res) const {
        if (!authorized(req, res)) return;
        try {
            auto txn = lmdb::txn::begin(m_deps.store.env(), nullptr, MDB_RDONLY);
            auto deploy = tracking::get_deploy(txn, m_deps.tables, req.matches[1].str());
            if (!deploy) return json_error(res, status_for(deploy.error()), deploy.error().message);
            res.set_content(tracking::deploy_json(*deploy), json_content_type);
        } catch (const lmdb::error& e) {
            json_error(res, 503, "store unavailable");
        }
    }

    // GET /api/v1/deploys/{id}/pending (an addition for the dashboard): the
    // REST look-ups the deploy still waits for, as `deploy show` lists them.
    void pending(const httplib::Request& req, httplib::Response& res) const {
        if (!authorized(req, res)) return;
        try {
            auto txn = lmdb::txn::begin(m_deps.store.env(), nullptr, MDB_RDONLY);
            auto deploy = tracking::get_deploy(txn, m_deps.tables, req.matches[1].str());
            if (!deploy) return json_error(res, status_for(deploy.error()), deploy.error().message);
            auto items = tracking::pending_for(txn, m_deps.tables, *deploy);
            if (!items) return json_error(res, status_for(items.error()), items.error().message);
            std::string out = "[";
            for (const auto& item : *items) {
                if (out.size() > 1) out += ",";
                out += "{\"key\":\"" + http::json_escape(item.key) + "\",\"kind\":\"" +
                       http::json_escape(item.kind) +
                       "\",\"attempts\":" + std::to_string(item.attempts) + ",\"created_at\":\"" +
                       format_rfc3339(item.created_at) + "\",\"failed\":" +
                       (item.failed.empty() ? std::string("null")
                                            : "\"" + http::json_escape(item.failed) + "\"") +
                       "}";
            }
            res.set_content(out + "]", json_content_type);
        } catch (const lmdb::error& e) {
            json_error(res, 503, "store unavailable");
        }
    }

    // GET /api/v1/hooks (an addition for the dashboard): hook sync state and
    // the last push received per configured repository.
    void hooks(const httplib::Request& req, httplib::Response& res) const {
        if (!authorized(req, res)) return;
        auto config = m_deps.config.get();
        std::optional<HookStatusBoard::State> state;
        if (m_deps.hooks) state = m_deps.hooks->get();
        try {
            auto txn = lmdb::txn::begin(m_deps.store.env(), nullptr, MDB_RDONLY);
            auto body = hooks_json(state, *config, txn, m_deps.store);
            if (!body) return json_error(res, 503, "store unavailable");
            res.set_content(*body, json_content_type);
        } catch (const lmdb::error& e) {
            json_error(res, 503, "store unavailable");
        }
    }

    // GET /api/v1/metrics: the same JSON as `shiplog metrics --json`.
    void metrics(const httplib::Request& req, httplib::Response& res) const {
        if (!authorized(req, res)) return;
        auto query = tracking::default_window(m_deps.clock.now());
        auto param = [&](const char* name) -> std::optional<std::string> {
            if (!req.has_param(name) || req.get_param_value(name).empty()) return std::nullopt;
            return req.get_param_value(name);
        };
        if (auto until = param("until")) {
            auto parsed = parse_cli_time(*until);
            if (!parsed) return json_error(res, 400, "until: " + parsed.error().message);
            query.until = *parsed;
            query.since = *parsed - std::chrono::days{30};
        }
        if (auto since = param("since")) {
            auto parsed = parse_cli_time(*since);
            if (!parsed) return json_error(res, 400, "since: " + parsed.error().message);
            query.since = *parsed;
        }
        query.deployment = param("deployment");
        query.environment = param("environment");
        auto config = m_deps.config.get();
        try {
            auto txn = lmdb::txn::begin(m_deps.store.env(), nullptr, MDB_RDONLY);
            const bool explain = req.has_param("explain") &&
                                 req.get_param_value("explain") != "false" &&
                                 req.get_param_value("explain") != "0";
            query.explain = explain;  // without it only index rows are read
            auto figures = tracking::query_dora(txn, m_deps.tables, *config, query);
            if (!figures)
                return json_error(res, status_for(figures.error()), figures.error().message);
            res.set_content(explain ? tracking::dora_json_with_explain(*figures)
                                    : tracking::dora_json(*figures),
                            json_content_type);
        } catch (const lmdb::error& e) {
            json_error(res, 503, "store unavailable");
        }
    }

    void register_deploy(const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& content) const {
        // Authenticated first, then read: an anonymous client never gets a
        // body buffered, and a chunked one stops at max_body_bytes. A refusal
        // before the read leaves the body on the connection, where it would be
        // parsed as the next request: those refusals close the connection.
        if (!authorized(req, res)) return http::close_after_response(res);
        if (!http::content_type_acceptable(req)) {
            json_error(res, 415, "Content-Type must be application/json");
            return http::close_after_response(res);
        }
        auto config = m_deps.config.get();
        if (!http::read_body_capped(req, res, content, config->server.max_body_bytes)) return;
        auto parsed = handlers::parse_register_deploy_request(req.body);
        if (!parsed) return json_error(res, 400, parsed.error().message);
        std::string deployment = req.matches[2].str();
        auto environment = tracking::default_environment(
            *config, deployment,
            parsed->environment ? std::optional<std::string_view>(*parsed->environment)
                                : std::nullopt);
        if (!environment)
            return json_error(res, status_for(environment.error()), environment.error().message);

        if (!parsed->failed) {
            // Best-effort check against the committed state; two identical
            // registrations racing each other both pass it (and the second is
            // then a redeploy of the latest sha, which is not a rollback).
            std::optional<std::string> latest;
            try {
                auto txn = lmdb::txn::begin(m_deps.store.env(), nullptr, MDB_RDONLY);
                auto found =
                    tracking::latest_succeeded_sha(txn, m_deps.tables, deployment, *environment);
                if (!found) return json_error(res, 503, "store unavailable");
                latest = *found;
            } catch (const lmdb::error&) {
                return json_error(res, 503, "store unavailable");
            }
            if (latest && *latest == parsed->sha) {
                if (parsed->ignore_if_duplicate) {
                    res.set_content(R"({"status":"duplicate"})", json_content_type);
                    return;
                }
                return json_error(res, 400,
                                  "sha " + parsed->sha + " is already the latest deploy of " +
                                      deployment + " to " + *environment +
                                      " (send ignore_if_duplicate to accept this)");
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
        auto stored = m_deps.intake.submit_record(
            new_registration_id(), tracking::k_register_deploy_event_type,
            tracking::make_register_deploy_record(record), storage::EventSource::register_deploy,
            k_register_commit_timeout);
        if (!stored) {
            spdlog::warn("register_deploy: not stored: {}", stored.error().message);
            return json_error(res, 503, "registration not stored; retry later");
        }
        std::string id = deployment + ":" + *environment + ":" + std::to_string(stored->seq);
        res.set_content(R"({"status":"stored","id":")" + http::json_escape(id) + "\"}",
                        json_content_type);
    }

  private:
    ApiDeps m_deps;
};

// register_deploy's route (httplib matches it against the whole path).
constexpr const char* k_register_deploy_route =
    R"(/api/1/deployments/([^/]+)/([^/]+)/register_deploy)";

}  // namespace

bool api_caller_allowed(const ConfigHolder& config, const httplib::Request& req,
                        httplib::Response& res) {
    auto snapshot = config.get();
    if (api_authorized(snapshot->api, req.get_header_value("Authorization"), req.remote_addr))
        return true;
    res.set_header("WWW-Authenticate", "Bearer realm=\"shiplog\"");
    json_error(res, 401, "missing or wrong API token");
    return false;
}

bool is_register_deploy_path(const std::string& path) {
    static const std::regex k_route(k_register_deploy_route);
    return std::regex_match(path, k_route);
}

void install_api_routes(httplib::Server& server, const ApiDeps& deps) {
    auto routes = std::make_shared<ApiRoutes>(deps);
    server.Get("/api/v1/deploys", [routes](const httplib::Request& req, httplib::Response& res) {
        routes->list(req, res);
    });
    server.Get(
        R"(/api/v1/deploys/([^/]+))",
        [routes](const httplib::Request& req, httplib::Response& res) { routes->show(req, res); });
    server.Get(R"(/api/v1/deploys/([^/]+)/pending)",
               [routes](const httplib::Request& req, httplib::Response& res) {
                   routes->pending(req, res);
               });
    server.Get("/api/v1/hooks", [routes](const httplib::Request& req, httplib::Response& res) {
        routes->hooks(req, res);
    });
    server.Get("/api/v1/metrics", [routes](const httplib::Request& req, httplib::Response& res) {
        routes->metrics(req, res);
    });
    server.Post(k_register_deploy_route,
                [routes](const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& content) {
                    routes->register_deploy(req, res, content);
                });
}

}  // namespace shiplog::daemon
