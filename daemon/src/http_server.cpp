#include "daemon/http_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <strings.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api_routes.hpp"
#include "common/time_format.hpp"
#include "daemon/request_auth.hpp"
#include "hook_metrics.hpp"
#include "http_util.hpp"
#include "tracking/dora.hpp"
#include "ui_routes.hpp"

namespace shiplog::daemon {
namespace {

using http::close_after_response;
using http::content_type_acceptable;
using http::json_content_type;
using http::json_error;
using http::json_escape;
using http::read_body_capped;

using Clock_ = std::chrono::steady_clock;

constexpr auto k_webhook_commit_timeout =
    std::chrono::milliseconds{8000};  // Azure DevOps waits ~10 s
constexpr time_t k_read_timeout_s = 5;
constexpr time_t k_write_timeout_s = 5;
constexpr time_t k_keep_alive_timeout_s = 5;
constexpr std::size_t k_keep_alive_max_requests = 10000;
// Most workers wait on a group commit, not the CPU. httplib holds one per open
// connection, so the pool is also the number of idle/slow connections it takes
// to make others wait (up to one read timeout); it stays below LMDB's 126
// reader slots, which every worker's read transaction may need at once.
constexpr std::size_t k_worker_threads = 100;
// httplib 0.11 caps each header line (8 KiB) but not their number; Azure
// DevOps sends about a dozen.
constexpr std::size_t k_max_request_headers = 100;
constexpr double k_ready_fill_limit = 0.95;
constexpr int k_listen_backlog = 1024;

// Per-request context for the access log line (one worker thread handles one
// request at a time, so thread_local is exact).
struct RequestContext {
    Clock_::time_point started;
    std::string event_id;
    const char* outcome = "";
};
thread_local RequestContext t_request;

// After these the rest of the byte stream cannot be trusted (a smuggled
// request, the tail of a body we stopped reading), so the connection closes.
bool closes_connection(int status) {
    return status == 400 || status == 405 || status == 408 || status == 411 || status == 413 ||
           status == 414 || status == 431 || status == 501 || status == 505;
}

// Request framing that front ends and httplib could read differently
// (RFC 9112 §6.1, §6.3): both Content-Length and Transfer-Encoding, repeated
// framing headers, or a transfer coding other than chunked.
// One pass over the headers: httplib's own lookups compare names with a
// tolower() per character, and this runs for every request.
bool ambiguous_framing(const httplib::Request& req) {
    std::size_t te = 0, cl = 0;
    const std::string* te_value = nullptr;
    for (const auto& [name, value] : req.headers) {
        if (name.find_first_of(" \t") != std::string::npos)
            return true;  // "Transfer-Encoding : chunked"
        if (name.size() == 17 && strcasecmp(name.c_str(), "Transfer-Encoding") == 0) {
            ++te;
            te_value = &value;
        } else if (name.size() == 14 && strcasecmp(name.c_str(), "Content-Length") == 0) {
            ++cl;
        }
    }
    if (te > 1 || cl > 1 || (te == 1 && cl == 1)) return true;
    if (te == 1 && (te_value->size() != 7 || strncasecmp(te_value->c_str(), "chunked", 7) != 0))
        return true;
    return false;
}

HttpRoute route_of(const std::string& path) {
    if (path == "/hooks/azure-devops") return HttpRoute::webhook;
    if (path == "/healthz") return HttpRoute::healthz;
    if (path == "/readyz") return HttpRoute::readyz;
    if (path == "/metrics") return HttpRoute::metrics;
    if (path.starts_with("/api/")) return HttpRoute::api;
    return HttpRoute::other;
}

// A Prometheus label value: backslash, double quote and newline escaped.
std::string prometheus_label(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// DORA gauges per configured deployment+environment over the trailing 7 and
// 30 days (SPEC §3 /metrics; names in docs/metrics.md). A series whose value
// is null (denominator 0) is left out.
std::string render_dora_gauges(storage::Store& store, const tracking::Tables& tables,
                               const config::Config& config, Timestamp now) {
    struct Family {
        const char* name;
        const char* help;
        std::string samples;
    };
    std::array<Family, 8> families = {{
        {"shiplog_dora_deploys", "Succeeded deploys in the trailing window.", {}},
        {"shiplog_dora_deploys_per_day", "Succeeded deploys per day over the trailing window.", {}},
        {"shiplog_dora_deploy_day",
         "Number of UTC days with at least one succeeded deploy in the trailing window "
         "(deploy_days; named so promtool accepts it).",
         {}},
        {"shiplog_dora_lead_time_median_seconds",
         "Median lead time of commits first shipped in the window.",
         {}},
        {"shiplog_dora_lead_time_p90_seconds",
         "90th percentile (nearest rank) lead time of commits first shipped in the window.",
         {}},
        {"shiplog_dora_change_failure_rate",
         "Deploys with a failure / (succeeded + failed deploys) in the window.",
         {}},
        {"shiplog_dora_time_to_restore_median_seconds",
         "Median time to restore of failures restored in the window.",
         {}},
        {"shiplog_dora_restored_failures", "Failures restored in the trailing window.", {}},
    }};
    try {
        auto txn = lmdb::txn::begin(store.env(), nullptr, MDB_RDONLY);
        for (const auto& d : config.deployments) {
            for (int days : {7, 30}) {
                tracking::DoraQuery query{d.name, d.environment, now - std::chrono::days{days},
                                          now};
                query.explain = false;  // figures only: index rows alone
                auto f = tracking::query_dora(txn, tables, config, query);
                if (!f) continue;
                const std::string labels = "{deployment=\"" + prometheus_label(d.name) +
                                           "\",environment=\"" + prometheus_label(d.environment) +
                                           "\",window=\"" + std::to_string(days) + "d\"} ";
                auto add = [&](std::size_t i, const std::optional<double>& v, bool rate) {
                    if (!v) return;
                    families[i].samples +=
                        std::string(families[i].name) + labels +
                        (rate ? tracking::format_rate(*v) : tracking::format_seconds(*v)) + "\n";
                };
                add(0, static_cast<double>(f->deploys), false);
                add(1, f->deploys_per_day, true);
                add(2, static_cast<double>(f->deploy_days), false);
                add(3, f->lead_time_median, false);
                add(4,
                    f->lead_time_p90 ? std::optional<double>(static_cast<double>(*f->lead_time_p90))
                                     : std::nullopt,
                    false);
                add(5, f->change_failure_rate, true);
                add(6, f->time_to_restore_median, false);
                add(7, static_cast<double>(f->time_to_restore_failures), false);
            }
        }
    } catch (const lmdb::error&) {
        return {};
    }
    std::string out;
    for (const auto& family : families) {
        out += std::string("# HELP ") + family.name + " " + family.help + "\n";
        out += std::string("# TYPE ") + family.name + " gauge\n";
        out += family.samples;
    }
    return out;
}

class HttplibServer final : public HttpServer {
  public:
    HttplibServer(std::unique_ptr<httplib::Server> server, HttpServerDeps deps, std::string scheme)
        : m_server(std::move(server)),
          m_deps(deps),
          m_scheme(std::move(scheme)),
          m_auth_log(deps.clock) {
        configure();
    }

    Status bind(const std::string& host, int port) {
        if (port == 0) {
            m_port = m_server->bind_to_any_port(host);
            if (m_port < 0) return fail(ErrorCode::io, "cannot listen on " + host + ":0");
        } else {
            if (!m_server->bind_to_port(host, port))
                return fail(ErrorCode::io, "cannot listen on " + display_host(host) + ":" +
                                               std::to_string(port) +
                                               " (address in use or not available)");
            m_port = port;
        }
        m_host = host;
        // Linux applies a new backlog when listen() is called again on a
        // listening socket; 5 overflowed under bursts of new connections.
        if (m_listen_fd >= 0) ::listen(m_listen_fd, k_listen_backlog);
        return {};
    }

    int port() const override { return m_port; }
    std::string url() const override {
        return m_scheme + "://" + display_host(m_host) + ":" + std::to_string(m_port);
    }

    void run() override {
        m_server->listen_after_bind();
        m_run_ended = true;
    }
    void wait_until_running() override {
        // httplib 0.11 has no readiness callback; this polls only at start-up.
        while (!m_server->is_running() && !m_run_ended)
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    void stop() override { m_server->stop(); }

  private:
    static std::string display_host(const std::string& host) {
        return host.find(':') != std::string::npos ? "[" + host + "]" : host;
    }

    void configure() {
        auto& s = *m_server;
        // httplib's default adds SO_REUSEPORT, which would let a second shiplog
        // silently share our port; keep only SO_REUSEADDR (fast restarts).
        // The listening socket's fd is remembered so bind() can raise the
        // backlog that Debian's compiled httplib fixes at 5.
        s.set_socket_options([this](int sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
            m_listen_fd = sock;
        });
        // Headers and body go out in separate writes; with Nagle on, keep-alive
        // responses waited ~40 ms for the client's delayed ACK.
        s.set_tcp_nodelay(true);
        s.new_task_queue = [] { return new httplib::ThreadPool(k_worker_threads); };
        s.set_read_timeout(k_read_timeout_s, 0);
        s.set_write_timeout(k_write_timeout_s, 0);
        s.set_keep_alive_timeout(k_keep_alive_timeout_s);
        s.set_keep_alive_max_count(k_keep_alive_max_requests);
        s.set_payload_max_length(m_deps.config.get()->server.max_body_bytes);

        s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
            t_request = RequestContext{Clock_::now(), {}, ""};
            // Runs before httplib reads any body, so these never reach a handler.
            if (req.headers.size() > k_max_request_headers) {
                t_request.outcome = "rejected";
                json_error(res, 431, "too many request headers");
                return httplib::Server::HandlerResponse::Handled;
            }
            if (ambiguous_framing(req)) {
                t_request.outcome = "rejected";
                json_error(res, 400,
                           "ambiguous request framing (Content-Length / Transfer-Encoding)");
                return httplib::Server::HandlerResponse::Handled;
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
        // `Expect: 100-continue`: httplib answers it before routing (and
        // before the pre-routing handler), inviting the body. The webhook and
        // register_deploy first check the credentials, so a refused client is
        // told 401 instead of being asked to upload.
        s.set_expect_100_continue_handler(
            [this](const httplib::Request& req, httplib::Response& res) {
                return expect_100_continue(req, res);
            });
        // Library-generated errors (404, 413, 400 on malformed requests) get a JSON body too.
        // Protocol-level errors also close the connection (closes_connection).
        s.set_error_handler(httplib::Server::HandlerWithResponse(
            [](const httplib::Request&, httplib::Response& res) {
                // httplib calls this for every status >= 400; a response a
                // handler already passed to close_after_response() (its body
                // moved into a content provider) is left alone.
                if (res.body.empty() && res.get_header_value("Connection") != "close") {
                    const char* message = res.status == 404   ? "not found"
                                          : res.status == 413 ? "request body too large"
                                          : res.status == 414 ? "request target too long"
                                          : res.status == 405 ? "method not allowed"
                                                              : "bad request";
                    json_error(res, res.status, message);
                }
                if (closes_connection(res.status)) close_after_response(res);
                return httplib::Server::HandlerResponse::Handled;
            }));
        s.set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
                // Never 500 to Azure DevOps: a 500 puts the subscription on probation.
                json_error(res, 503, "internal error; retry later");
            });
        s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            log_request(req, res);
        });

        s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{\"status\":\"ok\"}", json_content_type);
        });
        s.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
            std::string reason;
            if (store_ready(m_deps.store, m_deps.intake, reason)) {
                res.set_content("{\"status\":\"ready\"}", json_content_type);
            } else {
                res.status = 503;
                res.set_content(
                    "{\"status\":\"not ready\",\"reason\":\"" + json_escape(reason) + "\"}",
                    json_content_type);
            }
        });
        s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(render_metrics(), "text/plain; version=0.0.4; charset=utf-8");
        });
        install_api_routes(s, ApiDeps{m_deps.config, m_deps.intake, m_deps.store, m_deps.tables,
                                      m_deps.clock, m_deps.hooks});
        install_ui_routes(s);
        // The webhook reads its body itself: httplib 0.11 enforces
        // payload_max_length only for Content-Length bodies, so a chunked
        // upload would be buffered whole. Reading stops at the first byte
        // beyond max_body_bytes (413, connection closed).
        // Credentials are checked before a single body byte is read, so an
        // unauthenticated client cannot make us buffer max_body_bytes; the
        // unread body would be parsed as the next request, so a 401 closes
        // the connection.
        s.Post("/hooks/azure-devops", [this](const httplib::Request& req, httplib::Response& res,
                                             const httplib::ContentReader& content) {
            // One config snapshot per request: auth, size limit and relevance
            // all see the same config even if SIGHUP swaps it meanwhile.
            auto config = m_deps.config.get();
            if (!webhook_caller_allowed(req, res, *config)) {
                close_after_response(res);
                return;
            }
            if (read_capped_body(req, res, content, config->server.max_body_bytes))
                handle_webhook(req, res, config);
        });
    }

    // 100 (send the body) unless the request is for the webhook or
    // register_deploy and its credentials are wrong: then 401, with the
    // connection closed (the client may send its body anyway, and it must not
    // be parsed as a request). Counted and logged as the handlers' refusals
    // are; an accepted request is checked again by its handler, which counts
    // only its own refusal.
    int expect_100_continue(const httplib::Request& req, httplib::Response& res) {
        // The pre-routing handler has not run yet: this is a fresh request.
        t_request = RequestContext{Clock_::now(), {}, ""};
        if (req.method != "POST") return 100;
        bool allowed = true;
        if (req.path == "/hooks/azure-devops") {
            allowed = webhook_caller_allowed(req, res, *m_deps.config.get());
        } else if (is_register_deploy_path(req.path)) {
            allowed = api_caller_allowed(m_deps.config, req, res);
        }
        if (allowed) return 100;
        close_after_response(res);
        return res.status;
    }

    // Basic credentials with [webhook], else loopback only. On refusal
    // answers 401 (counted, and logged at most once a minute per address).
    bool webhook_caller_allowed(const httplib::Request& req, httplib::Response& res,
                                const config::Config& config) {
        // Without a [webhook] section only the address counts: no header lookup.
        if (webhook_authorized(
                config.webhook,
                config.webhook ? req.get_header_value("Authorization") : std::string(),
                req.remote_addr))
            return true;
        m_deps.metrics.record_auth_failure();
        std::uint64_t suppressed = 0;
        if (m_auth_log.should_log(req.remote_addr, suppressed))
            spdlog::warn(
                "webhook: refused unauthenticated request from {} ({} more since last report)",
                req.remote_addr, suppressed);
        t_request.outcome = "unauthorized";
        res.set_header("WWW-Authenticate", "Basic realm=\"shiplog\"");
        json_error(res, 401, "missing or wrong credentials");
        return false;
    }

    bool read_capped_body(const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& content, std::size_t max_body_bytes) {
        if (read_body_capped(req, res, content, max_body_bytes)) return true;
        t_request.outcome = "rejected";
        return false;
    }

    void handle_webhook(const httplib::Request& req, httplib::Response& res,
                        const std::shared_ptr<const config::Config>& config) {
        if (!content_type_acceptable(req)) {
            t_request.outcome = "rejected";
            json_error(res, 415, "Content-Type must be application/json");
            return;
        }
        // httplib 0.11.4 enforces payload_max_length only for Content-Length
        // bodies; a chunked body of any size reached this handler and was
        // stored (found by tests/integration/hostile_clients_test.cpp).
        if (req.body.size() > config->server.max_body_bytes) {
            t_request.outcome = "rejected";
            json_error(res, 413, "request body too large");
            return;
        }
        auto result =
            m_deps.intake.submit(req.body, storage::EventSource::webhook, k_webhook_commit_timeout);
        if (!result) {
            if (result.error().code == ErrorCode::invalid_argument) {
                t_request.outcome = "rejected";
                json_error(res, 400, result.error().message);
            } else {
                t_request.outcome = "unavailable";
                spdlog::warn("webhook: event not stored: {}", result.error().message);
                json_error(res, 503, "event not stored; retry later");
            }
            return;
        }
        t_request.event_id = result->event_id;
        t_request.outcome = to_string(result->status);
        res.set_content(std::string("{\"status\":\"") + to_string(result->status) + "\"}",
                        json_content_type);
    }

    std::string render_metrics() {
        StoreGauges g;
        auto usage = m_deps.store.usage();
        g.map_size_bytes = usage.map_size_bytes;
        g.used_bytes = usage.used_bytes;
        auto stats = m_deps.writer.stats();
        g.writer_batches = stats.batches;
        g.writer_last_batch_size = stats.last_batch_size;
        g.writer_failed_batches = stats.failed_batches;
        try {
            lmdb::txn txn = lmdb::txn::begin(m_deps.store.env(), nullptr, MDB_RDONLY);
            if (auto n = storage::journal_size(txn, m_deps.store)) g.journal_events = *n;
        } catch (const lmdb::error&) {
        }
        std::string reason;
        g.ready = store_ready(m_deps.store, m_deps.intake, reason);
        return m_deps.metrics.render(g) +
               render_dora_gauges(m_deps.store, m_deps.tables, *m_deps.config.get(),
                                  m_deps.clock.now()) +
               render_hook_gauges(m_deps.hooks);
    }

    void log_request(const httplib::Request& req, const httplib::Response& res) {
        auto elapsed = Clock_::now() - t_request.started;
        m_deps.metrics.record_request(
            route_of(req.path), res.status,
            std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
        // Path only (never the query string, never headers or bodies).
        spdlog::info("{} {} {} {:.1f}ms{}{}{}{}", req.method, req.path, res.status,
                     std::chrono::duration<double, std::milli>(elapsed).count(),
                     t_request.event_id.empty() ? "" : " event=", t_request.event_id,
                     *t_request.outcome ? " outcome=" : "", t_request.outcome);
    }

    std::unique_ptr<httplib::Server> m_server;
    HttpServerDeps m_deps;
    std::string m_scheme;
    AuthFailureLogLimiter m_auth_log;
    std::string m_host;
    int m_port = 0;
    std::atomic<bool> m_run_ended{false};
    int m_listen_fd = -1;
};

// Loads certificate and key ourselves so a bad file is a clear startup error,
// and pins the protocol floor at TLS 1.2.
Result<std::unique_ptr<httplib::Server>> make_tls_server(const config::ServerConfig& server) {
    std::string error;
    auto cert = server.tls_certificate->string();
    auto key = server.tls_private_key->string();
    auto tls = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
        SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                      SSL_OP_CIPHER_SERVER_PREFERENCE);
        if (SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) != 1) {
            error = "server.tls_certificate: cannot load certificate chain from " + cert;
            return false;
        }
        if (SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
            // OpenSSL already rejects a key that does not belong to the loaded
            // certificate here (X509_R_KEY_VALUES_MISMATCH); say so instead of
            // "cannot load" (found by tests/integration/tls_test.cpp).
            bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
            ERR_clear_error();
            error = mismatch ? "server.tls_private_key: " + key +
                                   " does not match server.tls_certificate " + cert
                             : "server.tls_private_key: cannot load private key from " + key;
            return false;
        }
        if (SSL_CTX_check_private_key(&ctx) != 1) {
            error = "server.tls_private_key: does not match server.tls_certificate";
            return false;
        }
        return true;
    });
    if (!tls->is_valid())
        return fail(ErrorCode::config, error.empty() ? "cannot set up TLS" : error);
    return std::unique_ptr<httplib::Server>(std::move(tls));
}

}  // namespace

bool store_ready(storage::Store& store, const EventIntake& intake, std::string& reason) {
    // Checked first: it lasts until a restart, whatever else is true.
    if (auto failure = intake.writer_failure(); !failure.empty()) {
        reason = "journal sync failed: " + failure;  // says that a restart is needed
        return false;
    }
    if (!intake.store_writable()) {
        reason = "store full: raise storage.max_size_mb and restart";
        return false;
    }
    auto usage = store.usage();
    if (usage.fill_ratio() >= k_ready_fill_limit) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "store %.1f%% full: raise storage.max_size_mb",
                      usage.fill_ratio() * 100);
        reason = buf;
        return false;
    }
    return true;
}

Result<std::unique_ptr<HttpServer>> HttpServer::create(const config::Config& config,
                                                       HttpServerDeps deps) {
    std::unique_ptr<httplib::Server> server;
    std::string scheme = "http";
    if (config.server.tls_certificate && config.server.tls_private_key) {
        auto tls = make_tls_server(config.server);
        if (!tls) return tl::unexpected(tls.error());
        server = std::move(*tls);
        scheme = "https";
    } else {
        server = std::make_unique<httplib::Server>();
    }
    auto http = std::make_unique<HttplibServer>(std::move(server), deps, scheme);
    if (auto bound = http->bind(config.server.listen_host, config.server.listen_port); !bound)
        return tl::unexpected(bound.error());
    return std::unique_ptr<HttpServer>(std::move(http));
}

}  // namespace shiplog::daemon
