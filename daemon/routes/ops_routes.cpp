#include "routes/ops_routes.hpp"

#include <sys/statvfs.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/json.hpp"
#include "daemon/readiness.hpp"
#include "storage/journal.hpp"
#include "tracking/dora.hpp"
#include "workers/hook_metrics.hpp"

namespace shiplog::daemon {
namespace {

constexpr double k_ready_fill_limit = 0.95;
constexpr const char* k_prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

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
// 30 days (names in docs/metrics.md). A series whose value is null
// (denominator 0) is left out.
std::string render_dora_gauges(storage::Store& store, const tracking::Tables& tables,
                               const config::Config& config, Timestamp now) {
    struct Family {
        const char* name;
        const char* help;
        std::string samples;
    };
    std::array<Family, 14> families = {{
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
        {"shiplog_dora_lead_time_breakdown_median_seconds",
         "Median coding, pickup, review and deploy time of pull requests first shipped in the "
         "window (label part).",
         {}},
        {"shiplog_dora_pull_requests", "Pull requests first shipped in the window.", {}},
        {"shiplog_dora_direct_commits",
         "Commits first shipped in the window that no pull request brought.",
         {}},
        {"shiplog_dora_rework_rate",
         "Rework deploys (rollback, incident-fix, hotfix) / succeeded deploys in the window.",
         {}},
        {"shiplog_dora_batch_median_commits",
         "Median commits per succeeded deploy in the window.",
         {}},
        {"shiplog_dora_batch_deploys",
         "Succeeded deploys in the window per batch size (label size: S, M, L, XL).",
         {}},
    }};
    auto read = storage::read(store, "read DORA figures", [&](storage::Txn& txn) {
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
                // The same labels plus one more (part, size).
                auto add_labelled = [&](std::size_t i, const char* key, const char* value,
                                        const std::optional<double>& v) {
                    if (!v) return;
                    std::string with = labels;
                    with.insert(with.size() - 2, std::string(",") + key + "=\"" + value + "\"");
                    families[i].samples +=
                        std::string(families[i].name) + with + tracking::format_seconds(*v) + "\n";
                };
                const std::pair<const char*, const tracking::Spread*> parts[] = {
                    {"coding", &f->coding},
                    {"pickup", &f->pickup},
                    {"review", &f->review},
                    {"deploy", &f->deploy}};
                for (const auto& part : parts)
                    add_labelled(8, "part", part.first, part.second->median);
                add(9, static_cast<double>(f->pull_requests), false);
                add(10, static_cast<double>(f->direct_commits), false);
                add(11, f->rework_rate, true);
                add(12, f->batch_median_commits, false);
                const char* sizes[] = {"S", "M", "L", "XL"};
                for (int k = 0; k < 4; ++k)
                    add_labelled(13, "size", sizes[k], static_cast<double>(f->batch_counts[k]));
            }
        }
    });
    if (!read) return {};
    std::string out;
    for (const auto& family : families) {
        out += std::string("# HELP ") + family.name + " " + family.help + "\n";
        out += std::string("# TYPE ") + family.name + " gauge\n";
        out += family.samples;
    }
    return out;
}

// The edge's connection figures (docs/metrics.md, "Service metrics").
std::string render_edge_gauges(const http::Server::Stats& s) {
    std::string out;
    auto family = [&out](const char* name, const char* help, const char* type,
                         std::uint64_t value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
               name + " " + std::to_string(value) + "\n";
    };
    family("shiplog_http_open_connections", "Client connections open now.", "gauge",
           s.open_connections);
    family("shiplog_http_refused_connections_total",
           "Connections closed at accept: over the total or per-address connection limit.",
           "counter", s.refused_connections);
    family("shiplog_http_timed_out_total",
           "Connections closed for a request that did not arrive in time or an idle keep-alive.",
           "counter", s.timed_out);
    return out;
}

std::string render_metrics(const OpsDeps& deps) {
    StoreGauges g;
    auto usage = deps.store.usage();
    g.map_size_bytes = usage.map_size_bytes;
    g.used_bytes = usage.used_bytes;
    auto stats = deps.writer.stats();
    g.writer_batches = stats.batches;
    g.writer_last_batch_size = stats.last_batch_size;
    g.writer_failed_batches = stats.failed_batches;
    g.writer_syncs = stats.syncs;
    g.writer_acknowledged_by_next_commit = stats.acknowledged_by_next_commit;
    auto events = storage::read(deps.store, "read the journal size", [&](storage::Txn& txn) {
        return storage::journal_size(txn, deps.store);
    });
    if (events) g.journal_events = *events;
    std::string reason;
    g.ready = store_ready(deps.store, deps.intake, reason);
    std::string out =
        deps.metrics.render(g) +
        render_dora_gauges(deps.store, deps.tables, *deps.config.get(), deps.clock.now()) +
        render_hook_gauges(deps.hooks);
    if (deps.edge_stats) out += render_edge_gauges(deps.edge_stats());
    return out;
}

http::Route get(std::string pattern, http::Execution execution,
                std::function<http::Response(const http::Request&)> f) {
    http::Route route;
    route.method = "GET";
    route.pattern = std::move(pattern);
    route.execution = execution;
    route.handler = http::sync(std::move(f));
    return route;
}

// A refused write means either the LMDB map or the file system under it ran
// out, and the cures differ (raise storage.max_size_mb and restart, or free
// disk space and wait). The file system is the limit when it has less room
// than the map has left.
std::string full_store_reason(const storage::Store& store) {
    constexpr double k_mib = 1024.0 * 1024.0;
    auto usage = store.usage();
    const std::size_t map_room =
        usage.map_size_bytes > usage.used_bytes ? usage.map_size_bytes - usage.used_bytes : 0;
    char buf[224];
    struct statvfs fs {};
    if (::statvfs(store.path().c_str(), &fs) == 0) {
        const auto disk_free = static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize;
        if (disk_free < map_room) {
            std::snprintf(buf, sizeof buf,
                          "disk full: %.1f MiB free on the file system holding the store "
                          "(store %.1f of %.1f MiB used): free space there; writes resume "
                          "without a restart",
                          static_cast<double>(disk_free) / k_mib,
                          static_cast<double>(usage.used_bytes) / k_mib,
                          static_cast<double>(usage.map_size_bytes) / k_mib);
            return buf;
        }
    }
    std::snprintf(buf, sizeof buf,
                  "store full: %.1f of %.1f MiB used: raise storage.max_size_mb and restart",
                  static_cast<double>(usage.used_bytes) / k_mib,
                  static_cast<double>(usage.map_size_bytes) / k_mib);
    return buf;
}

}  // namespace

bool store_ready(storage::Store& store, const EventIntake& intake, std::string& reason) {
    // Checked first: it lasts until a restart, whatever else is true.
    if (auto failure = intake.writer_failure(); !failure.empty()) {
        reason = "journal sync failed: " + failure;  // says that a restart is needed
        return false;
    }
    if (!intake.store_writable()) {
        reason = full_store_reason(store);
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

void add_ops_routes(http::Router& router, OpsDeps deps) {
    auto shared = std::make_shared<const OpsDeps>(std::move(deps));
    router.add(get("/healthz", http::Execution::inline_io,
                   [](const http::Request&) { return http::json("{\"status\":\"ok\"}"); }));
    router.add(get("/readyz", http::Execution::worker, [shared](const http::Request&) {
        std::string reason;
        if (store_ready(shared->store, shared->intake, reason))
            return http::json("{\"status\":\"ready\"}");
        json::Writer w;
        w.begin_object().field("status", "not ready").field("reason", reason);
        return http::json(w.end_object().take(), 503);
    }));
    router.add(get("/metrics", http::Execution::worker, [shared](const http::Request&) {
        http::Response res;
        res.content_type = k_prometheus_content_type;
        res.body = render_metrics(*shared);
        return res;
    }));
}

}  // namespace shiplog::daemon
