#include "routes/incident_routes.hpp"
#include "storage/store.hpp"

#include <openssl/evp.h>

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "common/json.hpp"
#include "common/secret.hpp"
#include "common/time_format.hpp"
#include "daemon/request_auth.hpp"
#include "handlers/incident_request.hpp"
#include "routes/http_util.hpp"
#include "tracking/impact.hpp"
#include "tracking/incident.hpp"

namespace shiplog::daemon {
namespace {

using http::json_error;
using Snapshot = std::shared_ptr<const config::Config>;

// As the webhook: an answer not durable by then is a 503 (retried).
constexpr auto k_commit_deadline = std::chrono::milliseconds{8000};

// The journal's dedup key for a call: the same (source, type, id, date) is
// the same call, whatever the url or title say.
std::string call_event_id(std::string_view prefix, std::initializer_list<std::string_view> parts) {
    std::string text;
    for (auto part : parts) {
        text.append(part);
        text.push_back('\0');
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string id(prefix);
    for (unsigned int i = 0; i < length; ++i) {
        id += k_hex[digest[i] >> 4];
        id += k_hex[digest[i] & 15];
    }
    return id;
}

std::string nanos_text(Timestamp t) {
    return std::to_string(t.time_since_epoch().count());
}

// A percent-decoded path segment ('+' stays '+').
std::string decode_segment(std::string_view s) {
    return http::percent_decode(s, false);
}

const config::IncidentSourceConfig* find_source(const config::Config& config, std::string_view name,
                                                config::IncidentSourceKind kind) {
    for (const auto& s : config.incident_sources)
        if (s.name == name && s.kind == kind) return &s;
    return nullptr;
}

http::Response stored_answer(const Result<IntakeResult>& result, bool unknown_incident,
                             const char* what) {
    if (!result) {
        spdlog::warn("{}: not stored: {}", what, result.error().message);
        auto res = json_error(503, "not stored; retry later");
        res.log_outcome = "unavailable";
        return res;
    }
    const char* status = result->status == IntakeStatus::duplicate ? "duplicate"
                         : unknown_incident                        ? "ignored"
                                                                   : "stored";
    auto res =
        http::json(json::Writer().begin_object().field("status", status).end_object().take());
    res.log_event_id = result->event_id;
    res.log_outcome = status;
    if (unknown_incident && result->status != IntakeStatus::duplicate)
        res.log_reason = "resolved or reopened an unknown incident";
    return res;
}

// 401 with the scheme's challenge, 415 for a body that is not JSON, or
// nullopt with the configuration the request was admitted under kept in
// req.state for the handler.
std::optional<http::Response> admitted(http::Request& req, Snapshot config, bool authorized,
                                       const char* scheme, const char* refusal) {
    if (!authorized) {
        auto res = json_error(401, refusal);
        res.set_header("WWW-Authenticate", std::string(scheme) + " realm=\"shiplog\"");
        res.log_outcome = "unauthorized";
        return res;
    }
    if (!content_type_acceptable(req))
        return json_error(415, "Content-Type must be application/json");
    req.state = std::move(config);
    return std::nullopt;
}

class IncidentRoutes {
  public:
    explicit IncidentRoutes(const ApiDeps& deps) : m_deps(deps) {}

    // The api token from the path (Sleuth's shape) or the Authorization
    // header; without [api], loopback clients only.
    std::optional<http::Response> admit_impact(http::Request& req, bool key_in_path) const {
        auto config = m_deps.config.get();
        bool ok = false;
        if (key_in_path && config->api)
            ok = config->api->token.matches(decode_segment(req.params.back()));
        else
            ok = api_authorized(config->api, req);
        return admitted(req, std::move(config), ok, "Bearer", "missing or wrong API token");
    }

    void register_impact(http::Request& req, http::Respond respond) const {
        const auto* snapshot = std::any_cast<Snapshot>(&req.state);
        if (!snapshot || !*snapshot) return respond(json_error(503, "no configuration"));
        const config::Config& config = **snapshot;
        const std::string deployment = decode_segment(req.params.at(1));
        const std::string environment = decode_segment(req.params.at(2));
        const std::string source_name = decode_segment(req.params.at(3));
        const auto* source = find_source(config, source_name, config::IncidentSourceKind::api);
        if (source == nullptr || source->deployment != deployment ||
            source->environment != environment)
            return respond(json_error(404, "no incident source \"" + source_name +
                                               "\" of kind api for " + deployment + " in " +
                                               environment));
        auto parsed = handlers::parse_register_impact_request(req.body);
        if (!parsed) return respond(json_error(400, parsed.error().message));

        tracking::ImpactRecord record;
        record.source = source->name;
        record.kind = source->kind;
        record.type = parsed->type;
        record.external_id = parsed->id;
        record.date = parsed->date.value_or(m_deps.clock.now());
        record.url = parsed->url;
        record.title = parsed->title;

        // resolved / reopened of an incident never triggered: journaled, and
        // "ignored" (best effort against the committed state).
        bool unknown = false;
        if (record.type != handlers::ImpactType::triggered) {
            auto known = storage::read(m_deps.store, "read", [&](storage::Txn& txn) {
                return tracking::incident_triggered(txn, m_deps.tables,
                                                    tracking::incident_id(record));
            });
            if (!known) return respond(json_error(503, "store unavailable"));
            unknown = !*known;
        }
        submit(record, req, storage::EventSource::register_deploy, unknown, "register_impact",
               std::move(respond));
    }

    // Network rules of the webhook do not apply: Azure Monitor calls from
    // its own addresses. Basic credentials as for the webhook.
    std::optional<http::Response> admit_monitor(http::Request& req) const {
        auto config = m_deps.config.get();
        const bool ok = webhook_authorized(config->webhook, req);
        return admitted(req, std::move(config), ok, "Basic", "missing or wrong credentials");
    }

    void azure_monitor(http::Request& req, http::Respond respond) const {
        const auto* snapshot = std::any_cast<Snapshot>(&req.state);
        if (!snapshot || !*snapshot) return respond(json_error(503, "no configuration"));
        const std::string source_name = decode_segment(req.params.at(0));
        const auto* source =
            find_source(**snapshot, source_name, config::IncidentSourceKind::azure_monitor);
        if (source == nullptr)
            return respond(json_error(
                404, "no incident source \"" + source_name + "\" of kind azure-monitor"));
        auto alert = handlers::parse_azure_monitor_alert(req.body);
        if (!alert) return respond(json_error(400, alert.error().message));

        tracking::ImpactRecord record;
        record.source = source->name;
        record.kind = source->kind;
        record.type =
            alert->resolved ? handlers::ImpactType::resolved : handlers::ImpactType::triggered;
        record.external_id = alert->alert_id;
        record.date = alert->resolved ? *alert->resolved_at : alert->fired_at;
        if (alert->resolved) record.opened_at = alert->fired_at;
        record.title = alert->rule;
        submit(record, req, storage::EventSource::webhook, false, "azure_monitor",
               std::move(respond));
    }

    // Journals the impact; `what` names the route in logs and starts the
    // event id (the journal's dedup key).
    void submit(const tracking::ImpactRecord& record, const http::Request& req,
                storage::EventSource source, bool unknown, const char* what,
                http::Respond respond) const {
        std::string event_id =
            call_event_id(std::string(what) + ":", {record.source, handlers::to_string(record.type),
                                                    record.external_id, nanos_text(record.date)});
        m_deps.intake.submit_record_async(
            std::move(event_id), tracking::k_impact_event_type,
            tracking::make_impact_record(record, req.body), source,
            [respond = std::move(respond), unknown, what](Result<IntakeResult> stored) {
                respond(stored_answer(stored, unknown, what));
            });
    }

    http::Response list(const http::Request& req) const {
        tracking::IncidentQuery query;
        query.until = m_deps.clock.now();
        query.since = query.until - std::chrono::days{30};
        if (auto until = req.query_param("until"); until && !until->empty()) {
            auto parsed = parse_cli_time(*until);
            if (!parsed) return json_error(400, "until: " + parsed.error().message);
            query.until = *parsed;
            query.since = *parsed - std::chrono::days{30};
        }
        if (auto since = req.query_param("since"); since && !since->empty()) {
            auto parsed = parse_cli_time(*since);
            if (!parsed) return json_error(400, "since: " + parsed.error().message);
            query.since = *parsed;
        }
        if (auto d = req.query_param("deployment"); d && !d->empty()) query.deployment = *d;
        if (auto e = req.query_param("environment"); e && !e->empty()) query.environment = *e;
        auto config = m_deps.config.get();
        auto answered =
            storage::read(m_deps.store, "read", [&](storage::Txn& txn) -> http::Response {
                auto found = tracking::query_incidents(txn, m_deps.tables, *config, query);
                if (!found) return json_error(503, found.error().message);
                return http::json(tracking::incidents_json(*found));
            });
        if (!answered) return json_error(503, "store unavailable");
        return std::move(*answered);
    }

  private:
    ApiDeps m_deps;
};

}  // namespace

void add_incident_routes(http::Router& router, const ApiDeps& deps) {
    auto routes = std::make_shared<IncidentRoutes>(deps);
    const std::size_t max_body = deps.config.get()->server.max_body_bytes;
    // A POST journaled on a worker (register_impact reads LMDB for "ignored").
    auto post = [&](std::string pattern,
                    std::function<std::optional<http::Response>(http::Request&)> admit,
                    std::function<void(http::Request&, http::Respond)> handler) {
        http::Route r;
        r.method = "POST";
        r.pattern = std::move(pattern);
        r.max_body_bytes = max_body;
        r.admit = std::move(admit);
        r.execution = http::Execution::worker;
        r.respond_within = k_commit_deadline;
        r.handler = std::move(handler);
        return r;
    };
    for (bool key_in_path : {true, false}) {
        auto r = post(
            key_in_path ? "/api/1/deployments/{}/{}/{}/{}/register_impact/{}"
                        : "/api/1/deployments/{}/{}/{}/{}/register_impact",
            [routes, key_in_path](http::Request& req) {
                return routes->admit_impact(req, key_in_path);
            },
            [routes](http::Request& req, http::Respond respond) {
                routes->register_impact(req, std::move(respond));
            });
        r.secret_last_segment = key_in_path;
        router.add(std::move(r));
    }
    router.add(post(
        "/hooks/azure-monitor/{}",
        [routes](http::Request& req) { return routes->admit_monitor(req); },
        [routes](http::Request& req, http::Respond respond) {
            routes->azure_monitor(req, std::move(respond));
        }));

    http::Route list;
    list.method = "GET";
    list.pattern = "/api/v1/incidents";
    const ConfigHolder* config = &deps.config;
    list.admit = [config](http::Request& req) -> std::optional<http::Response> {
        auto snapshot = config->get();
        if (api_authorized(snapshot->api, req)) return std::nullopt;
        auto res = json_error(401, "missing or wrong API token");
        res.set_header("WWW-Authenticate", "Bearer realm=\"shiplog\"");
        return res;
    };
    list.execution = http::Execution::worker;
    list.handler = http::sync([routes](const http::Request& req) { return routes->list(req); });
    router.add(std::move(list));
}

}  // namespace shiplog::daemon
