#include "workers/backfill_worker.hpp"

#include "common/time_format.hpp"
#include "workers/backfill.hpp"

namespace shiplog::daemon {

BackfillWorker::BackfillWorker(ConfigSource config, EventIntake& intake, Metrics* metrics, Log log,
                               Options options)
    : m_config(std::move(config)),
      m_intake(intake),
      m_metrics(metrics),
      m_log(std::move(log)),
      m_options(std::move(options)) {
    if (!m_options.make_client) m_options.make_client = azure::make_http_client;
    m_thread = std::thread([this] { loop(); });
}

BackfillWorker::~BackfillWorker() {
    stop();
}

void BackfillWorker::request(Timestamp since, const std::string& why) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_pending) {
            m_pending = Pending{since, why};
        } else {
            if (since < m_pending->since) m_pending->since = since;
            if (m_pending->why.find(why) == std::string::npos) m_pending->why += ", " + why;
        }
    }
    m_cv.notify_all();
}

void BackfillWorker::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id()) m_thread.join();
}

BackfillWorker::Stats BackfillWorker::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void BackfillWorker::loop() {
    auto retry = m_options.retry_initial;
    std::unique_lock lock(m_mutex);
    while (true) {
        m_cv.wait(lock, [this] { return m_stop || m_pending.has_value(); });
        if (m_stop) return;
        Pending pending = *m_pending;
        m_pending.reset();
        lock.unlock();
        bool ok = run_once(pending);
        lock.lock();
        if (ok) {
            retry = m_options.retry_initial;
            continue;
        }
        if (m_stop) return;
        // Again later from the same point, merged with anything asked meanwhile.
        if (!m_pending) {
            m_pending = pending;
        } else if (pending.since < m_pending->since) {
            m_pending->since = pending.since;
        }
        m_cv.wait_for(lock, retry, [this] { return m_stop; });
        retry = std::min(retry * 2, m_options.retry_max);
    }
}

bool BackfillWorker::run_once(const Pending& pending) {
    auto config = m_config();
    if (!config->azure_devops) return true;  // nothing to backfill from
    azure::ClientOptions client_options;
    // Backoff waits end early on stop(), so SIGTERM is not held up by a retry.
    client_options.sleep = [this](std::chrono::milliseconds d) {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, d, [this] { return m_stop; });
    };
    auto client = m_options.make_client(*config->azure_devops, client_options);
    const std::string since = format_rfc3339(pending.since);
    if (!client) {
        m_log(Level::error,
              "backfill (" + pending.why + ") failed (will retry): " + client.error().message);
        std::lock_guard lock(m_mutex);
        ++m_stats.runs_failed;
        if (m_metrics) m_metrics->record_backfill_run(false, 0);
        return false;
    }
    BackfillLog log;
    log.error = [this](const std::string& line) { m_log(Level::warn, "backfill: " + line); };
    log.cancelled = [this] {
        std::lock_guard lock(m_mutex);
        return m_stop;
    };
    auto report = run_backfill_pass(**client, *config, m_intake, {pending.since, ""}, log);
    const bool ok = report.ok();
    {
        // Counted before the log line, so whoever reads the line sees the counters.
        std::lock_guard lock(m_mutex);
        if (m_stop && !ok) return false;  // cut short by shutdown: neither a success nor a failure
        ++(ok ? m_stats.runs_ok : m_stats.runs_failed);
        m_stats.events_stored += report.stored;
        if (m_metrics) m_metrics->record_backfill_run(ok, report.stored);
    }
    std::string line = "backfill (" + pending.why + ") since " + since + ": " +
                       std::to_string(report.stored) + " stored, " +
                       std::to_string(report.duplicate) + " already known, " +
                       std::to_string(report.ignored) + " not relevant, " +
                       std::to_string(report.failed) + " failed";
    if (!report.errors.empty())
        line += "; " + std::to_string(report.errors.size()) +
                " call(s) failed, first: " + report.errors.front();
    m_log(ok ? Level::info : Level::error, ok ? line : line + " (will retry)");
    return ok;
}

}  // namespace shiplog::daemon
