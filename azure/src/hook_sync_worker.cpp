#include "azure/hook_sync_worker.hpp"

#include "azure/hook_sync.hpp"

namespace shiplog::azure {

HookSyncWorker::HookSyncWorker(ConfigSource config, Log log, Options options)
    : m_config(std::move(config)), m_log(std::move(log)), m_options(std::move(options)) {
    if (!m_options.make_client) {
        m_options.make_client = [this](const config::AzureDevOpsConfig& c) {
            ClientOptions client_options;
            // Backoff waits end early on stop(), so SIGTERM is not held up by a retry.
            client_options.sleep = [this](std::chrono::milliseconds d) {
                std::unique_lock lock(m_mutex);
                m_cv.wait_for(lock, d, [this] { return m_stop; });
            };
            return make_http_client(c, client_options);
        };
    }
    m_thread = std::thread([this] { loop(); });
}

HookSyncWorker::~HookSyncWorker() {
    stop();
}

void HookSyncWorker::trigger() {
    {
        std::lock_guard lock(m_mutex);
        m_triggered = true;
    }
    m_cv.notify_all();
}

void HookSyncWorker::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id()) m_thread.join();
}

HookSyncWorker::Stats HookSyncWorker::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

HookSyncWorker::LastRun HookSyncWorker::last_run() const {
    std::lock_guard lock(m_mutex);
    return m_last_run;
}

namespace {

// Our subscriptions once `plan` has been applied to `owned` (as listed before).
std::vector<Subscription> after_plan(std::vector<Subscription> owned, const SyncPlan& plan) {
    for (const auto& item : plan.items) {
        std::erase_if(owned, [&](const Subscription& s) {
            return !s.id.empty() && s.id == item.subscription.id &&
                   item.action != PlanItem::Action::create;
        });
        if (item.action == PlanItem::Action::remove) continue;
        owned.push_back(item.subscription);
        owned.back().status = "enabled";
    }
    return owned;
}

}  // namespace

void HookSyncWorker::loop() {
    auto retry = m_options.retry_initial;
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        m_triggered = false;
        lock.unlock();
        m_reenabled_last_run = 0;
        bool ok = run_once();
        if (m_options.after_run) m_options.after_run(ok, m_reenabled_last_run);
        lock.lock();
        auto wait = m_options.interval;
        if (ok) {
            retry = m_options.retry_initial;
        } else {
            wait = retry;
            retry = std::min(retry * 2, m_options.retry_max);
        }
        m_cv.wait_for(lock, wait, [this] { return m_stop || m_triggered; });
    }
}

bool HookSyncWorker::run_once() {
    auto config = m_config();
    auto record = [this](LastRun::Outcome outcome, std::string message) {
        std::lock_guard lock(m_mutex);
        m_last_run.outcome = outcome;
        m_last_run.finished_at = std::chrono::system_clock::now();
        m_last_run.message = std::move(message);
        if (outcome != LastRun::Outcome::failed) m_last_run.subscriptions.clear();
    };
    if (!config->azure_devops) {
        record(LastRun::Outcome::not_configured,
               "no [azure_devops] section: service hooks are not managed");
        return true;  // nothing to manage
    }
    if (config->server.public_url.empty() || !config->webhook) {
        m_log(Level::warn, "hooks sync skipped: it needs [server] public_url and [webhook]");
        record(LastRun::Outcome::skipped, "hooks sync needs [server] public_url and [webhook]");
        return true;
    }
    auto client = m_options.make_client(*config->azure_devops);
    Result<SyncReport> report = client ? sync_hooks(**client, *config, true)
                                       : Result<SyncReport>(tl::unexpected(client.error()));
    if (report && m_options.on_listed) {
        // One this run deletes (obsolete, a duplicate) is no news.
        std::vector<Subscription> kept = report->owned;
        for (const auto& item : report->plan.items)
            if (item.action == PlanItem::Action::remove)
                std::erase_if(kept, [&](const Subscription& s) {
                    return !s.id.empty() && s.id == item.subscription.id;
                });
        m_options.on_listed(kept);
    }
    std::lock_guard lock(m_mutex);
    m_last_run.finished_at = std::chrono::system_clock::now();
    if (!report) {
        ++m_stats.runs_failed;
        m_last_run.outcome =
            LastRun::Outcome::failed;  // keeps the subscriptions of the last good run
        m_last_run.message = report.error().message;
        m_log(Level::error, "hooks sync failed (will retry): " + report.error().message);
        return false;
    }
    ++m_stats.runs_ok;
    m_last_run.outcome = LastRun::Outcome::ok;
    m_last_run.message.clear();
    m_last_run.subscriptions = after_plan(report->owned, report->plan);
    for (const auto& w : report->warnings) m_log(Level::warn, "hooks sync: " + w);
    m_stats.disabled_seen = 0;
    for (const auto& s : report->owned)
        if (s.status == "disabledByUser" || s.status == "disabledByInactiveIdentity") {
            ++m_stats.disabled_seen;
            m_log(Level::warn, "subscription " + s.id + " (" + s.event_type + ") is " + s.status +
                                   ": left alone (an admin's decision or a PAT owner who left)");
        }
    std::size_t changes = 0;
    for (const auto& item : report->plan.items) {
        ++changes;
        if (item.reason.starts_with("re-enable")) {
            ++m_stats.reenabled;
            ++m_reenabled_last_run;
            m_log(Level::warn,
                  "subscription " + item.subscription.id + " (" + item.subscription.event_type +
                      ") was " + item.reason.substr(11, item.reason.size() - 12) + ": re-enabled");
        }
    }
    m_log(Level::info, "hooks sync: " + std::to_string(changes) + " change(s), " +
                           std::to_string(report->plan.unchanged) + " unchanged");
    return true;
}

}  // namespace shiplog::azure
