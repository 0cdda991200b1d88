#pragma once
// In-process counters for GET /metrics (Prometheus text format 0.0.4).
// Lock-free on the request path: counters are atomics in fixed arrays, so
// label cardinality is bounded by construction (one label per known
// EventKind, and "other").
//
// Threading: record_* may be called from any thread; render() from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/event_kind.hpp"

namespace shiplog::daemon {

enum class EventOutcome : int { stored = 0, duplicate, ignored, rejected, unavailable, count };
enum class HttpRoute : int { webhook = 0, healthz, readyz, metrics, api, other, count };

// Store and writer figures sampled at scrape time.
struct StoreGauges {
    std::uint64_t journal_events = 0;
    std::uint64_t map_size_bytes = 0;
    std::uint64_t used_bytes = 0;
    std::uint64_t writer_batches = 0;
    std::uint64_t writer_last_batch_size = 0;
    std::uint64_t writer_failed_batches = 0;
    bool ready = false;
};

class Metrics {
  public:
    // Request-duration histogram bucket upper bounds, in seconds.
    static constexpr std::array<double, 12> k_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

    void record_event(EventKind kind, EventOutcome outcome);
    void record_request(HttpRoute route, int status, std::chrono::nanoseconds duration);
    void record_auth_failure() { m_auth_failures.fetch_add(1, std::memory_order_relaxed); }
    // serve's automatic backfill (backfill_worker): one finished pass.
    void record_backfill_run(bool ok, std::uint64_t events_stored) {
        (ok ? m_backfill_ok : m_backfill_failed).fetch_add(1, std::memory_order_relaxed);
        m_backfill_stored.fetch_add(events_stored, std::memory_order_relaxed);
    }

    // The REST work queue ended a look-up without an answer.
    void record_lookup_given_up() { m_lookups_given_up.fetch_add(1, std::memory_order_relaxed); }

    // The notification outbox (workers/notify): messages waiting now, POSTs
    // tried, delivered (2xx), failed (retried later) and dropped after 24 h.
    void set_notify_queued(std::uint64_t n) { m_notify_queued.store(n, std::memory_order_relaxed); }
    void record_notify_attempt() { m_notify_attempts.fetch_add(1, std::memory_order_relaxed); }
    void record_notify_sent() { m_notify_sent.fetch_add(1, std::memory_order_relaxed); }
    void record_notify_failed() { m_notify_failed.fetch_add(1, std::memory_order_relaxed); }
    void record_notify_given_up() { m_notify_given_up.fetch_add(1, std::memory_order_relaxed); }

    std::string render(const StoreGauges& gauges) const;

  private:
    std::array<std::array<std::atomic<std::uint64_t>, static_cast<int>(EventOutcome::count)>,
               k_event_kind_count + 1>  // the last: EventKind::unknown, "other"
        m_events{};
    struct Histogram {
        std::array<std::atomic<std::uint64_t>, k_buckets.size()> buckets{};
        std::atomic<std::uint64_t> count{0};
        std::atomic<std::uint64_t> sum_nanos{0};
    };
    std::array<Histogram, static_cast<int>(HttpRoute::count)> m_durations{};
    std::array<std::array<std::atomic<std::uint64_t>, 5>, static_cast<int>(HttpRoute::count)>
        m_status_classes{};
    std::atomic<std::uint64_t> m_auth_failures{0};
    std::atomic<std::uint64_t> m_backfill_ok{0}, m_backfill_failed{0}, m_backfill_stored{0};
    std::atomic<std::uint64_t> m_lookups_given_up{0};
    std::atomic<std::uint64_t> m_notify_queued{0}, m_notify_attempts{0}, m_notify_sent{0},
        m_notify_failed{0}, m_notify_given_up{0};
};

}  // namespace shiplog::daemon
