// The REST work-queue executor of `serve` (see work_queue_runner.hpp).
#include "daemon/work_queue_runner.hpp"

#include <algorithm>
#include <charconv>

#include "common/ascii.hpp"
#include "common/time_format.hpp"
#include "handlers/push_event.hpp"
#include "tracking/lookup_records.hpp"
#include "workers/backfill.hpp"

namespace shiplog::daemon {

namespace {

using ascii::is_hex40;
using ascii::lower;

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

std::string ref_of(const std::string& branch) {
    return branch.rfind("refs/", 0) == 0 ? branch : "refs/heads/" + branch;
}

// The artifact whose source version a classic release deployed (docs/reference/definitions.md: the
// primary artifact's): among Build (or Git) artifacts, the one of a matching
// deployment's pipeline, else of its repository, else the primary one, else
// the only one. nullptr when none fits.
const azure::ReleaseArtifact* artifact_of(const config::Config& config,
                                          const azure::Release& release,
                                          const std::string& project) {
    std::vector<const azure::ReleaseArtifact*> usable;
    for (const auto& a : release.artifacts)
        if (ascii::iequals(a.type, "Build") || ascii::iequals(a.type, "Git")) usable.push_back(&a);
    for (const auto& d : config.deployments) {
        if (d.trigger != config::Trigger::release || !ascii::iequals(d.project, project) ||
            !ascii::iequals(d.release_definition, release.definition))
            continue;
        for (const auto* a : usable)
            if (!d.pipeline.empty() && ascii::iequals(a->definition, d.pipeline)) return a;
        for (const auto* a : usable)
            if (!d.repository.empty() && ascii::iequals(a->repository, d.repository)) return a;
    }
    for (const auto* a : usable)
        if (a->is_primary) return a;
    return usable.size() == 1 ? usable.front() : nullptr;
}

std::int64_t to_int(std::string_view s) {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && ptr == s.data() + s.size() ? v : 0;
}

// The most commits GET .../pushes/{id}?includeCommits= returns (what the
// client asks for): a push listing this many may have more.
constexpr std::size_t k_push_commits_cap = 1000;

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
    auto listed = storage::read(m_store, "list the work queue", [this](storage::Txn& txn) {
        return tracking::list_pending(txn, m_tables);
    });
    if (!listed) {
        m_log(Level::error, "work queue: " + listed.error().message);
        return;
    }
    const std::vector<tracking::QueueItem> items = std::move(*listed);
    const auto now = std::chrono::steady_clock::now();
    std::unique_ptr<azure::AzureDevOpsClient> client;
    for (const auto& item : items) {
        if (!item.failed.empty()) continue;
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
        const std::uint32_t attempts = b == m_backoff.end() ? 0 : b->second.attempts;
        if (execute(*client, *config, item, attempts)) {
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
                              const tracking::QueueItem& item, std::uint32_t attempts) {
    auto permanent = [&](const std::string& reason) {
        m_log(Level::warn, "work queue: " + item.key + " cannot be answered: " + reason);
        if (!journal(tracking::lookup_failed_event_id(item.key),
                     tracking::k_lookup_failed_event_type,
                     tracking::make_lookup_failed_record({item.key, reason}), item.key))
            return false;
        if (m_options.metrics) m_options.metrics->record_lookup_given_up();
        std::lock_guard lock(m_mutex);
        ++m_stats.failed;
        return true;
    };
    // An answer that is there but unusable may be a moment early (a build
    // still being set up); after max_attempts it is not, and the deploy
    // shows why instead of waiting forever.
    auto unusable = [&](const std::string& reason) {
        if (attempts + 1 >= m_options.max_attempts)
            return permanent(reason + " (asked " + std::to_string(attempts + 1) + " times)");
        m_log(Level::warn, "work queue: " + item.key + ": " + reason + " (will retry)");
        return false;
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
        if (!is_hex40(build->source_version))
            return unusable("build " + std::to_string(lookup->run_id) +
                            " was answered without a sourceVersion");
        tracking::BuildLookupAnswer answer{lookup->project, lookup->run_id, build->source_branch,
                                           lower(build->source_version)};
        return answered(tracking::k_build_lookup_event_type,
                        tracking::make_build_lookup_record(answer));
    }
    if (item.kind == tracking::k_queue_release_artifact_lookup) {
        auto lookup = tracking::parse_release_artifact_lookup(item);
        if (!lookup) return permanent(lookup.error().message);
        const std::string project = configured_project(config, lookup->project);
        const std::string what = "release " + std::to_string(lookup->release_id);
        auto hint = release_hint(lookup->release_id);
        if (!hint) return false;  // store error: logged, retried
        if (*hint)
            return answer_from_delivery(client, *lookup, **hint, answered, permanent, retry,
                                        unusable);
        auto release = client.get_release(project, lookup->release_id);
        if (!release) return retry(release.error());
        const auto* artifact = artifact_of(config, *release, lookup->project);
        if (artifact == nullptr)
            return permanent(what + " has no Build artifact to take the deployed commit from");
        tracking::ReleaseLookupAnswer answer{lookup->project, lookup->release_id, 0,
                                             artifact->branch, ""};
        const std::int64_t build_id =
            ascii::iequals(artifact->type, "Build") ? to_int(artifact->build_id) : 0;
        if (build_id > 0) {
            auto build =
                client.get_build(artifact->project.empty() ? project : artifact->project, build_id);
            if (build && is_hex40(build->source_version)) {
                answer.build_id = build_id;
                answer.branch = build->source_branch;
                answer.sha = lower(build->source_version);
            } else if (!build && (build.error().code != ErrorCode::not_found ||
                                  !is_hex40(artifact->source_version))) {
                return retry(build.error());
            }
        }
        // A build gone to retention (or a Git artifact): the release's own record of the commit.
        if (answer.sha.empty()) {
            const std::string& version =
                ascii::iequals(artifact->type, "Git") && is_hex40(artifact->build_id)
                    ? artifact->build_id
                    : artifact->source_version;
            if (!is_hex40(version))
                return permanent(what + ": artifact " + artifact->alias + " names no commit");
            answer.sha = lower(version);
        }
        return answered(tracking::k_release_lookup_event_type,
                        tracking::make_release_lookup_record(answer));
    }
    if (item.kind == tracking::k_queue_commits_between) {
        auto range = tracking::parse_commits_between(item);
        if (!range) return permanent(range.error().message);
        const auto* d = deployment_of_repo(config, range->repo);
        if (d == nullptr) return false;  // no deployment of that repository any more: leave it
        if (range->from.empty()) {
            // A first deploy ships the commits of the push that made its sha
            // the tip (docs/reference/definitions.md): when that push was truncated, take its full
            // list from the push itself, not just the one commit.
            auto push_id = first_deploy_push(config, range->repo, range->to);
            if (!push_id) return false;  // store error: logged, retried
            if (*push_id)
                return answer_first_push(client, *d, *range, **push_id, answered, permanent, retry);
        }
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

Result<std::optional<tracking::ReleaseArtifactHint>> WorkQueueRunner::release_hint(
    std::int64_t release_id) {
    auto hint = storage::read(m_store, "read the release's artifact", [&](storage::Txn& txn) {
        return tracking::release_artifact_hint(txn, m_tables, release_id);
    });
    if (!hint) m_log(Level::error, "work queue: " + hint.error().message);
    return hint;
}

template <class Answered, class Permanent, class Retry, class Unusable>
bool WorkQueueRunner::answer_from_delivery(azure::AzureDevOpsClient& client,
                                           const tracking::ReleaseArtifactLookup& lookup,
                                           const tracking::ReleaseArtifactHint& hint,
                                           Answered& answered, Permanent& permanent, Retry& retry,
                                           Unusable& unusable) {
    const std::string what =
        "release " + std::to_string(lookup.release_id) + ": artifact " + hint.alias;
    const std::int64_t build_id = ascii::iequals(hint.type, "Build") ? to_int(hint.version) : 0;
    if (build_id <= 0)
        return permanent(what + " (" + hint.type + " version '" + hint.version +
                         "') names neither a build id nor a commit");
    // The artifact's own project: a build of another project is not found
    // in the deployment's.
    const std::string project = hint.project.empty() ? lookup.project : hint.project;
    auto build = client.get_build(project, build_id);
    if (!build) {
        if (build.error().code == ErrorCode::not_found)
            return permanent(what + ": build " + std::to_string(build_id) + " of project " +
                             project + " is gone and the release names no commit");
        return retry(build.error());
    }
    if (!is_hex40(build->source_version))
        return unusable(what + ": build " + std::to_string(build_id) +
                        " was answered without a sourceVersion");
    tracking::ReleaseLookupAnswer answer{
        lookup.project, lookup.release_id, build_id,
        build->source_branch.empty() ? hint.branch : build->source_branch,
        lower(build->source_version)};
    return answered(tracking::k_release_lookup_event_type,
                    tracking::make_release_lookup_record(answer));
}

Result<std::optional<std::int64_t>> WorkQueueRunner::first_deploy_push(const config::Config& config,
                                                                       const std::string& repo,
                                                                       const std::string& sha) {
    auto found = storage::read(
        m_store, "read pushes", [&](storage::Txn& txn) -> Result<std::optional<std::int64_t>> {
            for (const auto& d : config.deployments) {
                if (d.repository.empty() || lower(d.project + "/" + d.repository) != repo) continue;
                auto push = tracking::push_of_tip(txn, m_tables, repo, ref_of(d.branch), sha);
                if (!push || *push) return push;
            }
            return std::optional<std::int64_t>{};
        });
    if (!found) m_log(Level::error, "work queue: " + found.error().message);
    return found;
}

template <class Answered, class Permanent, class Retry>
bool WorkQueueRunner::answer_first_push(azure::AzureDevOpsClient& client,
                                        const config::DeploymentConfig& d,
                                        const tracking::CommitsBetween& range, std::int64_t push_id,
                                        Answered& answered, Permanent& permanent, Retry& retry) {
    auto json = client.get_push_json(d.project, d.repository, push_id);
    if (!json) return retry(json.error());
    // The GitPush is the resource a git.push delivery carries.
    auto push =
        handlers::parse_push_event(rest_envelope("shiplog-lookup", EventKind::git_push, *json));
    const std::string what = "push " + std::to_string(push_id);
    if (!push) return permanent(what + ": " + push.error().message);
    if (push->commits.size() >= k_push_commits_cap)
        return permanent(what + " lists " + std::to_string(k_push_commits_cap) +
                         " commits or more (the most Azure DevOps returns): the first "
                         "deploy's commit set stays incomplete");
    tracking::CommitRangeAnswer answer{range.repo, range.from, range.to, {}};
    for (auto& c : push->commits)
        answer.commits.push_back({lower(c.commit_id), std::move(c.author_name),
                                  std::move(c.author_email), format_rfc3339(c.author_date),
                                  std::move(c.comment), c.comment_truncated});
    return answered(tracking::k_commit_range_event_type,
                    tracking::make_commit_range_record(answer));
}

}  // namespace shiplog::daemon
