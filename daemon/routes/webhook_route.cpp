#include "routes/webhook_route.hpp"

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/cidr.hpp"
#include "common/json.hpp"
#include "daemon/request_auth.hpp"
#include "http/server.hpp"
#include "routes/http_util.hpp"

namespace shiplog::daemon {
namespace {

// Azure DevOps waits about 10 s; an event not durable within this gets 503
// (retried) rather than a timeout (probation).
constexpr std::chrono::milliseconds k_commit_deadline{8000};

using Snapshot = std::shared_ptr<const config::Config>;

class WebhookRoute {
  public:
    explicit WebhookRoute(const WebhookDeps& deps) : m_deps(deps), m_auth_log(deps.clock) {}

    // Network, then credentials, then Content-Type: all before a body byte
    // is read, so a refused client cannot make us buffer anything.
    std::optional<http::Response> admit(http::Request& req) {
        auto config = m_deps.config.get();
        if (config->webhook && !config->webhook->allow_from.empty() &&
            !contains_any(config->webhook->allow_from, req.client_address)) {
            auto res = http::json_error(403, "this network may not post events");
            res.log_outcome = "forbidden";
            return res;
        }
        if (!webhook_authorized(config->webhook, req)) {
            m_deps.metrics.record_auth_failure();
            std::uint64_t suppressed = 0;
            if (m_auth_log.should_log(req.client_address, suppressed))
                spdlog::warn(
                    "webhook: refused unauthenticated request from {} ({} more since last report)",
                    http::log_escape(req.client_address), suppressed);
            auto res = http::json_error(401, "missing or wrong credentials");
            res.set_header("WWW-Authenticate", "Basic realm=\"shiplog\"");
            res.log_outcome = "unauthorized";
            return res;
        }
        if (!content_type_acceptable(req)) {
            auto res = http::json_error(415, "Content-Type must be application/json");
            res.log_outcome = "rejected";
            return res;
        }
        req.state = std::move(config);
        return std::nullopt;
    }

    void handle(http::Request& req, http::Respond respond) {
        const auto* config = std::any_cast<Snapshot>(&req.state);
        if (config && *config && req.body.size() > (*config)->server.max_body_bytes) {
            auto res = http::json_error(413, "request body too large");
            res.log_outcome = "rejected";
            return respond(std::move(res));
        }
        m_deps.intake.submit_async(std::move(req.body), storage::EventSource::webhook,
                                   [respond = std::move(respond)](Result<IntakeResult> result) {
                                       respond(answer(result));
                                   });
    }

  private:
    static http::Response answer(const Result<IntakeResult>& result) {
        if (!result) {
            if (result.error().code == ErrorCode::invalid_argument) {
                auto res = http::json_error(400, result.error().message);
                res.log_outcome = "rejected";
                return res;
            }
            spdlog::warn("webhook: event not stored: {}", result.error().message);
            auto res = http::json_error(503, "event not stored; retry later");
            res.log_outcome = "unavailable";
            return res;
        }
        json::Writer body;
        body.begin_object().field("status", to_string(result->status));
        if (!result->reason.empty()) body.field("reason", result->reason);
        auto res = http::json(body.end_object().take());
        res.log_event_id = result->event_id;
        res.log_outcome = to_string(result->status);
        res.log_reason = result->reason;
        return res;
    }

    WebhookDeps m_deps;
    AuthFailureLogLimiter m_auth_log;
};

}  // namespace

void add_webhook_route(http::Router& router, const WebhookDeps& deps) {
    auto route = std::make_shared<WebhookRoute>(deps);
    http::Route r;
    r.method = "POST";
    r.pattern = "/hooks/azure-devops";
    r.max_body_bytes = deps.max_body_bytes;
    r.admit = [route](http::Request& req) { return route->admit(req); };
    // Parsing a body up to max_body_bytes is CPU work: large ones go off the
    // I/O threads. Nothing waits for the commit; the syncer answers.
    r.execution = http::Execution::worker;
    r.inline_below = 64 * 1024;  // typical deliveries: parse inline, no thread hop
    r.respond_within = k_commit_deadline;
    r.handler = [route](http::Request& req, http::Respond respond) {
        route->handle(req, std::move(respond));
    };
    router.add(std::move(r));
}

}  // namespace shiplog::daemon
