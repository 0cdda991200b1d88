// The REST work-queue executor of `serve` (see work_queue_runner.hpp).
#include "daemon/work_queue_runner.hpp"

#include <algorithm>

#include "tracking/lookup_records.hpp"

namespace shiplog::daemon {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The configured deployment whose repository key ("project/repo", lower
// case) is `repo`: its names as Azure DevOps spells them.
const config::DeploymentConfig* deployment_of_repo(const config::Config& config,
                                                   const std::string& repo) {
    for (const auto& d : config.deployments)
        if (!d.repository.empty() && lower(d.project + "/" + d.repository) == repo) return &d;
    return nullptr;
}

std::string configured_project(const config::Config& config, const std::string& project) {
    for (const auto& d : config.deployments)
        if (lower(d.project) == lower(project)) return d.project;
    return project;
}

}  // namespace

WorkQueueRunner::WorkQueueRunner(storage::Store& store, const tracking::Tables& tables,
                                 EventIntake& intake, ConfigSource config, Log log, Options options)
    : m_store(store),
      m_tables(tables),
      m_intake(intake),
      m_config(std::move(config)),
      m_log(std::move(log)),
      m_options(std::move(options)) {
    if (!m_options.make_client)
        m_options.make_client = [](const config::AzureDevOpsConfig& c) {
            return azure::make_http_client(c);
        };
    m_thread = std::thread([this] { loop(); });
}

WorkQueueRunner::~WorkQueueRunner() {
    stop();
}

void WorkQueueRunner::trigger() {
    {
        std::lock_guard lock(m_mutex);
        m_triggered = true;
    }
    m_cv.notify_all();
}

void WorkQueueRunner::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

WorkQueueRunner::Stats WorkQueueRunner::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void WorkQueueRunner::loop() {
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        m_triggered = false;
        lock.unlock();
        run_once();
        lock.lock();
        m_cv.wait_for(lock, m_options.poll, [this] { return m_stop || m_triggered; });
    }
}

void WorkQueueRunner::run_once() {
    auto config = m_config();
    if (!config || !config->azure_devops) return;  // nobody to ask: items stay pending
    std::vector<tracking::QueueItem> items;
    try {
        auto txn = lmdb::txn::begin(m_store.env(), nullptr, MDB_RDONLY);
        auto listed = tracking::list_pending(txn, m_tables);
        if (!listed) {
            m_log(Level::error, "work queue: " + listed.error().message);
            return;
        }
        items = std::move(*listed);
    } catch (const lmdb::error& e) {
        m_log(Level::error, std::string("work queue: ") + e.what());
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    std::unique_ptr<azure::AzureDevOpsClient> client;
    for (const auto& item : items) {
        if (!item.failed.empty() || item.kind == tracking::k_queue_release_artifact_lookup)
            continue;
        auto b = m_backoff.find(item.key);
        if (b != m_backoff.end() && b->second.next > now) continue;
        if (!client) {
            auto made = m_options.make_client(*config->azure_devops);
            if (!made) {
                m_log(Level::error, "work queue: " + made.error().message);
                return;
            }
            client = std::move(*made);
        }
        {
            std::lock_guard lock(m_mutex);
            if (m_stop) return;
        }
        if (execute(*client, *config, item)) {
            m_backoff.erase(item.key);
            continue;
        }
        auto& state = m_backoff[item.key];
        ++state.attempts;
        auto delay = m_options.retry_initial;
        for (std::uint32_t i = 1; i < state.attempts && delay < m_options.retry_max; ++i)
            delay *= 2;
        state.next = std::chrono::steady_clock::now() + std::min(delay, m_options.retry_max);
        std::lock_guard lock(m_mutex);
        ++m_stats.errors;
    }
    // Forget the backoff of items that left the queue.
    for (auto it = m_backoff.begin(); it != m_backoff.end();) {
        bool queued = std::any_of(items.begin(), items.end(),
                                  [&](const auto& i) { return i.key == it->first; });
        it = queued ? std::next(it) : m_backoff.erase(it);
    }
}

bool WorkQueueRunner::journal(const std::string& event_id, std::string_view type, std::string raw,
                              const std::string& key) {
    auto stored = m_intake.submit_record(event_id, type, std::move(raw),
                                         storage::EventSource::backfill, m_options.commit_timeout);
    if (!stored) {
        m_log(Level::warn,
              "work queue: " + key + ": journaling the answer failed: " + stored.error().message);
        return false;
    }
    return true;
}

bool WorkQueueRunner::execute(azure::AzureDevOpsClient& client, const config::Config& config,
                              const tracking::QueueItem& item) {
    auto permanent = [&](const std::string& reason) {
        m_log(Level::warn, "work queue: " + item.key + " cannot be answered: " + reason);
        if (!journal(tracking::lookup_failed_event_id(item.key),
                     tracking::k_lookup_failed_event_type,
                     tracking::make_lookup_failed_record({item.key, reason}), item.key))
            return false;
        std::lock_guard lock(m_mutex);
        ++m_stats.failed;
        return true;
    };
    auto answered = [&](std::string_view type, std::string raw) {
        if (!journal(tracking::lookup_event_id(item.key), type, std::move(raw), item.key))
            return false;
        std::lock_guard lock(m_mutex);
        ++m_stats.answered;
        return true;
    };
    auto retry = [&](const Error& e) {
        if (e.code == ErrorCode::not_found) return permanent(e.message);
        m_log(Level::warn, "work queue: " + item.key + ": " + e.message + " (will retry)");
        return false;
    };

    if (item.kind == tracking::k_queue_build_lookup) {
        auto lookup = tracking::parse_build_lookup(item);
        if (!lookup) return permanent(lookup.error().message);
        const std::string project = configured_project(config, lookup->project);
        auto build = client.get_build(project, lookup->run_id);
        if (!build) return retry(build.error());
        tracking::BuildLookupAnswer answer{lookup->project, lookup->run_id, build->source_branch,
                                           build->source_version};
        return answered(tracking::k_build_lookup_event_type,
                        tracking::make_build_lookup_record(answer));
    }
    if (item.kind == tracking::k_queue_commits_between) {
        auto range = tracking::parse_commits_between(item);
        if (!range) return permanent(range.error().message);
        const auto* d = deployment_of_repo(config, range->repo);
        if (d == nullptr) return false;  // no deployment of that repository any more: leave it
        auto commits = client.commits_between(d->project, d->repository, range->from, range->to);
        if (!commits) return retry(commits.error());
        tracking::CommitRangeAnswer answer{range->repo, range->from, range->to, {}};
        for (auto& c : *commits)
            answer.commits.push_back({lower(c.sha), std::move(c.author_name),
                                      std::move(c.author_email), std::move(c.author_date),
                                      std::move(c.comment), c.comment_truncated});
        return answered(tracking::k_commit_range_event_type,
                        tracking::make_commit_range_record(answer));
    }
    return false;
}

}  // namespace shiplog::daemon
