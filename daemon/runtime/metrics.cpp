#include "daemon/metrics.hpp"

#include <cstdio>

namespace shiplog::daemon {
namespace {

constexpr std::array<const char*, static_cast<int>(EventOutcome::count)> k_outcome_names = {
    "stored", "duplicate", "ignored", "rejected", "unavailable"};
constexpr std::array<const char*, static_cast<int>(HttpRoute::count)> k_route_names = {
    "webhook", "healthz", "readyz", "metrics", "api", "other"};
constexpr std::array<const char*, 5> k_status_classes = {"1xx", "2xx", "3xx", "4xx", "5xx"};

void append(std::string& out, const char* fmt, auto... args) {
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, fmt, args...);
    if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

}  // namespace

void Metrics::record_event(EventKind kind, EventOutcome outcome) {
    m_events[static_cast<std::size_t>(kind)][static_cast<int>(outcome)].fetch_add(
        1, std::memory_order_relaxed);
}

void Metrics::record_request(HttpRoute route, int status, std::chrono::nanoseconds duration) {
    auto& h = m_durations[static_cast<int>(route)];
    double seconds = std::chrono::duration<double>(duration).count();
    // One atomic per request (its own bucket); render() sums them into
    // Prometheus' cumulative buckets. Incrementing every bucket above was up
    // to 12 contended atomics per request.
    for (std::size_t i = 0; i < k_buckets.size(); ++i)
        if (seconds <= k_buckets[i]) {
            h.buckets[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    h.count.fetch_add(1, std::memory_order_relaxed);
    h.sum_nanos.fetch_add(static_cast<std::uint64_t>(duration.count()), std::memory_order_relaxed);
    int cls = status / 100 - 1;
    if (cls >= 0 && cls < 5)
        m_status_classes[static_cast<int>(route)][cls].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const StoreGauges& g) const {
    std::string out;
    out.reserve(8192);
    out += "# HELP shiplog_events_total Webhook and ingested events by event type and outcome.\n";
    out += "# TYPE shiplog_events_total counter\n";
    for (std::size_t t = 0; t <= k_event_kind_count; ++t) {
        const std::string_view type = to_string(static_cast<EventKind>(t));
        for (int o = 0; o < static_cast<int>(EventOutcome::count); ++o)
            append(out, "shiplog_events_total{event_type=\"%.*s\",outcome=\"%s\"} %llu\n",
                   static_cast<int>(type.size()), type.data(), k_outcome_names[o],
                   static_cast<unsigned long long>(m_events[t][o].load(std::memory_order_relaxed)));
    }
    out += "# HELP shiplog_http_requests_total HTTP requests by route and status class.\n";
    out += "# TYPE shiplog_http_requests_total counter\n";
    for (int r = 0; r < static_cast<int>(HttpRoute::count); ++r)
        for (int c = 0; c < 5; ++c)
            append(out, "shiplog_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
                   k_route_names[r], k_status_classes[c],
                   static_cast<unsigned long long>(
                       m_status_classes[r][c].load(std::memory_order_relaxed)));
    out +=
        "# HELP shiplog_http_request_duration_seconds Time from request read to response ready.\n";
    out += "# TYPE shiplog_http_request_duration_seconds histogram\n";
    for (int r = 0; r < static_cast<int>(HttpRoute::count); ++r) {
        const auto& h = m_durations[r];
        unsigned long long cumulative = 0;
        for (std::size_t i = 0; i < k_buckets.size(); ++i) {
            cumulative += h.buckets[i].load(std::memory_order_relaxed);
            append(out,
                   "shiplog_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                   k_route_names[r], k_buckets[i], cumulative);
        }
        auto count = static_cast<unsigned long long>(h.count.load(std::memory_order_relaxed));
        append(out, "shiplog_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
               k_route_names[r], count);
        append(out, "shiplog_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n",
               k_route_names[r],
               static_cast<double>(h.sum_nanos.load(std::memory_order_relaxed)) / 1e9);
        append(out, "shiplog_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
               k_route_names[r], count);
    }
    out +=
        "# HELP shiplog_webhook_auth_failures_total Requests refused for missing or wrong "
        "credentials.\n";
    out += "# TYPE shiplog_webhook_auth_failures_total counter\n";
    append(out, "shiplog_webhook_auth_failures_total %llu\n",
           static_cast<unsigned long long>(m_auth_failures.load(std::memory_order_relaxed)));

    auto gauge = [&out](const char* name, const char* help, const char* type,
                        unsigned long long v) {
        append(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
    };
    gauge("shiplog_journal_events", "Events in the journal.", "gauge", g.journal_events);
    gauge("shiplog_store_map_size_bytes", "Configured LMDB map size (storage.max_size_mb).",
          "gauge", g.map_size_bytes);
    gauge("shiplog_store_used_bytes", "Bytes of the LMDB map in use.", "gauge", g.used_bytes);
    append(out,
           "# HELP shiplog_store_fill_ratio Used / map size; /readyz fails at 0.95.\n"
           "# TYPE shiplog_store_fill_ratio gauge\nshiplog_store_fill_ratio %.6f\n",
           g.map_size_bytes == 0
               ? 0.0
               : static_cast<double>(g.used_bytes) / static_cast<double>(g.map_size_bytes));
    gauge("shiplog_writer_batches_total", "Committed group-commit transactions.", "counter",
          g.writer_batches);
    gauge("shiplog_writer_failed_batches_total", "Group-commit transactions that failed.",
          "counter", g.writer_failed_batches);
    gauge("shiplog_writer_last_batch_size", "Events in the last committed transaction.", "gauge",
          g.writer_last_batch_size);
    gauge("shiplog_ready", "1 when /readyz answers 200.", "gauge", g.ready ? 1 : 0);
    // serve's automatic backfill (bf).
    append(out,
           "# HELP shiplog_backfill_runs_total Automatic backfill passes by result.\n"
           "# TYPE shiplog_backfill_runs_total counter\n"
           "shiplog_backfill_runs_total{result=\"ok\"} "
           "%llu\nshiplog_backfill_runs_total{result=\"failed\"} %llu\n",
           static_cast<unsigned long long>(m_backfill_ok.load(std::memory_order_relaxed)),
           static_cast<unsigned long long>(m_backfill_failed.load(std::memory_order_relaxed)));
    gauge("shiplog_backfill_events_stored_total", "Events the automatic backfill journaled.",
          "counter", m_backfill_stored.load(std::memory_order_relaxed));
    gauge("shiplog_lookups_given_up_total",
          "REST look-ups ended without an answer (not found, or bounded retries used up); "
          "their deploys show the reason.",
          "counter", m_lookups_given_up.load(std::memory_order_relaxed));
    gauge("shiplog_notify_queued", "Notifications waiting in the outbox.", "gauge",
          m_notify_queued.load(std::memory_order_relaxed));
    gauge("shiplog_notify_attempts_total",
          "POSTs tried to [[notify]] targets (each opens a connection).", "counter",
          m_notify_attempts.load(std::memory_order_relaxed));
    gauge("shiplog_notify_sent_total", "Notifications delivered (2xx) and removed from the outbox.",
          "counter", m_notify_sent.load(std::memory_order_relaxed));
    gauge("shiplog_notify_failed_total",
          "Notification POSTs that failed (connection error, timeout, non-2xx); retried later.",
          "counter", m_notify_failed.load(std::memory_order_relaxed));
    gauge("shiplog_notify_given_up_total", "Notifications dropped unsent 24 h after queueing.",
          "counter", m_notify_given_up.load(std::memory_order_relaxed));
    return out;
}

}  // namespace shiplog::daemon
