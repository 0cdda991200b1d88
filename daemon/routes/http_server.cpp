#include "daemon/http_server.hpp"

#include <memory>
#include <string>

#include "http/server.hpp"
#include "routes/api_routes.hpp"
#include "routes/drift_route.hpp"
#include "routes/incident_routes.hpp"
#include "routes/ops_routes.hpp"
#include "routes/ui_routes.hpp"
#include "routes/webhook_route.hpp"

namespace shiplog::daemon {
namespace {

// The edge's small pool for routes that read the store or parse bodies;
// none of them waits for a commit, so a few threads keep both cores busy.
constexpr std::size_t k_worker_threads = 4;

HttpRoute route_of(std::string_view path) {
    if (path == "/hooks/azure-devops") return HttpRoute::webhook;
    if (path == "/healthz") return HttpRoute::healthz;
    if (path == "/readyz") return HttpRoute::readyz;
    if (path == "/metrics") return HttpRoute::metrics;
    if (path.starts_with("/hooks/azure-monitor/")) return HttpRoute::webhook;
    if (path.starts_with("/api/")) return HttpRoute::api;
    return HttpRoute::other;
}

http::Limits limits_of(const config::ServerConfig& server) {
    http::Limits limits;
    limits.request_timeout = server.request_timeout;
    limits.max_connections = server.max_connections;
    limits.max_connections_per_ip = server.max_connections_per_ip;
    limits.trusted_proxies = server.trusted_proxies;
    return limits;
}

std::optional<http::TlsFiles> tls_of(const config::ServerConfig& server) {
    if (!server.tls_certificate || !server.tls_private_key) return std::nullopt;
    return http::TlsFiles{*server.tls_certificate, *server.tls_private_key};
}

class EdgeServer final : public HttpServer {
  public:
    explicit EdgeServer(std::unique_ptr<http::Server> server) : m_server(std::move(server)) {}

    int port() const override { return m_server->port(); }
    std::string url() const override { return m_server->url(); }
    void run() override { m_server->run(); }
    void wait_until_running() override { m_server->wait_until_running(); }
    void stop() override { m_server->stop(); }

    Status reload(const config::Config& config) override {
        m_server->update(limits_of(config.server));
        if (auto tls = tls_of(config.server)) return m_server->reload_tls(*tls);
        return {};
    }

    http::Server::Stats stats() const { return m_server->stats(); }

  private:
    std::unique_ptr<http::Server> m_server;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::create(const config::Config& config,
                                                       HttpServerDeps deps) {
    // The routes outlive the server; the stats hook is filled in once the
    // server exists (routes are registered before it is created).
    auto stats_source = std::make_shared<std::function<http::Server::Stats()>>();
    http::Router router;
    add_webhook_route(router, WebhookDeps{deps.config, deps.intake, deps.metrics, deps.clock,
                                          config.server.max_body_bytes});
    const ApiDeps api{deps.config, deps.intake, deps.store, deps.tables,
                      deps.clock,  deps.hooks,  deps.outbox};
    add_api_routes(router, api);
    add_ops_routes(router, OpsDeps{deps.config, deps.intake, deps.store, deps.writer, deps.metrics,
                                   deps.clock, deps.tables, deps.hooks, [stats_source] {
                                       return *stats_source ? (*stats_source)()
                                                            : http::Server::Stats{};
                                   }});
    add_incident_routes(router, api);
    add_drift_route(router, DriftRouteDeps{deps.config, deps.store, deps.tables, deps.clock});
    add_ui_routes(router);

    http::ServerOptions options;
    options.host = config.server.listen_host;
    options.port = config.server.listen_port;
    options.tls = tls_of(config.server);
    options.worker_threads = k_worker_threads;
    options.limits = limits_of(config.server);
    Metrics* metrics = &deps.metrics;
    options.on_request = [metrics](const http::RequestRecord& r) {
        metrics->record_request(route_of(r.path), r.status, r.elapsed);
    };
    auto server = http::Server::create(std::move(options), std::move(router));
    if (!server) return tl::unexpected(server.error());
    http::Server* raw = server->get();
    *stats_source = [raw] { return raw->stats(); };
    return std::unique_ptr<HttpServer>(std::make_unique<EdgeServer>(std::move(*server)));
}

}  // namespace shiplog::daemon
