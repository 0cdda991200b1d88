#pragma once
// Executes tracking's persistent work queue for `serve`: the look-ups only
// Azure DevOps' REST API can answer (a stage run's build -> sha and branch;
// the commits between two deployed shas when the pushes we hold do not give
// them completely). Every answer is journaled as a shiplog-made record
// (tracking/lookup_records.hpp) through EventIntake, under an event id made
// from the item's key, so the projection of the answer is reproduced by
// `reindex` without network and a look-up answered twice counts once.
//
// A failed call is retried with exponential backoff (per item, in memory);
// "does not exist" (404) is journaled as a lookup_failed record: the item
// is then shown as failed by `deploy show` and never retried; so is an
// answer that stays unusable (a build without sourceVersion) after
// Options::max_attempts. A classic release's artifact comes from its
// delivery when that carried one (the build then looked up in the
// artifact's own project), else from the Release API (vsrm); a first deploy whose push was
// truncated gets that push's full commit list (GET .../pushes/{id}?includeCommits=1000).
//
// Threading: the constructor starts one thread; trigger(), stats() and
// stop() may be called from any thread. The destructor stops and joins.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "azure/client.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/metrics.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::daemon {

class WorkQueueRunner {
  public:
    using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;
    using ClientFactory = std::function<Result<std::unique_ptr<azure::AzureDevOpsClient>>(
        const config::AzureDevOpsConfig&)>;
    using Level = LogLevel;
    using Log = LogFunction;

    struct Options {
        std::chrono::milliseconds poll{
            std::chrono::seconds{2}};  // how often the queue is read (cheap)
        std::chrono::milliseconds retry_initial{
            std::chrono::seconds{30}};  // after a failed look-up, doubled
        std::chrono::milliseconds retry_max{std::chrono::minutes{30}};
        std::chrono::milliseconds commit_timeout{std::chrono::seconds{8}};
        ClientFactory make_client;  // default: azure::make_http_client
        // An answer that cannot be used (a build without sourceVersion) is
        // asked again this many times in all, then the item ends with the
        // reason (journaled as failed, shown on the deploy).
        std::uint32_t max_attempts = 6;
        Metrics* metrics = nullptr;  // counts look-ups given up; may be null
    };

    struct Stats {
        std::uint64_t answered = 0;  // answers journaled
        std::uint64_t failed = 0;    // journaled as failed for good (404, retries used up)
        std::uint64_t errors = 0;    // attempts that will be retried
    };

    WorkQueueRunner(storage::Store& store, const tracking::Tables& tables, EventIntake& intake,
                    ConfigSource config, Log log, Options options);
    ~WorkQueueRunner();
    WorkQueueRunner(const WorkQueueRunner&) = delete;
    WorkQueueRunner& operator=(const WorkQueueRunner&) = delete;

    void trigger();  // read the queue now
    void stop();     // idempotent
    Stats stats() const;

  private:
    struct Backoff {
        std::uint32_t attempts = 0;
        std::chrono::steady_clock::time_point next{};
    };

    void loop();
    void run_once();
    // Executes one item; false when it should be retried later.
    // `attempts`: how often it was tried before.
    bool execute(azure::AzureDevOpsClient& client, const config::Config& config,
                 const tracking::QueueItem& item, std::uint32_t attempts);
    bool journal(const std::string& event_id, std::string_view type, std::string raw,
                 const std::string& key);
    // The journaled push a first deploy of `sha` ships (tracking::push_of_tip).
    Result<std::optional<std::int64_t>> first_deploy_push(const config::Config& config,
                                                          const std::string& repo,
                                                          const std::string& sha);
    // What a deployment-completed delivery said about the release's artifact.
    Result<std::optional<tracking::ReleaseArtifactHint>> release_hint(std::int64_t release_id);
    template <class Answered, class Permanent, class Retry, class Unusable>
    bool answer_from_delivery(azure::AzureDevOpsClient& client,
                              const tracking::ReleaseArtifactLookup& lookup,
                              const tracking::ReleaseArtifactHint& hint, Answered& answered,
                              Permanent& permanent, Retry& retry, Unusable& unusable);
    template <class Answered, class Permanent, class Retry>
    bool answer_first_push(azure::AzureDevOpsClient& client, const config::DeploymentConfig& d,
                           const tracking::CommitsBetween& range, std::int64_t push_id,
                           Answered& answered, Permanent& permanent, Retry& retry);

    storage::Store& m_store;
    tracking::Tables m_tables;
    EventIntake& m_intake;
    ConfigSource m_config;
    Log m_log;
    Options m_options;
    std::map<std::string, Backoff> m_backoff;  // loop thread only
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stop = false;
    bool m_triggered = true;
    Stats m_stats;
    std::thread m_thread;
};

}  // namespace shiplog::daemon
