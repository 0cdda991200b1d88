#pragma once
// serve's automatic backfill (docs/azure-devops.md): a background thread that runs a
// backfill pass (backfill.hpp) through serve's own EventIntake (so the
// journal writer, dedup and "durable before acknowledged" are the ones live
// deliveries use) whenever request() asks for one: at start after downtime
// and after the hook sync re-enabled a subscription. Requests that arrive
// while one is pending merge (the earliest `since` wins). A pass with a
// failed call is retried with exponential backoff; the receiver never waits
// for any of it. Does nothing while the config has no [azure_devops].
//
// Threading: the constructor starts one thread; request(), stats() and
// stop() may be called from any thread. The destructor stops and joins.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "azure/client.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/metrics.hpp"

namespace shiplog::daemon {

class BackfillWorker {
  public:
    using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;
    using ClientFactory = std::function<Result<std::unique_ptr<azure::AzureDevOpsClient>>(
        const config::AzureDevOpsConfig&, azure::ClientOptions)>;
    using Level = LogLevel;
    using Log = LogFunction;

    struct Options {
        std::chrono::milliseconds retry_initial{
            std::chrono::minutes{1}};  // after a failed pass, doubled
        std::chrono::milliseconds retry_max{std::chrono::minutes{30}};
        ClientFactory make_client;  // default: make_http_client
    };

    struct Stats {
        std::uint64_t runs_ok = 0;
        std::uint64_t runs_failed = 0;
        std::uint64_t events_stored = 0;
    };

    BackfillWorker(ConfigSource config, EventIntake& intake, Metrics* metrics, Log log,
                   Options options);
    ~BackfillWorker();
    BackfillWorker(const BackfillWorker&) = delete;
    BackfillWorker& operator=(const BackfillWorker&) = delete;

    // Backfill from `since` as soon as possible; `why` goes into the log line.
    void request(Timestamp since, const std::string& why);
    void stop();  // idempotent; a pass in progress stops before its next source or event
    Stats stats() const;

  private:
    struct Pending {
        Timestamp since{};
        std::string why;
    };
    void loop();
    bool run_once(const Pending& pending);  // true when every call and commit succeeded

    ConfigSource m_config;
    EventIntake& m_intake;
    Metrics* m_metrics;
    Log m_log;
    Options m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stop = false;
    std::optional<Pending> m_pending;
    Stats m_stats;
    std::thread m_thread;
};

}  // namespace shiplog::daemon
