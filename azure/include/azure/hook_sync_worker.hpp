#pragma once
// Runs `hooks sync` in the background for `serve` (docs/azure-devops.md): once at start,
// whenever trigger() is called (SIGHUP), and every `interval`. A failure
// (Azure DevOps unreachable, a name that does not exist, ...) is logged and
// retried with exponential backoff; the receiver never waits for it.
// Subscriptions on probation or disabled by the system are re-enabled by the
// sync itself; ones disabled by a user or an inactive identity are warned
// about only.
//
// Threading: the constructor starts one thread; trigger(), stats() and stop()
// may be called from any thread. The destructor stops and joins.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "azure/client.hpp"
#include "common/log.hpp"
#include "config/config.hpp"

namespace shiplog::azure {

class HookSyncWorker {
  public:
    using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;
    using ClientFactory =
        std::function<Result<std::unique_ptr<AzureDevOpsClient>>(const config::AzureDevOpsConfig&)>;
    using Level = LogLevel;
    using Log = LogFunction;

    struct Options {
        std::chrono::milliseconds interval{std::chrono::hours{1}};  // periodic re-sync
        std::chrono::milliseconds retry_initial{
            std::chrono::seconds{30}};  // after a failure, doubled
        std::chrono::milliseconds retry_max{std::chrono::minutes{30}};
        ClientFactory make_client;  // default: make_http_client
        // After each run, on the worker's thread, no lock held: whether it
        // succeeded and how many subscriptions it re-enabled (serve backfills then).
        std::function<void(bool ok, std::size_t reenabled)> after_run;
    };

    struct Stats {
        std::uint64_t runs_ok = 0;
        std::uint64_t runs_failed = 0;
        std::uint64_t reenabled = 0;  // probation / disabledBySystem repaired
        std::uint64_t disabled_seen =
            0;  // disabledByUser / disabledByInactiveIdentity in the last run
    };

    HookSyncWorker(ConfigSource config, Log log, Options options);
    ~HookSyncWorker();
    HookSyncWorker(const HookSyncWorker&) = delete;
    HookSyncWorker& operator=(const HookSyncWorker&) = delete;

    // What the latest finished run found, for the dashboard (/api/v1/hooks).
    struct LastRun {
        enum class Outcome { none, not_configured, skipped, ok, failed };
        Outcome outcome = Outcome::none;  // none: no run has finished yet
        std::chrono::system_clock::time_point finished_at{};
        std::string message;  // why it failed or was skipped; never a secret
        std::vector<Subscription>
            subscriptions;  // ours after the last successful run (created ones have no id)
    };

    void trigger();  // run again as soon as possible (config reloaded)
    void stop();     // idempotent
    Stats stats() const;
    LastRun last_run() const;

  private:
    void loop();
    bool run_once();  // true when the sync succeeded or had nothing to do

    ConfigSource m_config;
    Log m_log;
    Options m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stop = false;
    bool m_triggered = true;  // the first run happens at start
    Stats m_stats;
    std::size_t m_reenabled_last_run = 0;  // written by the worker thread only
    LastRun m_last_run;
    std::thread m_thread;
};

}  // namespace shiplog::azure
